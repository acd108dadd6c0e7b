"""The processes below the runner: found through /proc, killed and reaped, and ended with their parent."""

import os
import select
import selectors
import signal
import time
import unittest

from interpreterd_runner.codes import SUPERVISOR_ORPHANED
from interpreterd_runner.kernel import PR_SET_CHILD_SUBREAPER, prctl
from interpreterd_runner.parent import Wakeup, has_exited
from interpreterd_runner.processes import (clean_up_with_parent, descendants, die_with_parent, kill_descendants,
                                           orphaned, reaped)
from tests.forked import result_of, status_of

# How long a process of a test's tree lives if nothing kills it.
TREE_SECONDS = 30


def linger(*fds):
    """A process of a test's tree: lets go of the pipes it does not need, then waits to be killed."""
    for fd in fds:
        os.close(fd)
    time.sleep(TREE_SECONDS)
    os._exit(0)


def await_signal(*fds):
    """Like linger, but a signal that comes just before the wait begins still ends it: its handler runs.

    time.sleep() would miss it and sleep on, as Python runs handlers between instructions only.
    """
    for fd in fds:
        os.close(fd)
    r, w = os.pipe()
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w)
    deadline = time.monotonic() + TREE_SECONDS
    while time.monotonic() < deadline:
        if select.select([r], [], [], max(0, deadline - time.monotonic()))[0]:
            os.read(r, 64)
    os._exit(0)


def build_tree(*fds):
    """Forks, from here: a child with a grandchild, and a process that double-forked and called setsid,
    whose parent has exited. Returns the pids of the three that live: child, grandchild, orphan.

    Its processes close fds, the pipes of the caller's own that they must not hold open.
    """
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        grandchild = os.fork()
        if grandchild == 0:
            linger(w, *fds)
        middle = os.fork()
        if middle == 0:
            os.setsid()
            orphan = os.fork()
            if orphan == 0:
                linger(w, *fds)
            os.write(w, b"%d\n" % orphan)
            os._exit(0)
        os.waitpid(middle, 0)
        os.write(w, b"%d\n" % grandchild)
        linger(w, *fds)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        orphan, grandchild = (int(line) for line in pipe.read().split())
    return [child, grandchild, orphan]


def gone(pids):
    """The pids of these that no process has any more (reaped, not zombies)."""
    left = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            left.append(pid)
        except ProcessLookupError:
            pass
    return [pid for pid in pids if pid not in left]


def as_subreaper():
    prctl(PR_SET_CHILD_SUBREAPER, 1)


class DescendantsTest(unittest.TestCase):

    def test_every_process_below_is_found_and_then_killed_and_reaped(self):
        def child():
            as_subreaper()
            wakeup = Wakeup()
            tree = build_tree(wakeup.r, wakeup.w)
            found = descendants(os.getpid())
            kill_descendants(wakeup.r)
            return {"tree": sorted(tree), "found": sorted(found), "after": descendants(os.getpid()),
                    "gone": sorted(gone(tree))}

        got = result_of(child)
        self.assertEqual(3, len(got["tree"]))
        self.assertEqual(got["tree"], got["found"])
        self.assertEqual([], got["after"])
        self.assertEqual(got["tree"], got["gone"], "killed and reaped, not left as zombies")

    def test_a_process_without_children_has_no_descendants(self):
        self.assertEqual([], result_of(lambda: descendants(os.getpid())))

    def test_a_process_that_is_gone_has_no_descendants(self):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        self.assertEqual([], descendants(pid))


class OrphanedTest(unittest.TestCase):

    def test_a_supervisor_whose_parent_died_kills_everything_below_it_and_exits(self):
        def supervisor(fd):
            as_subreaper()
            tree = build_tree(fd)
            os.write(fd, " ".join(map(str, tree)).encode())
            orphaned(signal.SIGUSR1, None)

        status, data = status_of(supervisor)
        tree = [int(pid) for pid in data.split()]
        self.assertEqual(SUPERVISOR_ORPHANED, os.waitstatus_to_exitcode(status))
        self.assertEqual(3, len(tree))
        self.assertEqual(tree, gone(tree))

    def test_the_parent_death_signal_makes_a_supervisor_clean_up_and_exit(self):
        def reaper():
            as_subreaper()
            r, w = os.pipe()
            parent = os.fork()
            if parent == 0:
                os.close(r)
                me = os.getpid()
                ready_r, ready_w = os.pipe()
                supervisor = os.fork()
                if supervisor == 0:
                    os.close(ready_r)
                    clean_up_with_parent(me)
                    as_subreaper()
                    tree = build_tree(w, ready_w)
                    os.write(w, " ".join(map(str, tree)).encode())
                    await_signal(w, ready_w)
                os.close(w)
                os.close(ready_w)
                # Dies once the supervisor has its tree, and the supervisor's clean-up begins.
                os.read(ready_r, 1)
                os._exit(0)
            os.close(w)
            with os.fdopen(r, "rb") as pipe:
                tree = [int(pid) for pid in pipe.read().split()]
            os.waitpid(parent, 0)
            # The supervisor, orphaned, has this subreaper for its parent now.
            pid, status = os.wait()
            return {"exit": os.waitstatus_to_exitcode(status), "tree": tree, "gone": gone(tree)}

        got = result_of(reaper)
        self.assertEqual(SUPERVISOR_ORPHANED, got["exit"])
        self.assertEqual(3, len(got["tree"]))
        self.assertEqual(got["tree"], got["gone"])


class DieWithParentTest(unittest.TestCase):

    def test_a_child_is_killed_when_its_parent_dies(self):
        def reaper():
            as_subreaper()
            parent = os.fork()
            if parent == 0:
                me = os.getpid()
                ready_r, ready_w = os.pipe()
                child = os.fork()
                if child == 0:
                    os.close(ready_r)
                    die_with_parent(me)
                    linger(ready_w)
                os.close(ready_w)
                # Dies once the child has asked for the signal.
                os.read(ready_r, 1)
                os._exit(0)
            os.waitpid(parent, 0)
            pid, status = os.wait()
            return {"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "exit": os.waitstatus_to_exitcode(status)}

        self.assertEqual({"signal": signal.SIGKILL, "exit": -signal.SIGKILL}, result_of(reaper))

    def test_a_child_whose_parent_is_already_gone_exits_at_once(self):
        status, _ = status_of(lambda fd: die_with_parent(os.getppid() + 1))
        self.assertEqual(SUPERVISOR_ORPHANED, os.waitstatus_to_exitcode(status))


class ReapedTest(unittest.TestCase):

    def test_ended_children_are_reaped_with_their_status_and_running_ones_are_not_waited_for(self):
        def child():
            ended = {}
            pids = {}
            for code in (1, 2):
                pid = os.fork()
                if pid == 0:
                    os._exit(code)
                pids[pid] = code
            running = os.fork()
            if running == 0:
                linger()
            deadline = time.monotonic() + 10
            while len(ended) < 2 and time.monotonic() < deadline:
                for pid, status in reaped():
                    ended[pid] = os.waitstatus_to_exitcode(status)
                time.sleep(0.01)
            os.kill(running, signal.SIGKILL)
            os.waitpid(running, 0)
            return {"expected": {str(pid): code for pid, code in pids.items()},
                    "ended": {str(pid): code for pid, code in ended.items()}, "afterwards": list(reaped())}

        got = result_of(child)
        self.assertEqual(got["expected"], got["ended"])
        self.assertEqual([], got["afterwards"], "no child is left: nothing to reap, and no error")


class WakeupTest(unittest.TestCase):

    def test_a_child_that_ends_wakes_the_parent_and_stays_to_be_reaped(self):
        def parent():
            wakeup = Wakeup()
            selector = selectors.DefaultSelector()
            selector.register(wakeup.r, selectors.EVENT_READ)
            child = os.fork()
            if child == 0:
                os._exit(7)
            woken = bool(selector.select(timeout=10))
            deadline = time.monotonic() + 10
            while not has_exited(child) and time.monotonic() < deadline:
                time.sleep(0.01)
            exited = has_exited(child)
            _, status = os.waitpid(child, 0)
            return [woken, exited, os.waitstatus_to_exitcode(status)]

        self.assertEqual([True, True, 7], result_of(parent))


if __name__ == "__main__":
    unittest.main()
