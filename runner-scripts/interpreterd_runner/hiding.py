"""Covering the daemon's files in the mount namespace the code runs in, before any code runs there."""

import os
import stat

from .codes import SUPERVISOR_OK
from .kernel import (CLONE_NEWNS, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT,
                     mount)
from .namespaces import unshare_alone_or_as_own_user

# What covers a directory of the daemon's: an empty tmpfs, read-only once set up, that every user may
# enter (to reach what is kept inside) and none may list.
COVER_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC
COVER_OPTIONS = "mode=0111,size=16k"


class Hiding:
    """The daemon's files to cover in a new mount namespace, and the one directory under them to keep.

    A directory gets an empty tmpfs, read-only once set up; anything else gets /dev/null. Done by a
    process that holds capabilities in the namespace, before any code runs there: the code holds
    none, so it can neither unmount them nor, in namespaces of its own, take them apart.
    """

    def __init__(self, paths, keep=None):
        self.paths, self.keep = list(paths), keep

    def cover(self):
        """Covers every path; one that does not exist is nothing to hide. Raises OSError naming the path."""
        kept = os.open(self.keep, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC) if self.keep else None
        try:
            for path in self.paths:
                inside = kept is not None and os.path.commonpath([path, self.keep]) == path
                cover(path, (self.keep, kept) if inside else None)
        finally:
            if kept is not None:
                os.close(kept)


def cover(path, keep):
    """Covers one path; keep, (path, fd) of a directory inside it opened before, is bound back in read-only.

    Named pipes in a read-only directory can still be opened for writing; nothing can be made there.
    """
    try:
        is_directory = stat.S_ISDIR(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return
    if not is_directory:
        mount("/dev/null", path, None, MS_BIND)
        return
    mount("tmpfs", path, "tmpfs", COVER_FLAGS, COVER_OPTIONS)
    if keep is not None:
        inside, fd = keep
        os.makedirs(inside, 0o700)
        # Under the tmpfs the directory has no path left; the descriptor opened before still names it.
        mount(f"/proc/self/fd/{fd}", inside, None, MS_BIND)
        read_only(inside)
    read_only(path)


def read_only(path):
    mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | COVER_FLAGS)


def hide_alone(paths):
    """In a supervisor's child, while it waits for its job: covers the daemon's files in namespaces of
    its own. Returns why it could not, for the job's answer; None once done or with nothing to hide.
    """
    if not paths:
        return None
    try:
        cover_alone(paths)
    except OSError as exc:
        return OSError(exc.errno, "cannot hide the daemon's files from the code: " + (exc.strerror or str(exc)))
    return None


def cover_alone(paths):
    """A mount namespace of this process's own, in a user namespace of its own when not root, and the
    daemon's files covered in it."""
    unshare_alone_or_as_own_user(CLONE_NEWNS, "a mount namespace")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    Hiding(paths).cover()


def probe_hiding(paths):
    """At the daemon's start: can an execution without a box cover the daemon's files here?"""
    try:
        cover_alone(paths)
    except OSError as exc:
        print(exc.strerror or exc)
        return 1
    return SUPERVISOR_OK
