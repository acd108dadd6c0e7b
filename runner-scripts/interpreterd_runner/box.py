"""A box: its maker, which enters the box's namespaces, and its init, pid 1 there, which runs each
job in a child and never the code itself."""

import os
import select
import signal
import time

from .codes import SUPERVISOR_NO_BOX, SUPERVISOR_OK, SUPERVISOR_ORPHANED
from .frames import connect, encode_frame, open_control, recv_frame, say_hello, send_report
from .kernel import (EPERM, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_REC, PR_SET_DUMPABLE, PR_SET_PDEATHSIG,
                     mount, prctl)
from .namespaces import enter_box_namespaces
from .network import make_box_network
from .outcomes import exit_frame
from .parent import Wakeup, join_cgroups, start_child, wait_for_child
from .processes import die_with_parent
from .timeline import Timeline

# How long a box's maker may take to exit once it has closed its files: the kernel's next step.
MAKER_EXIT_SECONDS = 5


def make_box(socket_path, secret, zygote_pid, hiding, code_ids=None):
    """The box's maker: enters new namespaces, forks the box's init into them and exits.

    unshare(CLONE_NEWPID) puts the caller's next child, not the caller, into the new PID namespace,
    so the init is that child. The maker then exits, and the zygote, a subreaper, becomes its parent.
    """
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    die_with_parent(zygote_pid)
    try:
        enter_box_namespaces(code_ids)
    except OSError as exc:
        connect(socket_path, secret, os.getpid(), error=exc.strerror or str(exc)).close()
        os._exit(SUPERVISOR_NO_BOX)
    maker = os.getpid()
    maker_gone, maker_alive = os.pipe()
    if os.fork() == 0:
        os.close(maker_alive)
        # End of file once the maker is exiting; it is still the init's parent until the kernel has
        # handed its children on to the zygote.
        os.read(maker_gone, 1)
        os.close(maker_gone)
        await_new_parent(maker)
        box_init(socket_path, secret, zygote_pid, hiding)
    os._exit(SUPERVISOR_OK)


def await_new_parent(maker):
    """In the init: waits until the exiting maker is no longer its parent.

    An exiting process closes its files before the kernel moves its children to their new parent,
    and that move sends the parent-death signal of each child that asked for one: an init that asked
    in between would be killed a moment after it started.
    """
    deadline = time.monotonic() + MAKER_EXIT_SECONDS
    while parent_pid() == maker:
        if time.monotonic() > deadline:
            os._exit(SUPERVISOR_NO_BOX)
        time.sleep(0.0005)


def parent_pid():
    """This process's parent as the outside sees it, read through the outside's /proc (in a new PID
    namespace getppid() says 0)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    return 0


def box_init(socket_path, secret, zygote_pid, hiding):
    """The box's first process, pid 1 of its namespace: runs jobs in children, never the code itself.

    Once connected, and before any child exists, it covers the daemon's files for the whole box.
    """
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent_pid() != zygote_pid:
        os._exit(SUPERVISOR_ORPHANED)
    # Read through the /proc of the outside, before the box's own /proc replaces it.
    outside_pid = int(os.readlink("/proc/self"))
    try:
        mount_own_proc()
    except OSError as exc:
        # Told at once, so that the daemon logs why instead of waiting for a hello that never comes.
        connect(socket_path, secret, outside_pid, error=exc.strerror or str(exc)).close()
        os._exit(SUPERVISOR_NO_BOX)
    # Nothing in the box may read, trace or take over its init, not even code of the same user.
    prctl(PR_SET_DUMPABLE, 0)
    control = open_control(socket_path)
    try:
        hiding.cover()
    except OSError as exc:
        say_hello(control, secret, outside_pid, error=exc.strerror or str(exc)).close()
        os._exit(SUPERVISOR_NO_BOX)
    say_hello(control, secret, outside_pid)
    wakeup = Wakeup()
    frame = recv_frame(control)
    if frame is not None and frame.get("event") == "cgroup":
        join_cgroups(os.getpid(), frame.get("procs") or (), control)
    timeline, box_network, network_tried, warm = Timeline(), None, False, True
    while frame is not None:
        timeline.mark("forkStart")
        # A job already waiting on the control socket would wait for the warm-up too: none then, nor
        # when the daemon said the box's next job is likely to come at once (no other box was idle).
        waiting = bool(select.select([control], [], [], 0)[0])
        child = start_child(control, wakeup, box_network=box_network, warm=warm and not waiting)
        timeline.mark("forked")
        job = next_job(control, ("job", "context"))
        if job is None:
            break
        if job.get("event") == "context":
            serve_context(control, child, wakeup, job)
        timeline.mark("jobTaken")
        warm = job.get("warm") is not False
        send_report(child.job_w, job)
        os.close(child.job_w)
        wait_status, reports, signalled = wait_for_child(child.pid, control, child.report_r, wakeup,
                                                         until_done=True)
        timeline = run_out(control, child.pid, wait_status, reports, signalled, timeline)
        if job.get("network") is False and not network_tried:
            # Made after the first job without network, off its path, for the box's next ones.
            box_network, network_tried = make_box_network(), True
    # The daemon is done with this box: the end of pid 1 ends every process in it.
    os._exit(SUPERVISOR_OK)


def run_out(control, child, wait_status, reports, signalled, timeline):
    """Answers for the job, clears the box for the next one, and returns the next job's timeline.

    A child that said it is done, alone in the box, is answered for at once, with the exit status it
    gave: the kernel's teardown of its address space, and the reaping, then happen off the answer's
    path. Any other ending is answered once every process of the box is dead and reaped. Either way
    the init takes no job before that: the next one waits on the control socket.
    """
    done = wait_status is None
    said = [frame for frame in reports if frame.get("event") == "done"]
    if said:
        timeline.merge(said[-1].get("timeline") or {})
    if done:
        wait_status = said[-1].get("exitCode", 0) << 8
    else:
        end_everything_else()
    timeline.mark("answered")
    control.sendall(encode_frame(exit_frame(child, wait_status, reports, signalled, timeline)))
    if done:
        end_everything_else()
    following = Timeline()
    following.stamps.update(previousAnswered=timeline.stamps["answered"])
    following.mark("previousReaped")
    return following


def serve_context(control, child, wakeup, settings):
    """A box that holds a context: one child keeps its interpreter and runs every job of the context.

    Processes the code starts live as long as the context. When the child dies, or the daemon ends
    the context, the init reports and exits, and with it every process in the box.
    """
    send_report(child.job_w, settings)
    # The child reports once it has set the context up, or why it could not.
    wait_status, reports, _ = wait_for_child(child.pid, control, child.report_r, wakeup, until_report=True)
    control.sendall(encode_frame(exit_frame(child.pid, wait_status, reports, False)))
    if wait_status is not None:
        os._exit(SUPERVISOR_OK)
    while True:
        job = next_job(control, ("run",))
        if job is None:
            os._exit(SUPERVISOR_OK)
        pid, status = os.waitpid(child.pid, os.WNOHANG)
        if pid == child.pid:
            control.sendall(encode_frame(exit_frame(child.pid, status, [], False)))
            os._exit(SUPERVISOR_OK)
        send_report(child.job_w, job)
        wait_status, reports, signalled = wait_for_child(child.pid, control, child.report_r, wakeup,
                                                         until_report=True)
        control.sendall(encode_frame(exit_frame(child.pid, wait_status, reports, signalled)))
        if wait_status is not None:
            os._exit(SUPERVISOR_OK)


def next_job(control, events):
    """The daemon's next job for the box, a frame of one of these events; None when the daemon is done with it.

    A signal for the previous child may come after that child has ended: the daemon's timeout can
    fire while the init still kills what the child left, or before the daemon has read its report.
    Such a signal is for nobody now and must not be taken for the job.
    """
    while True:
        frame = recv_frame(control)
        if frame is None or frame.get("event") in events:
            return frame


def mount_own_proc():
    """Makes the box's mounts private and mounts a /proc that lists only the box's processes."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError as exc:
        if exc.errno != EPERM or os.geteuid() == 0:
            raise
        # Without root the box is a user namespace, where the kernel mounts a new /proc only if some
        # /proc of the mount namespace is fully visible: nothing mounted over any of its files.
        raise OSError(exc.errno, exc.strerror + " (in a user namespace a new /proc needs a /proc with"
                      " nothing mounted over its files; systemd's ProtectKernelTunables=,"
                      " ProtectKernelLogs= and ProtectHostname=, and containers, mount over some)") from None


def end_everything_else():
    """From the box's init: kills every other process of its namespace and reaps them all."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
