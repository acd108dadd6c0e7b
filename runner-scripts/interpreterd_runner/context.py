"""A context's child: an interpreter set up once that runs job after job in one __main__."""

import builtins
import os
import signal
import types

from .codes import SUPERVISOR_NO_JOB
from .execution import execute, finish, flush_standard_streams, prepare
from .frames import read_job, send_report
from .limits import limit_cpu_from_now
from .outcomes import error_outcome
from .sandbox import enter_sandbox


def run_context(settings, job_r, report_w, supervisor, displays, box_network=None):
    """A context's interpreter: set up once, then runs each job in the same __main__, until told to stop.

    Its output pipes are the context's for its whole life; after each job it writes the job's marker
    to both, so the daemon knows where that job's output ends.
    """
    try:
        prepare(settings)
        enter_sandbox(settings, supervisor, box_network)
    except BaseException as exc:
        send_report(report_w, dict(error_outcome(exc), event="report"))
        os._exit(SUPERVISOR_NO_JOB)
    send_report(report_w, {"event": "report", "outcome": "ok"})
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    while True:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        job = read_job(job_r)
        if job is None:
            finish(0)
        saved = use_environment(job.get("env") or {})
        limit_cpu_from_now(job.get("cpuSeconds"))
        send_report(report_w, {"event": "started"})
        signal.signal(signal.SIGINT, signal.default_int_handler)
        outcome = execute(job["code"], displays, module)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        use_environment(saved)
        flush_standard_streams()
        marker = job.get("marker", "").encode("ascii")
        for fd in (1, 2):
            write_all(fd, marker)
        send_report(report_w, dict(outcome, event="report"))


def use_environment(envs):
    """Sets one execution's envs (a value of None removes the variable); returns what they replaced.

    What the code itself does to os.environ stays, as in a notebook; only the envs are undone.
    """
    saved = {name: os.environ.get(name) for name in envs}
    for name, value in envs.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    return saved


def write_all(fd, data):
    while data:
        try:
            data = data[os.write(fd, data):]
        except OSError:
            return
