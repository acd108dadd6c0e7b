"""One execution at a time, checked: through the daemon's HTTP API, or as a bare interpreter spawn.

A caller belongs to one load thread. `call()` returns when the execution has answered correctly and
raises `WrongAnswer` (or the transport's own error) otherwise, so a broken daemon cannot look fast.
"""
from __future__ import annotations

import http.client
import json
import subprocess

from cases import BARE_SPAWN_ARGS, BARE_SPAWN_STDOUT, Case

LOOPBACK = "127.0.0.1"
EXECUTE_PATH = "/process/interpreter/execute"
EXECUTION_TIMEOUT_SECONDS = 30
# Longer than the execution timeout, so the daemon's own timeout answer arrives before ours fires.
SOCKET_TIMEOUT_SECONDS = EXECUTION_TIMEOUT_SECONDS + 30


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
    """Runs a case through one keep-alive connection to the daemon."""

    def __init__(self, port: int, token: str | None, case: Case):
        self._conn = http.client.HTTPConnection(LOOPBACK, port, timeout=SOCKET_TIMEOUT_SECONDS)
        self._headers = auth_headers(token)
        self._body = {"code": case.code, "timeout": EXECUTION_TIMEOUT_SECONDS}
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

    def close(self) -> None:
        self._conn.close()


class PacedCaller:
    """Another caller, with a pause after each call: requests that arrive a while apart."""

    def __init__(self, inner, pause_seconds: float):
        self._inner = inner
        self.pause_seconds = pause_seconds

    def call(self) -> None:
        self._inner.call()

    def close(self) -> None:
        self._inner.close()


class SpawnCaller:
    """Starts the interpreter bare, `python -c 'print(42)'`, as a client without a daemon would."""

    def __init__(self, python: str):
        self._argv = [python, *BARE_SPAWN_ARGS]

    def call(self) -> None:
        done = subprocess.run(self._argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=EXECUTION_TIMEOUT_SECONDS, check=False)
        if (done.returncode, done.stdout, done.stderr) != (0, BARE_SPAWN_STDOUT, b""):
            raise WrongAnswer(f"exit={done.returncode} stdout={done.stdout[:80]!r} stderr={done.stderr[:200]!r}")

    def close(self) -> None:
        pass
