"""One execution that floods stdout, while the daemon's RSS is sampled: output must not pile up in memory."""
from __future__ import annotations

import http.client
import time
from dataclasses import dataclass

from callers import LOOPBACK, auth_headers, post_execute
from cases import flood_code
from memory import RssSampler

# Generous for 1 GiB through a pipe on a slow machine, yet bounded.
FLOOD_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class FloodResult:
    """What the flood cost and whether the daemon answered it correctly (truncated, all 'x')."""

    mebibytes: int
    seconds: float
    max_rss_kib: int
    rss_samples: int
    truncated: bool | None
    kept_bytes: int
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def run_flood(port: int, token: str | None, pid: int, mebibytes: int) -> FloodResult:
    """Runs the flood through its own connection and returns its cost, never raising on a bad answer."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=FLOOD_TIMEOUT_SECONDS + 30)
    body = {"code": flood_code(mebibytes), "timeout": FLOOD_TIMEOUT_SECONDS}
    answer, problem = {}, None
    with RssSampler(pid) as sampler:
        started = time.perf_counter()
        try:
            answer = post_execute(conn, body, auth_headers(token))
        except Exception as error:
            problem = f"{type(error).__name__}: {error}"
        finally:
            conn.close()
        seconds = time.perf_counter() - started
    stdout = answer.get("stdout") or ""
    problem = problem or flood_problem(answer, stdout)
    return FloodResult(mebibytes, seconds, sampler.max_kib, sampler.samples, answer.get("stdoutTruncated"),
                       len(stdout.encode()), problem)


def flood_problem(answer: dict, stdout: str) -> str | None:
    """Why the flood's answer is wrong, or None: it must be ok, truncated, and only 'x'."""
    if answer.get("status") != "ok":
        return f"status={answer.get('status')!r} error={answer.get('error')!r:.200}"
    if answer.get("stdoutTruncated") is not True:
        return f"stdoutTruncated={answer.get('stdoutTruncated')!r}, expected true"
    if not stdout or stdout.strip("x"):
        return "stdout is not the start of the flood (only 'x' expected)"
    return None
