"""Running the code in this process: its pipes and environment, the cell itself, and the end."""

import builtins
import gc
import linecache
import os
import select
import sys
import types

from . import display
from .frames import encode_frame, send_reports
from .outcomes import error_outcome, exit_outcome

CODE_FILENAME = "<code>"
# __main__ as the runner started: its entry point run as a script, or the daemon's bootstrap that
# imported it. finish() finalizes the code's __main__, never this one.
RUNNER_MAIN = sys.modules.get("__main__")


def prepare_process(displays):
    """What every execution gets, done while the child waits for its job."""
    displays.install()
    # Like `python -c`: the current directory first on the import path, an empty argv[0].
    sys.path[0] = ""
    sys.argv = [""]
    # Line buffering keeps prints in order with the output of subprocesses the code starts.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass


def prepare(job):
    """Gives the code its output pipes, the request's environment and its import path."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if job.get(name):
            # A box's child writes to the pair of named pipes the daemon made for this execution.
            pipe = os.open(job[name], os.O_WRONLY)
            os.dup2(pipe, fd)
            os.close(pipe)
    env = job.get("env") or {}
    # Touch only what differs: the environment usually matches all but the request's envs.
    for name in [n for n in os.environ if n not in env]:
        del os.environ[name]
    for name, value in env.items():
        if os.environ.get(name) != value:
            os.environ[name] = value
    # Plots render to PNG, never to a window; forced, as there is no display to open one on.
    os.environ["MPLBACKEND"] = "Agg"
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[1:1] = extra


def execute(source, displays, module=None):
    """Runs source as the body of __main__, like a notebook cell; returns the outcome.

    The module is a fresh one, or a context's, whose globals outlive the cell.
    """
    if module is None:
        module = types.ModuleType("__main__")
        module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    # Registered so that tracebacks and inspect show the code's own lines.
    linecache.cache[CODE_FILENAME] = (len(source), None, source.splitlines(True), CODE_FILENAME)
    try:
        try:
            has_value, value = display.run_cell(source, module.__dict__, CODE_FILENAME)
            if has_value:
                displays.result(value)
        finally:
            # Figures still open at the end are shown, as a notebook does after every cell.
            displays.show_figures()
    except SystemExit as exc:
        return exit_outcome(exc)
    except BaseException as exc:
        return error_outcome(exc)
    return {"outcome": "ok"}


def reseed_random():
    """A forked child shares its parent's random state; seed it afresh as a new process would be."""
    random = sys.modules.get("random")
    if random is not None:
        random.seed()


def warm_up(rehearsals=(), job_r=None):
    """Runs a throwaway job, its output to /dev/null, while a fresh child waits for its real one.

    A forked child shares its parent's pages until it writes to them, and its first write to each
    costs a page fault and a copy, which is dear in a virtual machine. Most pages a job writes are
    the same for every job: writing them now, while nobody waits, takes those faults off the job's path.
    rehearsals: more steps of the job's path to walk, each changing nothing. The warm-up is work
    of its own, worth it only while nobody waits: it stops between its steps once job_r, the job's
    pipe, has something to read.
    """
    saved = [os.dup(fd) for fd in (1, 2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    path = list(sys.path)

    def throwaway():
        outcome = execute("print(42)", display.Displays(lambda kind, data: None))
        flush_standard_streams()
        encode_frame(dict(outcome, event="report"))

    def environment():
        # The environment as it is: prepare() changes nothing but what the job's own will set again.
        prepare({"env": dict(os.environ)})
        sys.path[:] = path

    try:
        for fd in (1, 2):
            os.dup2(devnull, fd)
        for step in (throwaway, environment, *rehearsals):
            if job_r is not None and select.select([job_r], [], [], 0)[0]:
                break
            step()
    except BaseException:
        pass
    finally:
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)
        os.close(devnull)


def finish(status, report_w=None, timeline=None, report=None):
    """Ends the child the way a script ends, minus the teardown of every imported module.

    Python's own exit waits for non-daemon threads, runs atexit handlers and flushes; the code's
    objects are then finalized (an unclosed file gets flushed). All of that happens here; what is
    skipped is dismantling the interpreter's modules, which costs milliseconds and serves nobody.
    With report_w, once nothing of the code runs any more, it lets go of the output and says it is
    done, with its exit status and its timeline: the answer need not wait for the kernel to tear
    this process down. A report not sent yet goes with it, in the same write.
    """
    try:
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        atexit = sys.modules.get("atexit")
        if atexit is not None:
            atexit._run_exitfuncs()
        main_module = sys.modules.get("__main__")
        # Until the code's module replaces it, __main__ is the runner's own: nothing of the code's to finalize.
        if main_module is not None and main_module is not RUNNER_MAIN:
            main_module.__dict__.clear()
        gc.collect()
    except BaseException:
        pass
    finally:
        flush_standard_streams()
        if report_w is not None:
            release_output()
            timeline.mark("done")
            done = {"event": "done", "exitCode": status, "timeline": timeline.as_frame()}
            send_reports(report_w, *([report] if report else []), done)
        os._exit(status)


def ends_quietly():
    """True when ending this process runs none of the code's own: no atexit handler, no other thread.

    Its report may then wait for the end, and go in one write with it: one wake-up of the parent
    less, which a virtual machine charges dearly. Otherwise the report goes first, so that it is
    there whatever the code's handlers and threads do (they may exit, or run until the timeout).
    """
    atexit = sys.modules.get("atexit")
    threading = sys.modules.get("threading")
    return ((atexit is None or getattr(atexit, "_ncallbacks", lambda: 1)() == 0)
            and (threading is None or threading.active_count() == 1))


def release_output():
    """Points fd 1 and 2 at /dev/null: the output pipes reach their end once nothing else holds them."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def flush_standard_streams():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
