"""The steps before the code runs: the user switch, capabilities, limits, namespaces and hiding."""

import contextlib
import io
import os
import resource
import socket
import tempfile
import unittest

from interpreterd_runner.hiding import Hiding, hide_alone, probe_hiding
from interpreterd_runner.kernel import CLONE_NEWNS, MS_PRIVATE, MS_REC, PR_GET_DUMPABLE, libc, mount
from interpreterd_runner.namespaces import enter_box_namespaces, isolate_network, unshare_alone_or_as_own_user
from interpreterd_runner.sandbox import (become, enter_sandbox, forbid_way_back, give_way_under_memory_pressure,
                                         probe_user, runs_as_root)
from tests.forked import result_of

ROOT = os.geteuid() == 0
NOBODY = {"uid": 65534, "gid": 65534}


def status_fields(*names):
    """Fields of /proc/self/status, e.g. CapEff and NoNewPrivs."""
    with open("/proc/self/status") as status:
        fields = dict(line.rstrip("\n").split(":\t", 1) for line in status if ":\t" in line)
    return {name: fields[name].strip() for name in names}


class EnterSandboxTest(unittest.TestCase):

    def test_the_code_starts_without_capabilities_or_a_way_back_under_its_limits_in_its_directory(self):
        def child():
            user = NOBODY if ROOT else None
            enter_sandbox({"limits": {"openFiles": 64}, "cwd": "/", "user": user}, os.getppid())
            try:
                os.setuid(0)
                way_back = "root"
            except OSError:
                way_back = None
            return dict(status_fields("CapEff", "CapPrm", "CapInh", "NoNewPrivs"), uid=os.getuid(),
                        openFiles=resource.getrlimit(resource.RLIMIT_NOFILE), cwd=os.getcwd(),
                        dumpable=libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), wayBack=way_back)

        got = result_of(child)
        self.assertEqual({"CapEff": "0" * 16, "CapPrm": "0" * 16, "CapInh": "0" * 16, "NoNewPrivs": "1",
                          "uid": NOBODY["uid"] if ROOT else os.getuid(), "openFiles": [64, 64], "cwd": "/",
                          "dumpable": 1, "wayBack": None}, got)


class BecomeTest(unittest.TestCase):

    def test_no_user_or_the_same_user_is_no_switch(self):
        self.assertIsNone(become(None))
        self.assertIsNone(become({"uid": os.getuid(), "gid": os.getgid()}))

    @unittest.skipUnless(ROOT, "switching to another user needs root")
    def test_root_switches_for_good_to_the_codes_user_and_its_groups_alone(self):
        def child():
            left = become(NOBODY)
            forbid_way_back(NOBODY, left)
            return [left, os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]

        self.assertEqual([0, 65534, 65534, 65534, []], result_of(child))

    def test_a_switch_that_could_be_undone_is_refused(self):
        def child():
            try:
                forbid_way_back({"uid": os.getuid()}, os.getuid())
            except PermissionError as exc:
                return str(exc)
            return "allowed"

        self.assertEqual(f"could still become uid {os.getuid()} after switching to uid {os.getuid()}",
                         result_of(child))

    def test_only_root_told_to_stay_root_keeps_root(self):
        self.assertEqual(ROOT, runs_as_root(None))
        self.assertEqual(ROOT, runs_as_root({"uid": 0, "gid": 0}))
        self.assertFalse(runs_as_root(NOBODY))


class ProbeUserTest(unittest.TestCase):
    """The probe as this process's own user: without capabilities even root meets file modes."""

    def setUp(self):
        self.user = {"uid": os.getuid(), "gid": os.getgid()}

    def test_a_user_that_may_use_the_interpreter_and_enter_the_work_directory_passes(self):
        self.assertEqual([0, ""], result_of(probe_quietly, self.user, "/"))

    def test_a_work_directory_the_user_may_not_enter_is_named(self):
        with tempfile.TemporaryDirectory() as closed:
            os.chmod(closed, 0o000)
            try:
                self.assertEqual([1, f"it may not enter the work directory {closed}\n"],
                                 result_of(probe_quietly, self.user, closed))
            finally:
                os.chmod(closed, 0o700)


def probe_quietly(user, work_dir):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = probe_user(user, work_dir)
    return [status, out.getvalue()]


class MemoryPressureTest(unittest.TestCase):

    def test_the_code_is_the_oom_killers_first_choice(self):
        def child():
            give_way_under_memory_pressure()
            with open("/proc/self/oom_score_adj") as adj:
                return [adj.read().strip(), libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)]

        self.assertEqual(["1000", 1], result_of(child))


class NamespacesTest(unittest.TestCase):

    def test_a_boxs_next_child_is_pid_1_of_its_own_namespace_and_keeps_its_ids(self):
        def child():
            try:
                enter_box_namespaces()
            except OSError as exc:
                return {"skip": str(exc)}
            r, w = os.pipe()
            init = os.fork()
            if init == 0:
                os.write(w, b"%d %d" % (os.getpid(), os.getuid()))
                os._exit(0)
            os.close(w)
            os.waitpid(init, 0)
            with os.fdopen(r, "rb") as pipe:
                return [int(n) for n in pipe.read().split()]

        got = result_of(child)
        if isinstance(got, dict):
            self.skipTest("no namespaces here: " + got["skip"])
        self.assertEqual([1, os.getuid()], got)

    def test_a_network_namespace_of_its_own_has_a_loopback_alone(self):
        def child():
            try:
                isolate_network()
            except OSError as exc:
                return {"skip": str(exc)}
            return sorted(name for _, name in socket.if_nameindex())

        got = result_of(child)
        if isinstance(got, dict):
            self.skipTest("no network namespace here: " + got["skip"])
        self.assertEqual(["lo"], got)


class HidingTest(unittest.TestCase):

    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(self.remove_tree)
        self.private = os.path.join(self.root, "runner")
        os.makedirs(os.path.join(self.private, "pipes"))
        self.write(os.path.join(self.private, "runner.py"), "the runner")
        self.write(os.path.join(self.private, "pipes", "kept"), "kept")
        self.token = self.write(os.path.join(self.root, "token"), "secret")

    def remove_tree(self):
        for directory, _, files in os.walk(self.root, topdown=False):
            for name in files:
                os.remove(os.path.join(directory, name))
            os.rmdir(directory)

    @staticmethod
    def write(path, text):
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_a_directory_becomes_empty_and_read_only_and_a_file_reads_as_nothing(self):
        def child():
            error = hide_alone([self.private, self.token, os.path.join(self.root, "missing")])
            if error is not None:
                return {"skip": str(error)}
            return {"runner": os.path.exists(os.path.join(self.private, "runner.py")),
                    "list": attempt(lambda: os.listdir(self.private)),
                    "create": attempt(lambda: open(os.path.join(self.private, "planted"), "w").close()),
                    "token": attempt(lambda: read(self.token))}

        got = self.in_child(child)
        self.assertFalse(got["runner"])
        self.assertIn(got["list"], ("[]", "refused: PermissionError"))
        self.assertTrue(got["create"].startswith("refused: "), got["create"])
        self.assertEqual("''", got["token"])
        self.assertTrue(os.path.exists(os.path.join(self.private, "runner.py")), "outside, nothing changed")

    def test_the_directory_it_keeps_stays_reachable_but_read_only(self):
        def child():
            try:
                unshare_alone_or_as_own_user(CLONE_NEWNS, "a mount namespace")
            except OSError as exc:
                return {"skip": str(exc)}
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            pipes = os.path.join(self.private, "pipes")
            Hiding([self.private], keep=pipes).cover()
            return {"runner": os.path.exists(os.path.join(self.private, "runner.py")),
                    "kept": attempt(lambda: read(os.path.join(pipes, "kept"))),
                    "create": attempt(lambda: open(os.path.join(pipes, "planted"), "w").close())}

        got = self.in_child(child)
        self.assertEqual({"runner": False, "kept": "'kept'", "create": "refused: OSError"}, got)

    def test_the_probe_says_whether_the_files_can_be_covered_here(self):
        def child():
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = probe_hiding([self.private])
            return [status, out.getvalue(), os.path.exists(os.path.join(self.private, "runner.py"))]

        status, said, visible = result_of(child)
        self.assertIn(status, (0, 1))
        self.assertEqual(status == 0, said == "", said)
        self.assertEqual(status != 0, visible)

    def in_child(self, child):
        got = result_of(child)
        if "skip" in got:
            self.skipTest("no mount namespace here: " + got["skip"])
        return got


def read(path):
    with open(path) as f:
        return f.read()


def attempt(action):
    try:
        return repr(action())
    except OSError as exc:
        return "refused: " + type(exc).__name__


if __name__ == "__main__":
    unittest.main()
