"""The zygote: the fork server that imports the preload modules once and forks each box from itself."""

import gc
import os
import signal

from .box import make_box
from .codes import SUPERVISOR_OK
from .frames import connect, encode_frame, recv_frame
from .hiding import Hiding
from .kernel import PR_SET_CHILD_SUBREAPER, prctl
from .outcomes import ending
from .processes import reaped


def zygote(socket_path, secret, preload, hidden, code_ids=None):
    """The fork server: imports the preload modules once, then forks one box per request.

    It never runs user code. As a child subreaper it inherits each box's init once the box's maker
    has exited, so it reaps the init when the box ends and tells the daemon how it ended. code_ids,
    the uid and gid of the code's user when that is not the daemon's, are mapped into each box.
    """
    for name in preload:
        __import__(name)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    control = connect(socket_path, secret, os.getpid())
    signal.signal(signal.SIGCHLD, lambda signum, frame: reap_zygote_children(control))
    gc.freeze()
    zygote_pid = os.getpid()
    while True:
        request = recv_frame(control)
        if request is None:
            return SUPERVISOR_OK
        if request.get("event") == "box" and os.fork() == 0:
            control.close()
            return make_box(socket_path, request["secret"], zygote_pid, Hiding(hidden, request.get("pipes")),
                            code_ids)


def reap_zygote_children(control):
    for pid, status in reaped():
        try:
            control.sendall(encode_frame(dict(ending(status), event="reaped", pid=pid)))
        except OSError:
            return
