"""One execution at a time, checked: through the daemon's HTTP API, or as a bare interpreter spawn.

A caller belongs to one load thread. `call()` returns when the execution has answered correctly and
raises `WrongAnswer` (or the transport's own error) otherwise, so a broken daemon cannot look fast.
"""
from __future__ import annotations

import http.client
import json
import subprocess
from pathlib import Path

from cases import BARE_SPAWN_ARGS, BARE_SPAWN_STDOUT, Case
from code_user import CodeUser

LOOPBACK = "127.0.0.1"
EXECUTE_PATH = "/process/interpreter/execute"
EXECUTION_TIMEOUT_SECONDS = 30
# Longer than the execution timeout, so the daemon's own timeout answer arrives before ours fires.
SOCKET_TIMEOUT_SECONDS = EXECUTION_TIMEOUT_SECONDS + 30
SPAWNER_SOURCE = (Path(__file__).resolve().parent / "spawner.py").read_text(encoding="utf-8")
SPAWNER_STOP_SECONDS = 5


class WrongAnswer(Exception):
    """An execution answered, but not with what the code prints."""


def auth_headers(token: str | None) -> dict[str, str]:
    """The request headers, with the bearer token when the daemon was started with one."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def post_execute(conn: http.client.HTTPConnection, body: dict, headers: dict[str, str]) -> dict:
    """Posts one execution and returns the decoded answer; any status but 200 is a wrong answer."""
    conn.request("POST", EXECUTE_PATH, json.dumps(body), headers)
    response = conn.getresponse()
    payload = response.read()
    if response.status != 200:
        raise WrongAnswer(f"HTTP {response.status}: {payload[:200]!r}")
    return json.loads(payload)


class HttpCaller:
    """Runs a case through one keep-alive connection to the daemon, in a fresh interpreter, or in the
    context `context_id` when one is given."""

    def __init__(self, port: int, token: str | None, case: Case, context_id: str | None = None):
        self._conn = http.client.HTTPConnection(LOOPBACK, port, timeout=SOCKET_TIMEOUT_SECONDS)
        self._headers = auth_headers(token)
        self._body = {"code": case.code, "timeout": EXECUTION_TIMEOUT_SECONDS}
        if context_id is not None:
            self._body["contextId"] = context_id
        self._context_id = context_id
        self._expected = case.expected_stdout

    def call(self) -> None:
        try:
            answer = post_execute(self._conn, self._body, self._headers)
        except Exception:
            # A half-read response would poison the next request on this connection; start afresh.
            self._conn.close()
            raise
        if (answer.get("status"), answer.get("stdout"), answer.get("stderr")) != ("ok", self._expected, ""):
            raise WrongAnswer(f"status={answer.get('status')!r} stdout={answer.get('stdout')!r:.80}"
                              f" stderr={answer.get('stderr')!r:.200} error={answer.get('error')!r:.200}")
        # In a context, the answer must come from that context, and from the interpreter that was
        # already there: one that had to be replaced lost its state.
        if self._context_id is not None and (answer.get("contextId"), answer.get("contextRestarted")) != (
                self._context_id, False):
            raise WrongAnswer(f"contextId={answer.get('contextId')!r:.80} (expected {self._context_id!r})"
                              f" contextRestarted={answer.get('contextRestarted')!r}")

    def close(self) -> None:
        self._conn.close()


class PacedCaller:
    """Another caller, with a pause after each call: requests that arrive a while apart."""

    def __init__(self, inner, pause_seconds: float):
        self._inner = inner
        self.pause_seconds = pause_seconds

    def call(self) -> float | None:
        return self._inner.call()

    def close(self) -> None:
        self._inner.close()


class SpawnCaller:
    """Starts the interpreter bare, `python -c 'print(42)'`, as a client without a daemon would.

    The spawns come from a spawner process of this caller's own (spawner.py), started as `user` when
    one is given, so they run as the code does; the spawner times each one itself.
    """

    def __init__(self, python: str, user: CodeUser | None):
        argv = [python, "-c", SPAWNER_SOURCE, str(EXECUTION_TIMEOUT_SECONDS), python, *BARE_SPAWN_ARGS]
        # "/" as the directory: the benchmark's own may be closed to the code's user.
        self._spawner = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd="/",
                                         **(user.popen_options() if user else {}))

    def call(self) -> float:
        self._spawner.stdin.write(b"\n")
        self._spawner.stdin.flush()
        line = self._spawner.stdout.readline()
        if not line:
            raise WrongAnswer(f"the spawner exited with code {self._spawner.wait(SPAWNER_STOP_SECONDS)}")
        answer = json.loads(line)
        if "error" in answer:
            raise WrongAnswer(answer["error"])
        stdout, stderr = answer["stdout"].encode("latin-1"), answer["stderr"].encode("latin-1")
        if (answer["exit"], stdout, stderr) != (0, BARE_SPAWN_STDOUT, b""):
            raise WrongAnswer(f"exit={answer['exit']} stdout={stdout[:80]!r} stderr={stderr[:200]!r}")
        return answer["ms"]

    def close(self) -> None:
        """Closes the spawner's stdin, which ends it; kills it if it does not end within 5 s."""
        self._spawner.stdin.close()
        try:
            self._spawner.wait(SPAWNER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._spawner.kill()
            self._spawner.wait()
        self._spawner.stdout.close()
