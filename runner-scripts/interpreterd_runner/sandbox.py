"""The last steps before the code runs, each giving up something the code must not have."""

import ctypes
import os
import sys

from .codes import SUPERVISOR_OK
from .kernel import (EINVAL, EPERM, PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, libc,
                     prctl)
from .limits import apply_limits, rehearse_limits
from .namespaces import isolate_network
from .network import enter_network
from .processes import die_with_parent

LINUX_CAPABILITY_VERSION_3 = 0x20080522
# The OOM killer's first choice: what every process that runs code carries.
OOM_SCORE_ADJ_FIRST = 1000


def enter_sandbox(job, supervisor, box_network=None):
    """The last steps before the code starts, in the order their privileges allow.

    box_network: the box's network namespace for jobs without network, a descriptor, or None.
    """
    user = job.get("user")
    keeps_root = runs_as_root(user)
    # As root, or in a box, this process may take its network namespace at once. Elsewhere only a
    # user namespace of its own grants one, made after the switch, as it maps only its maker's ids.
    isolate_later = enter_network(job, box_network)
    apply_limits(job.get("limits") or {})
    left = become(user)
    if isolate_later:
        isolate_network()
    if not keeps_root:
        # In a user namespace (a box's, or the network's) the child holds every capability until it
        # lets them go, and so does a daemon's child that switched between two users other than root.
        clear_capabilities()
    forbid_way_back(user, left)
    # Setuid and file-capability programs cannot give the code back what it just gave up.
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    # Forked from a box's init, this child is not dumpable either, which would leave /proc/self root's
    # (environ, mem, oom_score_adj…) and its forks closed to its user's debuggers. Its capabilities
    # gone, the code's process is its user's own business, like any process that user starts.
    prctl(PR_SET_DUMPABLE, 1)
    # A change of user clears the parent-death signal: ask for it again.
    die_with_parent(supervisor)
    # As the code's user: a directory that user may not enter is the code's error, as in a shell.
    if job.get("cwd"):
        os.chdir(job["cwd"])


def rehearse_sandbox():
    """What enter_sandbox() does that can be done with nothing changed, for a child's warm-up: the
    pages it writes are then the child's own before its job comes."""
    rehearse_limits()
    (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    (ctypes.c_uint32 * 6)()
    libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)
    runs_as_root(None)
    os.getgroups()


def runs_as_root(user):
    """True when the code keeps root: the daemon is root and was told --user root."""
    return os.getuid() == 0 and (not user or user["uid"] == 0)


def clear_capabilities():
    """Empties the effective, permitted and inheritable capability sets (and so the ambient one)."""
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.capset(header, data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, "cannot clear capabilities: " + os.strerror(errno))


def become(user):
    """Switches this process for good to the user the code runs as, when that is another user.

    Only a daemon running as root, or one holding CAP_SETUID and CAP_SETGID (in a box, those of the
    box's user namespace, where the code's user is mapped), sends another user than its own.
    Everything the runner needs is imported by now: its own directory stays closed to that user.
    Groups go first, while the process may still change them; the user id last. Returns the uid it
    left, or None when it stayed. A switch between two users other than root keeps the capabilities:
    the caller clears them, then calls forbid_way_back.
    """
    if not user or (os.getuid() == user["uid"] and os.geteuid() == user["uid"]):
        return None
    left = os.getuid()
    os.setgroups([])
    os.setgid(user["gid"])
    os.setuid(user["uid"])
    # The switch made the process non-dumpable, which would leave /proc/self root's; the code is
    # its user's own business, like any process that user starts.
    prctl(PR_SET_DUMPABLE, 1)
    return left


def forbid_way_back(user, left):
    """After a switch, and with the capabilities gone: checks that neither root nor the uid it left
    (the daemon's) can be had back. In a box's user namespace root is not even mapped (EINVAL)."""
    if left is None:
        return
    for uid in dict.fromkeys((0, left)):
        try:
            os.setuid(uid)
        except OSError as exc:
            if exc.errno in (EPERM, EINVAL):
                continue
            raise
        raise PermissionError(f"could still become uid {uid} after switching to uid {user['uid']}")


def probe_user(user, work_dir):
    """At the daemon's start: can the code, as this user, use this interpreter and work directory?"""
    left = become(user)
    clear_capabilities()
    forbid_way_back(user, left)
    stdlib = os.path.dirname(os.__file__)
    for path, mode, what in ((sys.executable, os.X_OK, "run the interpreter"),
                             (stdlib, os.R_OK | os.X_OK, "read the standard library in"),
                             (work_dir, os.X_OK, "enter the work directory")):
        if not os.access(path, mode):
            print(f"it may not {what} {path}")
            return 1
    return SUPERVISOR_OK


def give_way_under_memory_pressure():
    """Makes this process, and all the code will start, the OOM killer's first choice, never the daemon.

    Written before enter_sandbox(): as root holding CAP_SYS_RESOURCE, the kernel records the value
    as the least the process and its children may set, so the code cannot lower it. Without that
    capability (an ordinary user) they may lower it to the least the daemon itself was started with.
    A box's child is not dumpable yet, which leaves /proc/self root's; without root it is made
    dumpable for the write, as enter_sandbox() makes it for good before the code starts.
    """
    hidden = os.geteuid() != 0 and libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
    if hidden:
        prctl(PR_SET_DUMPABLE, 1)
    try:
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write(str(OOM_SCORE_ADJ_FIRST))
    finally:
        if hidden:
            prctl(PR_SET_DUMPABLE, 0)
