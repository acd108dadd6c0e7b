"""Namespaces: a box's PID and mount namespaces, network namespaces, and the user namespaces that
grant them to a process without root."""

import ctypes
import os

from .codes import SUPERVISOR_OK
from .kernel import CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, EPERM, libc


def enter_box_namespaces(code_ids=None):
    """New PID and mount namespaces; without root, inside a user namespace of their own.

    That user namespace maps this process's ids to themselves and, when the code runs as another
    user (code_ids, its uid and gid), that user's ids to themselves too: the box's child can switch
    to it, and what the code writes is that user's on disk.
    """
    if os.geteuid() == 0 and libc.unshare(CLONE_NEWPID | CLONE_NEWNS) == 0:
        return
    uid, gid = os.geteuid(), os.getegid()
    mapper = None
    if code_ids and uid != 0 and code_ids[0] != uid:
        mapper = IdMapper([(uid, gid), tuple(code_ids)])
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) != 0:
        errno = ctypes.get_errno()
        if mapper:
            mapper.finish(False)
        raise OSError(errno, "cannot make the box's namespaces: " + os.strerror(errno))
    if mapper:
        mapper.finish(True)
    else:
        map_own_ids(uid, gid)


class IdMapper:
    """A child left in the parent user namespace that maps ids into this process's next one.

    Mapping ids other than one's own takes CAP_SETUID and CAP_SETGID in the parent namespace, held
    by the process that writes the maps, as newuidmap(1) does. Once this process has entered its
    new user namespace it holds nothing in the parent, so a child forked before writes the maps
    when told. ids: (uid, gid) pairs, each mapped to itself.
    """

    def __init__(self, ids):
        target = os.getpid()
        go_r, self.go_w = os.pipe()
        self.error_r, error_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.go_w)
            os.close(self.error_r)
            os._exit(write_id_maps_when_told(go_r, error_w, target, ids))
        os.close(go_r)
        os.close(error_w)

    def finish(self, unshared):
        """Tells the child to write the maps (or, without a new namespace, to end) and waits for it.

        Raises OSError naming what the kernel refused when the maps could not be written.
        """
        os.write(self.go_w, b"y" if unshared else b"n")
        os.close(self.go_w)
        _, status = os.waitpid(self.pid, 0)
        message = os.read(self.error_r, 4096).decode("utf-8", "replace")
        os.close(self.error_r)
        if unshared and status != 0:
            raise OSError(EPERM, "cannot map the code's user into the box: "
                          + (message or f"the mapper ended with status {status}"))


def write_id_maps_when_told(go_r, error_w, pid, ids):
    """In the mapper: waits for the word, then writes uid_map and gid_map of process pid.

    End of file (its maker died) or "n" ends it without writing. Returns its exit status.
    """
    if os.read(go_r, 1) != b"y":
        return SUPERVISOR_OK
    for name, column in (("uid_map", 0), ("gid_map", 1)):
        # A group the two users share is mapped once: extents may not overlap.
        lines = dict.fromkeys(f"{pair[column]} {pair[column]} 1" for pair in ids)
        try:
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write("\n".join(lines) + "\n")
        except OSError as exc:
            os.write(error_w, f"writing {name}: {exc.strerror} (CAP_SETUID and CAP_SETGID are needed)".encode())
            return 1
    return SUPERVISOR_OK


def map_own_ids(uid, gid):
    """In a new user namespace, maps this process's ids to themselves, so files and signals work as before."""
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                       ("/proc/self/gid_map", f"{gid} {gid} 1")):
        with open(path, "w") as f:
            f.write(text)


def isolate_network():
    """Moves this process into a new network namespace of its own, with only a loopback, down.

    As root, or in a box's user namespace, that is one unshare; otherwise a user namespace of its
    own grants it, with the process's own ids mapped to themselves.
    """
    unshare_alone_or_as_own_user(CLONE_NEWNET, "a network namespace")


def unshare_alone_or_as_own_user(flags, what):
    """New namespaces of these kinds for this process: with one unshare where it may make them
    (as root, or in a box's user namespace), else inside a user namespace of its own that maps its
    ids to themselves."""
    if libc.unshare(flags) == 0:
        return
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(CLONE_NEWUSER | flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot make {what}: " + os.strerror(errno))
    map_own_ids(uid, gid)
