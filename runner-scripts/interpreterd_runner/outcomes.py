"""How the code ended, as the child reports it and as the exit frame tells the daemon."""

import os
import sys
import traceback

MAX_ERROR_VALUE_CHARS = 64 * 1024
MAX_TRACEBACK_LINE_CHARS = 1024
MAX_TRACEBACK_LINES = 1000
TRUNCATED_MARK = "… [truncated]"
PACKAGE_DIRECTORY = os.path.dirname(__file__)
# Frames of these files are the runner's own and never shown in the code's tracebacks: the entry
# point and every module of this package, listed at import, before a box covers their directory.
RUNNER_FILES = frozenset([os.path.join(os.path.dirname(PACKAGE_DIRECTORY), "runner.py")]
                         + [os.path.join(PACKAGE_DIRECTORY, name) for name in os.listdir(PACKAGE_DIRECTORY)
                            if name.endswith(".py")])


def exit_outcome(exc):
    """Mirrors how Python turns SystemExit into an exit status."""
    code = exc.code
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:
        try:
            print(code, file=sys.stderr)
        except Exception:
            pass
        status = 1
    return {"outcome": "exit", "code": status}


def error_outcome(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in RUNNER_FILES:
        tb = tb.tb_next
    try:
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    except BaseException:
        text = f"{type(exc).__name__}: <traceback could not be formatted>\n"
    return {"outcome": "error", "name": type(exc).__name__, "value": capped(safe_str(exc), MAX_ERROR_VALUE_CHARS),
            "traceback": capped_lines(text.splitlines())}


def capped(text, limit):
    return text if len(text) <= limit else text[:limit] + TRUNCATED_MARK


def capped_lines(lines):
    """A traceback bounded in size: long lines cut, and the middle of a very long one left out."""
    lines = [capped(line, MAX_TRACEBACK_LINE_CHARS) for line in lines]
    if len(lines) <= MAX_TRACEBACK_LINES:
        return lines
    half = MAX_TRACEBACK_LINES // 2
    return lines[:half] + [f"… [{len(lines) - 2 * half} lines left out]"] + lines[-half:]


def safe_str(exc):
    try:
        return str(exc)
    except BaseException:
        return f"<{type(exc).__name__} str() failed>"


def exit_frame(child, wait_status, reports, signalled, timeline=None):
    """How a job ended: the child's wait status, or for a context's child that lives on, the exit code
    its report implies; the report itself; whether a signal of the daemon reached the code; and the
    job's timeline (a Timeline), if it was kept."""
    report = next((r for r in reversed(reports) if r.get("event") == "report"), None)
    extra = {} if timeline is None else {"timeline": timeline.as_frame()}
    if wait_status is None:
        return dict(extra, event="exit", pid=child, exitCode=report_status(report), signal=None, report=report,
                    alive=True, signalled=signalled)
    return dict(ending(wait_status), **extra, event="exit", pid=child, report=report, alive=False, signalled=signalled)


def report_status(outcome):
    """The exit status a script with this outcome would have had."""
    if outcome["outcome"] == "exit":
        return outcome.get("code", 0)
    return 1 if outcome["outcome"] == "error" else 0


def ending(wait_status):
    """How a process ended, as the daemon reads it: its exit code, or the signal that killed it."""
    if os.WIFSIGNALED(wait_status):
        return {"exitCode": None, "signal": os.WTERMSIG(wait_status)}
    return {"exitCode": os.waitstatus_to_exitcode(wait_status), "signal": None}
