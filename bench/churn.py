#!/usr/bin/env python3
"""Churn against a real interpreterd: MCP sessions dropped past --max-contexts among other load, nothing left after.

Starts the daemon jar itself on a free loopback port, with --max-contexts 8, --mcp-session-idle-timeout
10 and --context-queue 4, and only ever talks to 127.0.0.1. For the duration (180 s, --ci 45 s):
  mcp        4 threads: each opens a session (initialize 2025-11-25, notifications/initialized),
             makes 1-3 execute_python calls that set x and read it back, and drops the session,
             without DELETE most of the time; now and then it comes back to a dropped session, which
             must answer with its state, with the note that its interpreter was restarted (it was
             reclaimed), or 404 once it expired; a deleted one must answer 404;
  contexts   2 threads: create an HTTP context, run 2-5 executions that read and set its state, delete it;
  stateless  2 threads: `print(n)`, whose stdout must be n byte for byte; their latency is reported;
  queue      1 thread: one execution holds a context while 1 to --context-queue + 2 more are sent to it,
             each once the one before waits; those past the queue get 503 context_busy, the others
             run in the order sent once the first ends.
At most 4 + 2 + 1 contexts are ever busy, fewer than 8, so there is always an idle MCP interpreter to
reclaim and a 503 too_many_contexts is a failure. Then, past the session idle timeout and a pause:
no session and no context left, and the daemon's threads, file descriptors and descendant
processes back near where they were before the churn (load_faults.py's allowances).
Prints the figures, one `PASS name` / `FAIL name` line per check and `N passed, M failed`; exits 1
on any failure. Standard library only; every request has a timeout and every loop a bound.
"""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__ when run from a checkout

import argparse  # noqa: E402
import collections  # noqa: E402
import concurrent.futures  # noqa: E402
import contextlib  # noqa: E402
import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Callable  # noqa: E402

from load_faults import (DESCENDANTS_NOISE, EXECUTE_PATH, FDS_NOISE, LOOPBACK, REQUEST_TIMEOUT_SECONDS,  # noqa: E402
                         THREADS_NOISE, Daemon, Report, Sample, daemon_arguments, execute, request, require_jar,
                         sample, settle)

CONTEXT_PATH = "/process/interpreter/context"
MCP_PATH = "/mcp"
PROTOCOL_VERSION = "2025-11-25"
MAX_CONTEXTS = 8
SESSION_IDLE_TIMEOUT_SECONDS = 10
CONTEXT_QUEUE = 4
DAEMON_FLAGS = ["--max-contexts", str(MAX_CONTEXTS), "--mcp-session-idle-timeout", str(SESSION_IDLE_TIMEOUT_SECONDS),
                "--context-queue", str(CONTEXT_QUEUE)]
# How often the daemon looks for idle sessions, as it computes it.
EXPIRY_CHECK_SECONDS = min(SESSION_IDLE_TIMEOUT_SECONDS / 4, 10)
MCP_THREADS = 4
CONTEXT_THREADS = 2
STATELESS_THREADS = 2
QUEUE_THREADS = 1
# Each thread keeps at most one context busy: fewer than --max-contexts, so one is always reclaimable.
assert MCP_THREADS + CONTEXT_THREADS + QUEUE_THREADS < MAX_CONTEXTS
DEFAULT_SECONDS = 180
CI_SECONDS = 45
WARMUP_EXECUTIONS = 40
MAX_ROUNDS = 100_000
THINK_SECONDS = 0.1
REVISIT_SHARE = 0.2
DELETED_REVISIT_SHARE = 0.05
DELETE_SHARE = 0.25
DROPPED_KEPT = 16
# A dropped session may not expire before its idle timeout, and must have expired this long after it.
EARLY_SLACK_SECONDS = 0.5
LATE_SLACK_SECONDS = 5
QUEUE_FORM_SECONDS = 10
RELEASE_WAIT_SECONDS = 30
HEALTH_EVERY_SECONDS = 0.5
# A context's output is pumped by two threads of a pool that ends a thread after 60 s without work.
SETTLE_MAX_SECONDS = 90
JOIN_SLACK_SECONDS = 2 * REQUEST_TIMEOUT_SECONDS
EMPTY_TIMEOUT_SECONDS = 30
POLL_SECONDS = 0.01
PROBLEMS_KEPT = 200
# The first line of an answer: "contextId: <id>", then "; note: ..." for each note.
RESTARTED_NOTE = "; note: the Python interpreter was restarted before this call"
DIED_NOTE = "did not survive this call"
SESSION_ENDED = "this MCP session has ended"
NO_INTERPRETER = "no Python interpreter could be started"
TRANSPORT_ERRORS = (OSError, http.client.HTTPException, ValueError)


# ---------------------------------------------------------------- what the run saw

class Run:
    """What every thread of one churn run shares: the daemon's port, the deadline, counts and problems."""

    def __init__(self, port: int, seconds: float, queue_dir: str):
        self.port = port
        self.queue_dir = queue_dir
        self.deadline = time.monotonic() + seconds
        self.last_request = time.monotonic()
        self.counts: collections.Counter[str] = collections.Counter()
        self.wrong: list[str] = []
        self.server_errors: list[str] = []
        self.wrong_count = self.server_error_count = 0
        self.latencies: list[float] = []
        self.open_contexts: set[str] = set()
        self.peak = collections.Counter()
        self.first: dict[str, str] = {}
        self.over_max: list[dict] = []
        self._lock = threading.Lock()

    def going(self) -> bool:
        return time.monotonic() < self.deadline

    def count(self, key: str, n: int = 1, example: str = "") -> None:
        with self._lock:
            self.counts[key] += n
            if example:
                self.first.setdefault(key, example)

    def problem(self, what: str) -> None:
        with self._lock:
            self.wrong_count += 1
            if len(self.wrong) < PROBLEMS_KEPT:
                self.wrong.append(what)

    def server_error(self, what: str) -> None:
        with self._lock:
            self.server_error_count += 1
            if len(self.server_errors) < PROBLEMS_KEPT:
                self.server_errors.append(what)

    def status(self, where: str, status: int, body: dict, expected: int) -> bool:
        """True when `status` is the one expected; otherwise counts it by kind and as a problem."""
        if status == expected:
            return True
        kind = body.get("error") if isinstance(body.get("error"), str) else "?"
        if status >= 500:
            self.count(f"{status} {kind}", example=f"{where}: {body}")
            if not (status == 503 and kind == "too_many_contexts"):  # counted alone, judged at the end
                self.server_error(f"{where}: HTTP {status} {body}")
        else:
            self.problem(f"{where}: HTTP {status} {body}")
        return False

    def seen(self, health: dict) -> None:
        """Keeps the peaks of a /health answer, and any with more live contexts than --max-contexts."""
        contexts, mcp = health.get("contexts", {}), health.get("mcp", {})
        with self._lock:
            for key, value in (("live", contexts.get("live", 0)), ("busy", contexts.get("busy", 0)),
                               ("sessions", mcp.get("sessions", 0)), ("running", health.get("running", 0))):
                self.peak[key] = max(self.peak[key], value)
            if contexts.get("live", 0) > MAX_CONTEXTS and len(self.over_max) < PROBLEMS_KEPT:
                self.over_max.append(contexts)

    def timed(self, seconds: float) -> None:
        with self._lock:
            self.latencies.append(seconds)

    def sent(self) -> None:
        self.last_request = time.monotonic()

    def opened(self, context_id: str) -> None:
        with self._lock:
            self.open_contexts.add(context_id)

    def closed(self, context_id: str) -> None:
        with self._lock:
            self.open_contexts.discard(context_id)


def guarded(run: Run, where: str, work) -> None:
    """Runs a worker; a crash of it is a problem of the run, not of the script."""
    try:
        work()
    except Exception as e:  # reported as a failure
        run.problem(f"{where} crashed: {type(e).__name__}: {e}")


# ---------------------------------------------------------------- MCP

class Mcp:
    """Raw JSON-RPC over HTTP to /mcp: one connection per message, every one with a timeout."""

    def __init__(self, run: Run):
        self.run = run
        self.ids = itertools.count(2)

    def post(self, message: dict | None, session: str | None, method: str = "POST") -> tuple[int, str | None, dict]:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if session is not None:
            headers.update({"Mcp-Session-Id": session, "MCP-Protocol-Version": PROTOCOL_VERSION})
        conn = http.client.HTTPConnection(LOOPBACK, self.run.port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            self.run.sent()
            conn.request(method, MCP_PATH, body=None if message is None else json.dumps(message).encode(),
                         headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.getheader("Mcp-Session-Id"), json.loads(data) if data else {}
        finally:
            conn.close()

    def open(self) -> str | None:
        """A new initialized session's id, or None (and a problem) when that failed."""
        status, session, body = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
            "clientInfo": {"name": "churn", "version": "1"}}}, None)
        if not self.run.status("mcp initialize", status, body, 200):
            return None
        if not session or body.get("result", {}).get("protocolVersion") != PROTOCOL_VERSION:
            self.run.problem(f"mcp initialize: session {session!r}, answer {body}")
            return None
        status, _, body = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
        if not self.run.status("mcp notifications/initialized", status, body, 202):
            return None
        self.run.count("sessions")
        return session

    def delete(self, session: str) -> None:
        status, _, body = self.post(None, session, "DELETE")
        if self.run.status("mcp DELETE", status, body, 204):
            self.run.count("deletes")

    def step(self, session: str, held: int | None, new: int, revisit: bool) -> str:
        """One execute_python that reads x (when the session set it) and sets it to `new`.

        Returns "ok", "reclaimed" (the answer says the interpreter was restarted before the call),
        "expired" (404), "ended" (the session ended during the call) or "failed" (a problem was recorded).
        """
        if held is None:
            code, expected = f"x = {new}\nprint(x)", f"{new}\n"
        else:
            code, expected = f"try:\n    print(x)\nexcept NameError:\n    print('unset')\nx = {new}", f"{held}\n"
        where = "mcp revisit" if revisit else "mcp call"
        status, _, body = self.post({"jsonrpc": "2.0", "id": next(self.ids), "method": "tools/call",
                                     "params": {"name": "execute_python", "arguments": {"code": code}}}, session)
        self.run.count("mcp_calls")
        if status == 404:
            return "expired"
        if not self.run.status(where, status, body, 200):
            return "failed"
        result = body.get("result")
        if not isinstance(result, dict):
            error = body.get("error", {})
            (self.run.server_error if error.get("code") == -32603 else self.run.problem)(f"{where}: {body}")
            return "failed"
        content = result.get("content") or [{}]
        text = content[0].get("text", "")
        structured = result.get("structuredContent") or {}
        if result.get("isError") and text.startswith(SESSION_ENDED):
            return "ended"
        if result.get("isError") and text.startswith(NO_INTERPRETER):
            self.run.count("mcp too_many_contexts", example=text)
            return "failed"
        restarted = RESTARTED_NOTE in text.split("\n", 1)[0]
        if restarted and held is not None:
            expected = "unset\n"
        got = (structured.get("status"), structured.get("stdout"), structured.get("stderr"), result.get("isError"),
               structured.get("contextRestarted"))
        if got != ("ok", expected, "", False, restarted) or (DIED_NOTE in text):
            self.run.problem(f"{where}: expected stdout {expected!r}{' after a restart' if restarted else ''},"
                             f" got {got}: {text[:300]!r}")
            return "failed"
        if restarted and held is None:
            self.run.count("first_call_restarts")
        return "reclaimed" if restarted else "ok"


@dataclass
class Dropped:
    session: str
    held: int
    last_used: float


def mcp_worker(run: Run, seed: int) -> None:
    rng = random.Random(seed)
    mcp = Mcp(run)
    dropped: list[Dropped] = []
    deleted: list[str] = []
    for _ in range(MAX_ROUNDS):
        if not run.going():
            return
        try:
            if deleted and rng.random() < DELETED_REVISIT_SHARE:
                revisit_deleted(run, mcp, deleted.pop(rng.randrange(len(deleted))))
            elif dropped and rng.random() < REVISIT_SHARE:
                revisit(run, mcp, rng, dropped)
            else:
                churn_one(run, mcp, rng, dropped, deleted)
        except TRANSPORT_ERRORS as e:
            run.problem(f"mcp transport {type(e).__name__}: {e}")
        time.sleep(rng.uniform(0, THINK_SECONDS))


def churn_one(run: Run, mcp: Mcp, rng: random.Random, dropped: list[Dropped], deleted: list[str]) -> None:
    """A session with 1-3 calls, then dropped, with DELETE now and then."""
    session = mcp.open()
    if session is None:
        return
    held = None
    for _ in range(rng.randint(1, 3)):
        new = rng.randrange(10 ** 9)
        outcome = mcp.step(session, held, new, revisit=False)
        if outcome in ("expired", "ended"):
            run.problem(f"mcp call: a session in use {'answered 404' if outcome == 'expired' else 'ended'}")
            return
        if outcome == "failed":
            return
        if outcome == "reclaimed":
            run.count("reclaims")
        held = new
    if rng.random() < DELETE_SHARE:
        mcp.delete(session)
        deleted[:] = (deleted + [session])[-DROPPED_KEPT:]
    else:
        dropped[:] = (dropped + [Dropped(session, held, time.monotonic())])[-DROPPED_KEPT:]


def revisit(run: Run, mcp: Mcp, rng: random.Random, dropped: list[Dropped]) -> None:
    """Back to a dropped session: its state, a restarted interpreter, or 404 once it expired."""
    old = dropped.pop(rng.randrange(len(dropped)))
    idle = time.monotonic() - old.last_used
    new = rng.randrange(10 ** 9)
    run.count("revisits")
    outcome = mcp.step(old.session, old.held, new, revisit=True)
    if outcome in ("expired", "ended"):
        run.count("expiries" if outcome == "expired" else "ended_during_a_call")
        if idle < SESSION_IDLE_TIMEOUT_SECONDS - EARLY_SLACK_SECONDS:
            run.problem(f"mcp revisit: the session expired after {idle:.1f} s idle, before its"
                        f" {SESSION_IDLE_TIMEOUT_SECONDS} s")
        return
    if outcome == "failed":
        return
    run.count("reclaims" if outcome == "reclaimed" else "revisits_with_state")
    late = SESSION_IDLE_TIMEOUT_SECONDS + EXPIRY_CHECK_SECONDS + LATE_SLACK_SECONDS
    if idle > late:
        run.problem(f"mcp revisit: the session answered after {idle:.1f} s idle, past its"
                    f" {SESSION_IDLE_TIMEOUT_SECONDS} s idle timeout")
    dropped.append(Dropped(old.session, new, time.monotonic()))


def revisit_deleted(run: Run, mcp: Mcp, session: str) -> None:
    status, _, body = mcp.post({"jsonrpc": "2.0", "id": next(mcp.ids), "method": "tools/call", "params": {
        "name": "execute_python", "arguments": {"code": "print(x)"}}}, session)
    run.count("deleted_revisits")
    run.status("mcp call to a deleted session", status, body, 404)


# ---------------------------------------------------------------- HTTP contexts and stateless executions

def create_context(run: Run, where: str) -> str | None:
    status, body = request(run.port, "POST", CONTEXT_PATH, {}, REQUEST_TIMEOUT_SECONDS)
    run.sent()
    if not run.status(f"{where} create", status, body, 200):
        return None
    run.opened(body["id"])
    return body["id"]


def delete_context(run: Run, where: str, context: str) -> None:
    status, body = request(run.port, "DELETE", f"{CONTEXT_PATH}/{context}", None, REQUEST_TIMEOUT_SECONDS)
    run.sent()
    if run.status(f"{where} delete", status, body, 204):
        run.closed(context)


def in_context(run: Run, context: str, code: str) -> tuple[int, dict]:
    run.sent()
    return request(run.port, "POST", EXECUTE_PATH, {"code": code, "contextId": context}, REQUEST_TIMEOUT_SECONDS)


def context_rounds(run: Run, where: str, work: Callable[[str, int], None]) -> None:
    """Until the deadline: a new context, `work` in it (given the context and the round), its deletion."""
    for round_ in range(MAX_ROUNDS):
        if not run.going():
            return
        try:
            context = create_context(run, where)
            if context is None:
                time.sleep(0.2)
                continue
            try:
                work(context, round_)
            finally:
                delete_context(run, where, context)
            run.count(f"{where}_rounds")
        except TRANSPORT_ERRORS as e:
            run.problem(f"{where} transport {type(e).__name__}: {e}")


def context_worker(run: Run, seed: int) -> None:
    """Contexts, each with 2-5 executions that read and set its state."""
    rng = random.Random(seed)
    context_rounds(run, "context", lambda context, _: stateful(run, rng, context))


def stateful(run: Run, rng: random.Random, context: str) -> None:
    held = None
    for _ in range(rng.randint(2, 5)):
        new = rng.randrange(10 ** 9)
        code, expected = (f"n = {new}\nprint(n)", f"{new}\n") if held is None else (f"print(n)\nn = {new}", f"{held}\n")
        status, body = in_context(run, context, code)
        run.count("context_executions")
        if not run.status("context execute", status, body, 200):
            return
        got = (body.get("status"), body.get("stdout"), body.get("contextId"), body.get("contextRestarted"))
        if got != ("ok", expected, context, False):
            run.problem(f"context execute: expected stdout {expected!r}, got {got}")
            return
        held = new


def stateless_worker(run: Run, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(MAX_ROUNDS):
        if not run.going():
            return
        n = rng.randrange(-10 ** 12, 10 ** 12)
        try:
            run.sent()
            began = time.monotonic()
            status, body = execute(run.port, f"print({n})")
            run.timed(time.monotonic() - began)
        except TRANSPORT_ERRORS as e:
            run.problem(f"stateless transport {type(e).__name__}: {e}")
            continue
        run.count("stateless")
        if not run.status("stateless", status, body, 200):
            continue
        got = (body.get("status"), body.get("stdout"), body.get("stderr"), body.get("contextId"))
        if got != ("ok", f"{n}\n", "", None):
            run.problem(f"stateless: print({n}) gave {got}")


# ---------------------------------------------------------------- a queue on one context

def queue_worker(run: Run, seed: int) -> None:
    """Contexts, each with one queue of 1 to --context-queue + 2 executions behind a first one."""
    rng = random.Random(seed)
    with concurrent.futures.ThreadPoolExecutor(CONTEXT_QUEUE + 1) as pool:
        context_rounds(run, "queue", lambda context, round_: queue_round(
            run, pool, context, rng.randint(1, CONTEXT_QUEUE + 2), os.path.join(run.queue_dir, f"{seed}-{round_}")))


def queue_round(run: Run, pool: concurrent.futures.ThreadPoolExecutor, context: str, more: int, files: str) -> None:
    """One execution holds the context until a file exists; `more` are sent meanwhile, each once the
    one before waits, so that the order they arrive in is the order they are sent in."""
    status, body = in_context(run, context, "order = []")
    if not run.status("queue setup", status, body, 200):
        return
    started, release = files + "-started", files + "-release"
    hold = (f"import os, time\nopen({started!r}, 'w').close()\ndeadline = time.monotonic() + {RELEASE_WAIT_SECONDS}\n"
            f"while not os.path.exists({release!r}) and time.monotonic() < deadline:\n    time.sleep(0.005)\n"
            "order.append(0)")
    futures = [pool.submit(in_context, run, context, hold)]
    refused = 0
    try:
        if not await_true(lambda: os.path.exists(started)):
            run.problem(f"queue: the first execution did not start within {QUEUE_FORM_SECONDS} s")
            return
        for i in range(1, more + 1):
            code = f"order.append({i})\nprint(order)"
            if i > CONTEXT_QUEUE:
                status, body = in_context(run, context, code)
                if status == 503 and body.get("error") == "context_busy":
                    refused += 1
                else:
                    run.problem(f"queue: execution {i} past --context-queue {CONTEXT_QUEUE} got {status} {body}")
                continue
            futures.append(pool.submit(in_context, run, context, code))
            if not await_true(lambda: queued(run, context) == i):
                run.problem(f"queue: execution {i} did not wait in the queue within {QUEUE_FORM_SECONDS} s")
                return
            # It is counted as waiting a moment before it is in line.
            time.sleep(0.02)
    finally:
        with open(release, "w"):
            pass
        answers = []
        for future in futures:
            try:
                answers.append(future.result(timeout=REQUEST_TIMEOUT_SECONDS + RELEASE_WAIT_SECONDS))
            except TRANSPORT_ERRORS as e:
                answers.append((0, {"transport": f"{type(e).__name__}: {e}"}))
        for name in (started, release):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
    run.count("503 context_busy (queue past --context-queue)", refused)
    run.count("queue_executions", len(answers) + refused)
    for i, (status, body) in enumerate(answers):
        expected = "" if i == 0 else f"{list(range(i + 1))}\n"
        if not run.status(f"queue execution {i}", status, body, 200):
            continue
        if (body.get("status"), body.get("stdout")) != ("ok", expected):
            run.problem(f"queue: execution {i} of {len(answers)} expected {expected!r}, got"
                        f" {body.get('status')} {body.get('stdout')!r} {body.get('error')}")


def queued(run: Run, context: str) -> int | None:
    status, body = request(run.port, "GET", f"{CONTEXT_PATH}/{context}", None, REQUEST_TIMEOUT_SECONDS)
    return body.get("queued") if status == 200 else None


def await_true(condition) -> bool:
    deadline = time.monotonic() + QUEUE_FORM_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL_SECONDS)
    return False


# ---------------------------------------------------------------- the run

def watch_health(run: Run, daemon: Daemon, stop: threading.Event) -> None:
    """Peaks of /health during the churn; live contexts must never pass --max-contexts."""
    for _ in range(MAX_ROUNDS):
        if stop.wait(HEALTH_EVERY_SECONDS):
            return
        run.seen(daemon.health() or {})


def warm_up(port: int) -> None:
    """Grows the JVM's pools first, and leaves no context and no session behind."""
    with concurrent.futures.ThreadPoolExecutor(MCP_THREADS + CONTEXT_THREADS + STATELESS_THREADS) as pool:
        list(pool.map(lambda n: execute(port, f"print({n})"), range(WARMUP_EXECUTIONS)))
    status, body = request(port, "POST", CONTEXT_PATH, {}, REQUEST_TIMEOUT_SECONDS)
    if status != 200:
        raise RuntimeError(f"warm-up: no context: {status} {body}")
    request(port, "POST", EXECUTE_PATH, {"code": "print(1)", "contextId": body["id"]}, REQUEST_TIMEOUT_SECONDS)
    request(port, "DELETE", f"{CONTEXT_PATH}/{body['id']}", None, REQUEST_TIMEOUT_SECONDS)
    run = Run(port, 0, "")
    mcp = Mcp(run)
    session = mcp.open()
    if session is None or mcp.step(session, None, 1, revisit=False) != "ok":
        raise RuntimeError(f"warm-up: MCP failed: {run.wrong + run.server_errors}")
    mcp.delete(session)


def await_empty(daemon: Daemon, contexts: int, seconds: float) -> dict:
    """/health once no MCP session and only `contexts` contexts are left, or the last one seen."""
    deadline = time.monotonic() + seconds
    health = daemon.health() or {}
    while time.monotonic() < deadline:
        if (health.get("contexts", {}).get("live") == contexts and health.get("mcp", {}).get("sessions") == 0
                and health.get("contexts", {}).get("busy") == 0):
            break
        time.sleep(0.5)
        health = daemon.health() or {}
    return health


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def churn(report: Report, java: str, jar: str, python: str, seconds: float, seed: int, log: str | None) -> None:
    print(f"== churn: {seconds:.0f} s; {MCP_THREADS} MCP, {CONTEXT_THREADS} context, {STATELESS_THREADS} stateless"
          f" and {QUEUE_THREADS} queue threads; daemon {' '.join(DAEMON_FLAGS)}", flush=True)
    tmpdir = tempfile.mkdtemp(prefix="churn-")
    daemon = Daemon(java, jar, tmpdir, python, *DAEMON_FLAGS).start()
    try:
        warm_up(daemon.port)
        time.sleep(3)
        before, health_before = sample(daemon.pid), daemon.health() or {}
        queue_dir = os.path.join(tmpdir, "queue")
        os.mkdir(queue_dir)
        os.chmod(queue_dir, 0o777)  # the code, run as another user, marks its start there
        run = Run(daemon.port, seconds, queue_dir)
        stop = threading.Event()
        watcher = threading.Thread(target=watch_health, args=(run, daemon, stop), daemon=True)
        watcher.start()
        workers = [(f"mcp-{i}", mcp_worker) for i in range(MCP_THREADS)]
        workers += [(f"context-{i}", context_worker) for i in range(CONTEXT_THREADS)]
        workers += [(f"stateless-{i}", stateless_worker) for i in range(STATELESS_THREADS)]
        workers += [(f"queue-{i}", queue_worker) for i in range(QUEUE_THREADS)]
        threads = [threading.Thread(target=guarded, args=(run, name, lambda w=work, s=seed * 100 + n: w(run, s)),
                                    name=name, daemon=True) for n, (name, work) in enumerate(workers)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, run.deadline + JOIN_SLACK_SECONDS - time.monotonic()))
        took = time.monotonic() - began
        stop.set()
        watcher.join(REQUEST_TIMEOUT_SECONDS)
        stuck = [t.name for t in threads if t.is_alive()]
        end, health_end = sample(daemon.pid), daemon.health() or {}
        # Past the session idle timeout and the daemon's next look for idle sessions.
        time.sleep(max(0.0, run.last_request + SESSION_IDLE_TIMEOUT_SECONDS + 2 * EXPIRY_CHECK_SECONDS
                       - time.monotonic()))
        still_open = len(run.open_contexts)
        health_after = await_empty(daemon, still_open, EMPTY_TIMEOUT_SECONDS)
        after, settled = settle(daemon.pid, before, SETTLE_MAX_SECONDS)

        counts = run.counts
        figures(report, run, took, before, end, after, settled, health_before, health_end, health_after)
        report.check("churn_workers_finished", not stuck, f"still running: {stuck}" if stuck else "")
        report.check("churn_no_5xx", run.server_error_count == 0, f"{run.server_error_count} 5xx"
                     + (f", first: {run.server_errors[:3]}" if run.server_errors else ""))
        report.check("churn_every_answer_right", run.wrong_count == 0, f"{run.wrong_count} wrong"
                     + (f", first: {run.wrong[:3]}" if run.wrong else ""))
        too_many = counts["503 too_many_contexts"] + counts["mcp too_many_contexts"]
        report.check("churn_no_too_many_contexts", too_many == 0,
                     f"{too_many}, with at most {MAX_CONTEXTS - 1} of {MAX_CONTEXTS} contexts busy")
        report.check("churn_contexts_never_past_max", not run.over_max and run.peak["live"] <= MAX_CONTEXTS,
                     f"peak live {run.peak['live']}" + (f", {run.over_max[:3]}" if run.over_max else ""))
        reclaimed = health_after.get("contexts", {}).get("reclaimed", 0)
        report.check("churn_reclaimed_interpreters", reclaimed > 0 and counts["reclaims"] > 0,
                     f"daemon reclaimed {reclaimed}, clients saw {counts['reclaims']}")
        report.check("churn_queue_ran", counts["queue_rounds"] > 0, f"{counts['queue_rounds']} rounds")
        contexts, mcp = health_after.get("contexts", {}), health_after.get("mcp", {})
        report.check("churn_contexts_back", contexts.get("live") == still_open and contexts.get("busy") == 0,
                     f"live {contexts.get('live')}, busy {contexts.get('busy')}, {still_open} still open")
        report.check("churn_sessions_back", mcp.get("sessions") == 0, f"{mcp.get('sessions')} sessions")
        report.check("churn_threads_flat", after.threads <= before.threads + THREADS_NOISE,
                     f"{before.threads} -> {after.threads}")
        report.check("churn_fds_flat", after.fds <= before.fds + FDS_NOISE, f"{before.fds} -> {after.fds}")
        report.check("churn_descendants_flat", after.descendants <= before.descendants + DESCENDANTS_NOISE,
                     f"{before.descendants} -> {after.descendants}")
        errors = [line for line in daemon.log if " ERROR " in line or "Exception" in line]
        report.check("churn_daemon_logged_no_error", not errors, f"{len(errors)} lines" + (
            f", first: {errors[:2]}" if errors else ""))
        code = daemon.stop()
        report.check("churn_daemon_stops_cleanly", code == 0, f"exit {code}")
    finally:
        daemon.kill()
        shutil.rmtree(tmpdir, ignore_errors=True)
        if log:
            with open(log, "w") as f:
                f.writelines(line + "\n" for line in daemon.log)


def figures(report: Report, run: Run, took: float, before: Sample, end: Sample, after: Sample, settled: float,
            health_before: dict, health_end: dict, health_after: dict) -> None:
    c = run.counts
    report.note(f"duration {took:.1f} s")
    report.note(f"mcp: {c['sessions']} sessions opened, {c['mcp_calls']} calls, {c['reclaims']} reclaims seen"
                f" ({c['first_call_restarts']} on a session's first call), {c['revisits']} revisits of dropped"
                f" sessions ({c['revisits_with_state']} with their state, {c['expiries']} expired: 404,"
                f" {c['ended_during_a_call']} ended during the call),"
                f" {c['deletes']} DELETEs, {c['deleted_revisits']} calls to deleted sessions")
    report.note(f"http contexts: {c['context_rounds']} rounds, {c['context_executions']} executions;"
                f" queue: {c['queue_rounds']} rounds, {c['queue_executions']} executions")
    report.note(f"stateless: {c['stateless']} executions, p50 {percentile(run.latencies, 0.5) * 1000:.1f} ms,"
                f" p95 {percentile(run.latencies, 0.95) * 1000:.1f} ms")
    refusals = {k: v for k, v in sorted(c.items()) if k[:1] == "5" or "too_many" in k}
    report.note(f"5xx and refusals by kind: {refusals or 'none'}")
    for kind, example in sorted(run.first.items()):
        report.note(f"first {kind}: {example[:400]}")
    report.note(f"peaks during the churn: {dict(run.peak)}")
    report.note(f"daemon reclaimed {health_after.get('contexts', {}).get('reclaimed')} interpreters in all")
    report.note(f"before {before}  contexts={health_before.get('contexts')} mcp={health_before.get('mcp')}")
    report.note(f"end    {end}  contexts={health_end.get('contexts')} mcp={health_end.get('mcp')}")
    report.note(f"after  {after}  contexts={health_after.get('contexts')} mcp={health_after.get('mcp')}"
                f"  (settled {settled:.1f} s after the sessions expired)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help=f"churn duration ({DEFAULT_SECONDS})")
    parser.add_argument("--ci", action="store_true", help=f"a short run: {CI_SECONDS} s")
    daemon_arguments(parser)
    parser.add_argument("--seed", type=int, default=1, help="seed of the random choices (1)")
    parser.add_argument("--daemon-log", help="a file to write the daemon's log to once it has stopped")
    args = parser.parse_args(argv)
    seconds = CI_SECONDS if args.ci else args.seconds
    if seconds <= 0:
        parser.error("--seconds must be positive")
    require_jar(parser, args.jar)
    report = Report()
    try:
        churn(report, args.java, args.jar, args.python, seconds, args.seed, args.daemon_log)
    except Exception as e:  # a crash is a failure with its reason, not a traceback
        report.check("churn_ran_without_crash", False, f"{type(e).__name__}: {e}")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
