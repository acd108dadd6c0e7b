"""Linux's numbers the runner needs, and the libc calls the os module lacks (prctl, mount, unshare, capset)."""

import ctypes
import os

PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    0x1, 0x2, 0x4, 0x8, 0x20, 0x1000, 0x4000, 0x40000)
EPERM = 1
EINVAL = 22

libc = ctypes.CDLL(None, use_errno=True)


def prctl(option, value):
    """Calls prctl(2); raises OSError when the kernel refuses."""
    if libc.prctl(option, value, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def mount(source, target, fstype, flags, options=None):
    if libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                   options and options.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot mount {target}: {os.strerror(errno)}")
