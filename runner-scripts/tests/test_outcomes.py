"""Outcomes: how the code's end becomes a report, an exit status and the exit frame."""

import contextlib
import functools
import io
import os
import signal
import unittest

import runner
from interpreterd_runner import outcomes
from interpreterd_runner.outcomes import (MAX_ERROR_VALUE_CHARS, MAX_TRACEBACK_LINE_CHARS, MAX_TRACEBACK_LINES,
                                          RUNNER_FILES, TRUNCATED_MARK, capped, capped_lines, ending, error_outcome,
                                          exit_frame, exit_outcome, report_status)
from tests.forked import status_of


class ExitOutcomeTest(unittest.TestCase):

    def test_no_code_is_status_zero(self):
        self.assertEqual({"outcome": "exit", "code": 0}, exit_outcome(SystemExit()))
        self.assertEqual({"outcome": "exit", "code": 0}, exit_outcome(SystemExit(None)))

    def test_an_int_code_is_the_status_as_the_kernel_keeps_it(self):
        self.assertEqual({"outcome": "exit", "code": 3}, exit_outcome(SystemExit(3)))
        self.assertEqual({"outcome": "exit", "code": 7}, exit_outcome(SystemExit(256 + 7)))
        self.assertEqual({"outcome": "exit", "code": 255}, exit_outcome(SystemExit(-1)))
        self.assertEqual({"outcome": "exit", "code": 1}, exit_outcome(SystemExit(True)))

    def test_any_other_code_is_printed_on_stderr_and_is_status_one(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            self.assertEqual({"outcome": "exit", "code": 1}, exit_outcome(SystemExit("goodbye")))
        self.assertEqual("goodbye\n", stderr.getvalue())


class ErrorOutcomeTest(unittest.TestCase):

    def test_an_exception_gives_its_class_its_message_and_its_traceback(self):
        try:
            raise KeyError("missing")
        except KeyError as exc:
            outcome = error_outcome(exc)
        self.assertEqual("error", outcome["outcome"])
        self.assertEqual("KeyError", outcome["name"])
        self.assertEqual("'missing'", outcome["value"])
        self.assertEqual("Traceback (most recent call last):", outcome["traceback"][0])
        self.assertIn(__file__, "\n".join(outcome["traceback"]))
        self.assertEqual("KeyError: 'missing'", outcome["traceback"][-1])

    def test_the_runners_own_frames_at_the_top_of_the_traceback_are_left_out(self):
        from interpreterd_runner.frames import recv_frame
        caught = []

        def keep(exc):
            caught.append(exc)
            return error_outcome(exc)

        # A frame of the runner's that catches what the code raised, as execute() does.
        outcome = runs_in_runner_frames(functools.partial(recv_frame, None), keep)
        tb = caught[0].__traceback__
        self.assertIn(tb.tb_frame.f_code.co_filename, RUNNER_FILES, "the traceback starts in the runner")
        self.assertEqual(["AttributeError: 'NoneType' object has no attribute 'recv'"], outcome["traceback"])

    def test_a_long_message_is_capped(self):
        outcome = error_outcome(ValueError("v" * (MAX_ERROR_VALUE_CHARS + 10)))
        self.assertEqual("v" * MAX_ERROR_VALUE_CHARS + TRUNCATED_MARK, outcome["value"])

    def test_an_exception_whose_str_fails_is_still_reported(self):
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no")

        outcome = error_outcome(Unprintable())
        self.assertEqual("Unprintable", outcome["name"])
        self.assertEqual("<Unprintable str() failed>", outcome["value"])


def runs_in_runner_frames(function, handle):
    """Calls function from a frame compiled as one of the runner's files, handling what it raises."""
    namespace = {}
    code = compile("def call(function, handle):\n"
                   "    try:\n"
                   "        function()\n"
                   "    except BaseException as exc:\n"
                   "        return handle(exc)\n", outcomes.__file__, "exec")
    exec(code, namespace)
    return namespace["call"](function, handle)


class CappedTest(unittest.TestCase):

    def test_text_within_the_limit_is_kept_and_beyond_it_is_cut_and_marked(self):
        self.assertEqual("abc", capped("abc", 3))
        self.assertEqual("ab" + TRUNCATED_MARK, capped("abc", 2))

    def test_long_lines_of_a_traceback_are_cut(self):
        lines = capped_lines(["short", "x" * (MAX_TRACEBACK_LINE_CHARS + 1)])
        self.assertEqual(["short", "x" * MAX_TRACEBACK_LINE_CHARS + TRUNCATED_MARK], lines)

    def test_a_traceback_at_the_limit_is_kept_whole(self):
        lines = [str(i) for i in range(MAX_TRACEBACK_LINES)]
        self.assertEqual(lines, capped_lines(lines))

    def test_the_middle_of_a_longer_traceback_is_left_out_and_counted(self):
        lines = [str(i) for i in range(MAX_TRACEBACK_LINES + 123)]
        kept = capped_lines(lines)
        half = MAX_TRACEBACK_LINES // 2
        self.assertEqual(MAX_TRACEBACK_LINES + 1, len(kept))
        self.assertEqual(lines[:half], kept[:half])
        self.assertEqual("… [123 lines left out]", kept[half])
        self.assertEqual(lines[-half:], kept[half + 1:])


class ReportStatusTest(unittest.TestCase):

    def test_each_outcome_has_the_status_a_script_would_end_with(self):
        self.assertEqual(0, report_status({"outcome": "ok"}))
        self.assertEqual(1, report_status({"outcome": "error", "name": "ValueError"}))
        self.assertEqual(42, report_status({"outcome": "exit", "code": 42}))
        self.assertEqual(0, report_status({"outcome": "exit"}))


class EndingTest(unittest.TestCase):

    def test_an_exit_gives_its_code_and_no_signal(self):
        status, _ = status_of(lambda fd: os._exit(3))
        self.assertEqual({"exitCode": 3, "signal": None}, ending(status))

    def test_a_signal_gives_its_number_and_no_code(self):
        status, _ = status_of(lambda fd: os.kill(os.getpid(), signal.SIGKILL))
        self.assertEqual({"exitCode": None, "signal": signal.SIGKILL}, ending(status))


class ExitFrameTest(unittest.TestCase):

    def test_a_child_that_ended_is_told_by_its_wait_status_with_its_last_report(self):
        status, _ = status_of(lambda fd: os._exit(1))
        reports = [{"event": "report", "outcome": "ok"}, {"event": "report", "outcome": "error", "name": "E"}]
        self.assertEqual({"event": "exit", "pid": 12, "exitCode": 1, "signal": None, "report": reports[-1],
                          "alive": False, "signalled": True}, exit_frame(12, status, reports, True))

    def test_a_child_that_was_killed_without_a_report_has_none(self):
        status, _ = status_of(lambda fd: os.kill(os.getpid(), signal.SIGSEGV))
        self.assertEqual({"event": "exit", "pid": 12, "exitCode": None, "signal": signal.SIGSEGV, "report": None,
                          "alive": False, "signalled": False}, exit_frame(12, status, [], False))

    def test_a_contexts_child_that_lives_on_is_told_by_its_report(self):
        report = {"event": "report", "outcome": "exit", "code": 4}
        self.assertEqual({"event": "exit", "pid": 12, "exitCode": 4, "signal": None, "report": report,
                          "alive": True, "signalled": False}, exit_frame(12, None, [report], False))


class RunnerFilesTest(unittest.TestCase):

    def test_they_are_the_entry_point_and_every_module_of_the_package(self):
        package = os.path.dirname(outcomes.__file__)
        modules = {os.path.join(package, name) for name in os.listdir(package) if name.endswith(".py")}
        self.assertIn(outcomes.__file__, modules)
        self.assertGreater(len(modules), 10)
        self.assertEqual(modules | {runner.__file__}, RUNNER_FILES)


if __name__ == "__main__":
    unittest.main()
