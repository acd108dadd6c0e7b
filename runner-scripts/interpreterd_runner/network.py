"""The network namespace of the code that runs without network: one per box, made once."""

import os
import socket

from .codes import SUPERVISOR_OK
from .kernel import CLONE_NEWNET, libc


def make_box_network():
    """A network namespace with only a loopback, down, for every job of the box that runs without network.

    Making one costs the kernel milliseconds, and tearing it down more, each time: a box makes it
    once, before its first job. A child of the init makes it and hands it over as a file descriptor,
    which keeps it; the init itself stays where it is. Nothing of one job is left in it for the next:
    sockets die with the processes that hold them, and changing the namespace itself takes
    capabilities the code no longer has. Returns None where it cannot be made: each job then tries
    on its own, as where there is no box.
    """
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        ours.close()
        try:
            if libc.unshare(CLONE_NEWNET) == 0:
                socket.send_fds(theirs, [b"n"], [os.open("/proc/self/ns/net", os.O_RDONLY)])
        finally:
            os._exit(SUPERVISOR_OK)
    theirs.close()
    try:
        _, fds, _, _ = socket.recv_fds(ours, 1, 1)
    except OSError:
        fds = []
    finally:
        ours.close()
        os.waitpid(pid, 0)
    return fds[0] if fds else None


def enter_network(job, box_network=None):
    """Takes the job's network: without network, the box's namespace where there is one, else a new one.

    Called before the switch of user: where the process may not make or enter a namespace then (no
    root, no box), returns True, and the caller isolates it after the switch. Lets go of the box's
    descriptor either way, so that the code never holds it.
    """
    try:
        if job.get("network") is not False:
            return False
        if box_network is not None and libc.setns(box_network, CLONE_NEWNET) == 0:
            return False
        return libc.unshare(CLONE_NEWNET) != 0
    finally:
        if box_network is not None:
            os.close(box_network)

