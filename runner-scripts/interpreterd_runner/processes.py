"""The processes below this one: finding, killing and reaping them, and dying with the parent."""

import os
import selectors
import signal
import time

from .codes import SUPERVISOR_ORPHANED
from .kernel import PR_SET_PDEATHSIG, prctl


def die_with_parent(expected_parent):
    """Asks for SIGKILL when the parent dies, and exits if it already has.

    The parent may die between fork and prctl; then getppid() no longer names it.
    """
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != expected_parent:
        os._exit(SUPERVISOR_ORPHANED)


def clean_up_with_parent(expected_parent):
    """A supervisor's death with its parent: it first kills everything the code started, then exits.

    SIGKILL would leave the code's own subprocesses behind, orphaned, when the daemon is killed.
    """
    signal.signal(signal.SIGUSR1, orphaned)
    prctl(PR_SET_PDEATHSIG, signal.SIGUSR1)
    if os.getppid() != expected_parent:
        os._exit(SUPERVISOR_ORPHANED)


def orphaned(signum, frame):
    """The parent is gone: kill and reap every descendant (the child dies with this process)."""
    for _ in range(200):
        alive = descendants(os.getpid())
        if not alive:
            break
        kill_all(alive)
        reap_zombies()
        time.sleep(0.01)
    os._exit(SUPERVISOR_ORPHANED)


def descendants(root):
    """Every live process below root, found through /proc/PID/task/TID/children."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as children:
                    kids = [int(p) for p in children.read().split()]
            except OSError:
                continue
            found.extend(kids)
            pending.extend(kids)
    return found


def kill_descendants(wake_r):
    """Kills and reaps everything the code started, including what double-forked or setsid'ed.

    As a subreaper the supervisor inherits orphans, so repeating until no child is left also
    catches processes forked while the previous round was being killed.
    """
    selector = selectors.DefaultSelector()
    selector.register(wake_r, selectors.EVENT_READ)
    try:
        while True:
            alive = descendants(os.getpid())
            if not alive:
                return
            kill_all(alive)
            reap_zombies()
            # Wait for the next SIGCHLD instead of spinning; bounded in case one never comes.
            selector.select(timeout=0.05)
            drain(wake_r)
            reap_zombies()
    finally:
        selector.close()


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def reap_zombies():
    for _ in reaped():
        pass


def reaped():
    """Yields (pid, wait status) of each child that has ended, without waiting for more."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status


def drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass
