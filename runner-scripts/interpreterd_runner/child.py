"""The child: forked before its job arrives, it takes the job and runs the code in this process."""

import gc
import os
import select
import signal

from . import display
from .codes import SUPERVISOR_NO_JOB
from .context import run_context
from .execution import (ends_quietly, execute, finish, flush_standard_streams, prepare, prepare_process,
                        reseed_random, warm_up)
from .frames import read_job, send_report
from .hiding import hide_alone
from .outcomes import error_outcome, report_status
from .processes import die_with_parent
from .sandbox import enter_sandbox, give_way_under_memory_pressure, rehearse_sandbox
from .timeline import Timeline


# A child warms up once it has waited this long for its job: the box is idle then, as at an
# assistant's pace. Under load its job comes sooner, and the warm-up's own work would only add to it.
WARM_UP_AFTER_SECONDS = 0.2


def run_child(job_r, report_w, supervisor, hidden=(), box_network=None, warm=True):
    """Waits for the job, runs its code in this fresh child process and exits with its status.

    What does not depend on the job is done while the child waits for it, off the job's path.
    box_network: the box's network namespace for jobs without network, a descriptor, or None.
    warm: whether to warm up while it waits (once it has waited WARM_UP_AFTER_SECONDS); not when its
    job is already on its way.
    """
    os.setsid()
    die_with_parent(supervisor)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    displays = display.Displays(
        lambda kind, data: send_report(report_w, {"event": "display", "kind": kind, "data": data}))
    prepare_process(displays)
    not_hidden = hide_alone(hidden)
    give_way_under_memory_pressure()
    timeline = Timeline()
    if warm and not select.select([job_r], [], [], WARM_UP_AFTER_SECONDS)[0]:
        timeline.mark("warmUpStart")
        warm_up((rehearse_sandbox, gc.collect), job_r)
        timeline.mark("warmUpEnd")
    job = read_job(job_r)
    timeline.mark("jobRead")
    if job is None:
        os._exit(SUPERVISOR_NO_JOB)
    reseed_random()
    if job.get("event") == "context":
        run_context(job, job_r, report_w, supervisor, displays, box_network)
    os.close(job_r)
    try:
        if not_hidden is not None:
            raise not_hidden
        prepare(job)
        # Only now, with the output pipes open: the daemon may start reading them.
        send_report(report_w, {"event": "started"})
        timeline.mark("prepared")
        enter_sandbox(job, supervisor, box_network)
        timeline.mark("codeStart")
        outcome = execute(job["code"], displays)
        timeline.mark("codeEnd")
    except BaseException as exc:  # a failure of prepare() is the execution's result too
        outcome = error_outcome(exc)
    flush_standard_streams()
    report = dict(outcome, event="report")
    timeline.mark("reported")
    if ends_quietly():
        finish(report_status(outcome), report_w, timeline, report)
    send_report(report_w, report)
    finish(report_status(outcome), report_w, timeline)
