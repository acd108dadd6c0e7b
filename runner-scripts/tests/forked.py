"""Runs a test's steps in a forked child, for what must not touch the test process itself: limits,
namespaces, user switches, subreapers and os._exit."""

import json
import os
import signal
import sys
import traceback

# A child that hangs is killed by SIGALRM after this long, so that no test waits forever.
CHILD_SECONDS = 30


def result_of(function, *args):
    """Runs function(*args) in a forked child and returns what it returned (anything JSON can carry).

    Raises AssertionError with the child's traceback when the function raised there.
    """
    status, data = status_of(lambda fd: write_result(fd, function, *args))
    answer = json.loads(data) if data else {"error": f"the child ended with wait status {status} and no answer"}
    if "error" in answer:
        raise AssertionError("in the forked child:\n" + answer["error"])
    return answer["value"]


def status_of(function):
    """Runs function(fd) in a forked child that ends when function returns, if it does not end itself.

    fd is a pipe the child may write to. Returns the child's wait status and what it wrote.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            os.close(read_end)
            signal.alarm(CHILD_SECONDS)
            function(write_end)
        except BaseException:
            traceback.print_exc()
            status = 70
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    return status, data


def write_result(fd, function, *args):
    try:
        answer = {"value": function(*args)}
    except BaseException:
        answer = {"error": traceback.format_exc()}
    data = json.dumps(answer).encode()
    while data:
        data = data[os.write(fd, data):]
