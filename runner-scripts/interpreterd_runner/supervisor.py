"""A supervisor: one execution without a box, whose leftovers it kills and reaps as a child subreaper."""

import os
import signal

from .codes import SUPERVISOR_NO_JOB, SUPERVISOR_OK
from .execution import release_output
from .frames import connect, encode_frame, recv_frame, send_report
from .kernel import PR_SET_CHILD_SUBREAPER, prctl
from .outcomes import exit_frame
from .parent import Wakeup, join_cgroups, start_child, wait_for_child
from .processes import kill_descendants


def serve_one(socket_path, secret, hidden):
    """The supervisor's life: connect, prove the secret, run one job.

    The child is forked before the job arrives and waits for it on a pipe, so a job costs no fork, and
    it covers the daemon's files meanwhile, so that costs the job nothing either.
    """
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    control = connect(socket_path, secret, os.getpid())
    wakeup = Wakeup()
    child = start_child(control, wakeup, hidden)
    job = recv_frame(control)
    if job is not None and job.get("event") == "cgroup":
        # Ahead of the job, while nobody waits: moving a process costs the kernel milliseconds.
        join_cgroups(child.pid, job.get("procs") or (), control)
        job = recv_frame(control)
    if job is None:
        os.kill(child.pid, signal.SIGKILL)
        return SUPERVISOR_NO_JOB
    return supervise(control, child, job, wakeup)


def supervise(control, child, job, wakeup):
    send_report(child.job_w, job)
    os.close(child.job_w)
    wait_status, reports, signalled = wait_for_child(child.pid, control, child.report_r, wakeup)
    kill_descendants(wakeup.r)
    # Nothing that could still write is left; letting go of the output pipes now lets the daemon
    # see their end together with the exit frame instead of after this process has exited.
    release_output()
    control.sendall(encode_frame(exit_frame(child.pid, wait_status, reports, signalled)))
    control.close()
    # The supervisor has nothing to flush or finalize; skipping interpreter teardown lets the
    # daemon see the pipes close milliseconds sooner.
    os._exit(SUPERVISOR_OK)

