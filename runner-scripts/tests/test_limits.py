"""Limits: lowered soft and hard alike, so that the code cannot raise them back."""

import os
import resource
import unittest

from interpreterd_runner.limits import apply_limits, limit_cpu_from_now, lower
from interpreterd_runner.sandbox import clear_capabilities
from tests.forked import result_of

LIMITS = {"memory": 1 << 30, "processes": 200, "fileSize": 1 << 20, "openFiles": 64}
NAMES = {"memory": resource.RLIMIT_AS, "processes": resource.RLIMIT_NPROC, "fileSize": resource.RLIMIT_FSIZE,
         "openFiles": resource.RLIMIT_NOFILE}


def raise_back(which):
    """Tries to raise a limit back to what it was before; returns what the attempt gave."""
    soft, hard = resource.getrlimit(which)
    try:
        resource.setrlimit(which, (soft, resource.RLIM_INFINITY))
    except (ValueError, OSError) as exc:
        return "refused: " + type(exc).__name__
    return "raised"


class ApplyLimitsTest(unittest.TestCase):

    def test_each_limit_is_set_soft_and_hard_alike_and_core_dumps_are_off(self):
        def child():
            apply_limits(LIMITS)
            which = dict(NAMES, core=resource.RLIMIT_CORE)
            return {name: resource.getrlimit(limit) for name, limit in which.items()}

        got = result_of(child)
        expected = {name: [value, value] for name, value in LIMITS.items()}
        for name, value in LIMITS.items():
            hard = resource.getrlimit(NAMES[name])[1]
            if hard != resource.RLIM_INFINITY and hard < value:
                expected[name] = [hard, hard]
        expected["core"] = [0, 0]
        self.assertEqual(expected, got)

    def test_the_code_cannot_raise_them_back_once_it_holds_no_capability(self):
        def child():
            apply_limits(LIMITS)
            # What the child does before the code runs: as root, this is what keeps root from raising them.
            clear_capabilities()
            attempts = {name: raise_back(which) for name, which in NAMES.items()}
            attempts["softAboveHard"] = soft_above_hard(resource.RLIMIT_NOFILE)
            return attempts

        for name, attempt in result_of(child).items():
            self.assertTrue(attempt.startswith("refused: "), f"{name}: {attempt}")

    def test_limits_not_asked_for_are_left_alone(self):
        def child():
            apply_limits({"openFiles": 32})
            return resource.getrlimit(resource.RLIMIT_FSIZE)

        self.assertEqual(list(resource.getrlimit(resource.RLIMIT_FSIZE)), result_of(child))

    def test_cpu_seconds_end_the_process_with_sigxcpu_and_a_second_later_sigkill(self):
        def child():
            apply_limits({"cpuSeconds": 7})
            return resource.getrlimit(resource.RLIMIT_CPU)

        self.assertEqual([7, 8], result_of(child))

    def test_cpu_seconds_stay_below_a_hard_limit_already_set(self):
        def child():
            resource.setrlimit(resource.RLIMIT_CPU, (5, 5))
            apply_limits({"cpuSeconds": 100})
            return resource.getrlimit(resource.RLIMIT_CPU)

        self.assertEqual([4, 5], result_of(child))


def soft_above_hard(which):
    soft, hard = resource.getrlimit(which)
    try:
        resource.setrlimit(which, (hard + 1, hard))
    except (ValueError, OSError) as exc:
        return "refused: " + type(exc).__name__
    return "raised"


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class LowerTest(unittest.TestCase):

    def test_a_value_above_the_hard_limit_gives_the_hard_limit(self):
        def child():
            resource.setrlimit(resource.RLIMIT_NOFILE, (50, 100))
            lower(resource.RLIMIT_NOFILE, 1000)
            above = resource.getrlimit(resource.RLIMIT_NOFILE)
            lower(resource.RLIMIT_NOFILE, 20)
            return [above, resource.getrlimit(resource.RLIMIT_NOFILE)]

        self.assertEqual([[100, 100], [20, 20]], result_of(child))


class CpuFromNowTest(unittest.TestCase):

    def test_the_seconds_count_from_what_the_process_has_used_so_far(self):
        def child():
            resource.setrlimit(resource.RLIMIT_CPU, (590, 600))
            spin_until = os.times()[0] + 1.05
            while os.times()[0] < spin_until:
                pass
            before = cpu_seconds()
            limit_cpu_from_now(10)
            return [before, cpu_seconds(), resource.getrlimit(resource.RLIMIT_CPU)]

        before, after, (soft, hard) = result_of(child)
        self.assertGreaterEqual(before, 1)
        self.assertGreaterEqual(soft, int(before) + 10)
        self.assertLessEqual(soft, int(after) + 10)
        self.assertEqual(600, hard)

    def test_none_leaves_the_limit_alone_and_the_hard_limit_bounds_it(self):
        def child():
            resource.setrlimit(resource.RLIMIT_CPU, (100, 100))
            limit_cpu_from_now(None)
            unchanged = resource.getrlimit(resource.RLIMIT_CPU)
            limit_cpu_from_now(1000)
            return [unchanged, resource.getrlimit(resource.RLIMIT_CPU)]

        self.assertEqual([[100, 100], [100, 100]], result_of(child))


if __name__ == "__main__":
    unittest.main()
