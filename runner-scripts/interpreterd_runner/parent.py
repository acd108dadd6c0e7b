"""The parent's side of a child (a box's init or a supervisor): forking it, handing it the job, and
forwarding its events to the daemon until it has ended or reported."""

import gc
import os
import selectors
import signal

from .child import run_child
from .frames import encode_frame, read_into, recv_frame, take_frames
from .processes import drain, orphaned


class Wakeup:
    """A pipe that SIGCHLD writes to, so that waiting for a child can be one select() with other fds."""

    def __init__(self):
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)
        os.set_blocking(self.w, False)
        # SIGCHLD must have a handler (not SIG_DFL) for the wakeup fd to be written.
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self.w, warn_on_full_buffer=False)


class Child:
    """The parent's handles on its child: pid, job pipe and report pipe."""

    def __init__(self, pid, job_w, report_r):
        self.pid, self.job_w, self.report_r = pid, job_w, report_r


def start_child(control, wakeup, hidden=(), box_network=None, warm=True):
    """Forks the child that will run the next job; it waits for the job on a pipe.

    A supervisor's child first covers the daemon's files named in hidden, in namespaces of its own; a
    box's child has nothing to do there, its init did it for the whole box. A box's child gets the
    box's network namespace, box_network. warm: whether the child warms up while it waits.
    """
    job_r, job_w = os.pipe()
    report_r, report_w = os.pipe()
    parent = os.getpid()
    # Objects that exist now belong to the runner; the child's final collection skips them.
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (job_w, report_r, wakeup.r, wakeup.w):
            os.close(fd)
        control.close()
        run_child(job_r, report_w, parent, hidden, box_network, warm)
    for fd in (job_r, report_w):
        os.close(fd)
    return Child(pid, job_w, report_r)


def join_cgroups(pid, procs_files, control):
    """Moves the waiting child into its execution's cgroups, so that all the code starts is there."""
    for path in procs_files:
        try:
            with open(path, "w") as procs:
                procs.write(str(pid))
        except OSError as exc:
            control.sendall(encode_frame({"event": "warning",
                                          "message": f"could not join cgroup {path}: {exc.strerror}"}))


def wait_for_child(child, control, report_r, wakeup, until_report=False, until_done=False):
    """Forwards the child's events until it exits; returns its wait status, its reports and whether
    a signal the daemon asked for reached the code while it ran.

    With until_report (a context's child, which lives on), returns as soon as the child has reported
    on its job, with a wait status of None while it lives. With until_done (a box's child), returns
    with a wait status of None as soon as the child said it is done, if nothing else is left in the
    box then: its report is in, its output let go, and all that remains is its exit. Meanwhile the daemon may ask for a signal
    to the child's process group; if the daemon goes away instead, this process ends, and with it
    everything below it.
    """
    selector = selectors.DefaultSelector()
    selector.register(report_r, selectors.EVENT_READ, "report")
    selector.register(wakeup.r, selectors.EVENT_READ, "wake")
    selector.register(control, selectors.EVENT_READ, "control")
    buffer, reports, wait_status, signalled = bytearray(), [], None, False
    while wait_status is None and not (until_report and reports) and not (until_done and done_alone(reports, child)):
        orders = []
        for key, _ in selector.select():
            if key.data == "wake":
                drain(wakeup.r)
            elif key.data == "control":
                orders.append(recv_frame(control))
            elif not read_into(report_r, buffer):
                selector.unregister(report_r)
        forward(take_frames(buffer), child, control, reports)
        # Obeyed after the reports that came with them: a context's code that has reported has ended.
        for order in orders:
            signalled = obey(order, child, ended=until_report and bool(reports)) or signalled
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid == child:
            wait_status = status
    selector.close()
    if wait_status is None:
        return None, reports, signalled
    # The child may have written its last report just before it exited.
    os.set_blocking(report_r, False)
    while read_into(report_r, buffer):
        pass
    forward(take_frames(buffer), child, control, reports)
    os.close(report_r)
    return wait_status, reports, signalled


def done_alone(reports, child):
    """True once the child said it is done and the box's /proc lists nothing but it and the init."""
    return (bool(reports) and reports[-1].get("event") == "done"
            and {name for name in os.listdir("/proc") if name.isdigit()} <= {"1", str(child)})


def obey(frame, child, ended=False):
    """A frame from the daemon while the code runs: a signal for the code, or the daemon's end.

    Returns True when the signal reached the code's process group while the code ran. A timeout that
    fires just after the code ended sends nothing, so that the answer is the code's own outcome.
    """
    if frame is None:
        orphaned(signal.SIGUSR1, None)
    if frame.get("event") != "signal" or ended or has_exited(child):
        return False
    try:
        os.killpg(child, int(frame["signal"]))
    except (ProcessLookupError, PermissionError):
        return False
    return True


def has_exited(child):
    """True once the child has exited, without reaping it: its wait status is still to be read."""
    return os.waitid(os.P_PID, child, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def forward(frames, child, control, reports):
    """Passes the child's start and displays on to the daemon as they come; keeps its reports."""
    for frame in frames:
        event = frame.get("event")
        if event == "started":
            control.sendall(encode_frame({"event": "started", "pid": child}))
        elif event == "display":
            control.sendall(encode_frame({"event": "display", "kind": frame.get("kind"),
                                          "data": frame.get("data")}))
        elif event in ("report", "done"):
            reports.append(frame)
