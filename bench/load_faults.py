#!/usr/bin/env python3
"""Load and faults against a real interpreterd: mixed load, SIGTERM and SIGKILL with executions in flight.

Starts the daemon jar itself on a free loopback port and only ever talks to 127.0.0.1. Three parts:
  load     N mixed executions at concurrency 32; no 5xx, every status as expected, and the daemon's
           threads, file descriptors and descendant processes back near where they were after a pause,
           and its RSS (the heap fixed at 256 MiB, as the systemd unit caps it) level over the second half;
  sigterm  8 long executions in flight, then SIGTERM: all answer `interrupted`, the daemon exits 0
           within a few seconds and nothing it started is left;
  sigkill  8 long executions in flight, then SIGKILL: its workers and their children are gone within
           a few seconds, and the next daemon with the same temp dir and work dir sweeps the killed
           one's directory.
Prints one `PASS name` / `FAIL name` line per check and ends with `N passed, M failed`; exits 1 on
any failure. Standard library only; every request and every wait is bounded.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Iterator

LOOPBACK = "127.0.0.1"
EXECUTE_PATH = "/process/interpreter/execute"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_JAR = os.path.join(ROOT, "daemon", "target", "interpreterd.jar")
# As the systemd unit runs it, with the whole heap committed and touched at start: what the RSS
# does afterwards is then the daemon's own memory outside the heap, not the heap filling up.
JVM_OPTIONS = ["-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xms256m", "-XX:+AlwaysPreTouch"]
CONCURRENCY = 32
DEFAULT_EXECUTIONS = 10_000
CI_EXECUTIONS = 600
IN_FLIGHT = 8
READY_TIMEOUT_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 60
HEALTH_TIMEOUT_SECONDS = 2
SETTLE_SECONDS = 3
SETTLE_MAX_SECONDS = 60
EXIT_TIMEOUT_SECONDS = 10
SIGTERM_EXIT_BUDGET_SECONDS = 6
GONE_TIMEOUT_SECONDS = 5
RUNNING_TIMEOUT_SECONDS = 15
LOAD_BUDGET_SECONDS = 900
POLL_SECONDS = 0.02
FLOOD_BYTES = 5 * 1024 * 1024
# Growth allowed between the sample after warm-up and the one after the load and a pause.
THREADS_NOISE = 8
FDS_NOISE = 8
DESCENDANTS_NOISE = 2
# Growth of the daemon's RSS over the second half of the load.
RSS_NOISE_KIB = 24 * 1024
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


# ---------------------------------------------------------------- the daemon

class Daemon:
    """One daemon JVM started from the jar; its stderr is read to the end so the pipe never fills."""

    def __init__(self, java: str, jar: str, tmpdir: str, python: str, *flags: str):
        """`flags` are more of the daemon's flags, after the ones every run here gives it."""
        # As root the code runs as an unprivileged user, whose work dir the daemon makes in tmpdir.
        os.chmod(tmpdir, 0o755)
        self.argv = [java, *JVM_OPTIONS, f"-Djava.io.tmpdir={tmpdir}", "-jar", jar, "--python", python,
                     "--host", LOOPBACK, "--port", "0", "--max-concurrent", str(CONCURRENCY), *flags]
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.log: list[str] = []
        self._listening = threading.Event()

    def start(self) -> "Daemon":
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERPRETERD_") and k != "NOTIFY_SOCKET"}
        self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, env=env)
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if not self._listening.wait(READY_TIMEOUT_SECONDS):
            self.kill()
            raise RuntimeError("daemon never listened:\n" + "\n".join(self.log[-20:]))
        return self

    def _read_stderr(self) -> None:
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if len(self.log) < 100_000:
                self.log.append(line)
            match = LISTENING.search(line) if not self._listening.is_set() else None
            if match:
                self.port = int(match.group(1))
                self._listening.set()

    @property
    def pid(self) -> int:
        return self.process.pid

    def health(self) -> dict | None:
        try:
            status, body = request(self.port, "GET", "/health", None, HEALTH_TIMEOUT_SECONDS)
            return body if status == 200 else None
        except (OSError, http.client.HTTPException, ValueError):
            return None

    def await_running(self, running: int) -> bool:
        deadline = time.monotonic() + RUNNING_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            health = self.health()
            if health and health.get("running") == running:
                return True
            time.sleep(POLL_SECONDS)
        return False

    def wait(self, seconds: float) -> int | None:
        try:
            return self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(EXIT_TIMEOUT_SECONDS)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            if self.wait(EXIT_TIMEOUT_SECONDS) is None:
                self.kill()
        return self.process.returncode


def request(port: int, method: str, path: str, body: dict | None, timeout: float) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def execute(port: int, code: str, timeout: float | None = None) -> tuple[int, dict]:
    body = {"code": code} if timeout is None else {"code": code, "timeout": timeout}
    return request(port, "POST", EXECUTE_PATH, body, REQUEST_TIMEOUT_SECONDS)


# ---------------------------------------------------------------- /proc

@dataclass(frozen=True)
class Proc:
    """A process by pid and start time, so a reused pid is not mistaken for it."""

    pid: int
    start: int

    def alive(self) -> bool:
        stat = read_stat(self.pid)
        return stat is not None and stat[1] == self.start and stat[2] != "Z"


def read_stat(pid: int) -> tuple[int, int, str] | None:
    """(ppid, start time, state) of a live pid, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[19]), fields[0]
    except (OSError, IndexError, ValueError):
        return None


def descendants(root: int) -> list[Proc]:
    children: dict[int, list[Proc]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = read_stat(int(name))
            if stat and stat[2] != "Z":
                children.setdefault(stat[0], []).append(Proc(int(name), stat[1]))
    found, pending = [], [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child.pid)
    return found


def with_marker(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(name))
            except OSError:
                pass
    return found


def await_gone(procs: list[Proc], seconds: float) -> list[Proc]:
    deadline = time.monotonic() + seconds
    alive = [p for p in procs if p.alive()]
    while alive and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        alive = [p for p in alive if p.alive()]
    return alive


def await_no_marker(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    left = with_marker(marker)
    while left and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        left = with_marker(marker)
    return left


@dataclass(frozen=True)
class Sample:
    threads: int
    fds: int
    rss_kib: int
    descendants: int

    def __str__(self) -> str:
        return (f"threads={self.threads} fds={self.fds} rss={self.rss_kib / 1024:.1f}MiB "
                f"descendants={self.descendants}")


def sample(pid: int) -> Sample:
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return Sample(int(status["Threads"]), len(os.listdir(f"/proc/{pid}/fd")),
                  int(status["VmRSS"].split()[0]), len(descendants(pid)))


def marker() -> str:
    """A valid GNU sleep duration no other process has on its command line."""
    return f"1000.{uuid.uuid4().int % 1_000_000_000}"


# ---------------------------------------------------------------- checks

class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'} {name}" + (f"  ({detail})" if detail else ""), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok

    @staticmethod
    def note(text: str) -> None:
        print(f"  {text}", flush=True)

    def finish(self) -> int:
        """Prints `N passed, M failed` and returns the exit status: 1 on any failure."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1


@dataclass(frozen=True)
class Kind:
    name: str
    weight: int
    code: str
    timeout: float | None
    expect: dict


KINDS = [
    Kind("ok", 40, "print(6 * 7)", None, {"status": "ok", "stdout": "42\n"}),
    Kind("error", 20, "1 / 0", None, {"status": "error"}),
    Kind("timeout", 10, "import time\ntime.sleep(30)", 0.2, {"status": "interrupted"}),
    Kind("exit", 20, "import sys\nsys.exit(3)", None, {"status": "exit", "exitCode": 3}),
    Kind("flood", 10, f"import os\nos.write(1, b'x' * {FLOOD_BYTES})", None,
         {"status": "ok", "stdoutTruncated": True}),
]


def one(port: int, kind: Kind) -> str | None:
    """None when the answer is as expected, otherwise what was wrong."""
    try:
        status, body = execute(port, kind.code, kind.timeout)
    except (OSError, http.client.HTTPException, ValueError) as e:
        return f"{kind.name}: transport {type(e).__name__}: {e}"
    if status != 200:
        return f"{kind.name}: HTTP {status} {body}"
    wrong = {k: body.get(k) for k, v in kind.expect.items() if body.get(k) != v}
    return f"{kind.name}: {wrong}" if wrong else None


def run_load(port: int, count: int, seed: int) -> tuple[dict[str, int], list[str], float]:
    rng = random.Random(seed)
    kinds = rng.choices(KINDS, weights=[k.weight for k in KINDS], k=count)
    counts = {k.name: 0 for k in KINDS}
    for k in kinds:
        counts[k.name] += 1
    problems: list[str] = []
    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        futures = [pool.submit(one, port, k) for k in kinds]
        deadline = began + LOAD_BUDGET_SECONDS
        for future in futures:
            try:
                problem = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except concurrent.futures.TimeoutError:
                problem = "load did not finish within its budget"
                for f in futures:
                    f.cancel()
                problems.append(problem)
                break
            if problem:
                problems.append(problem)
    return counts, problems, time.monotonic() - began


def load(report: Report, java: str, jar: str, python: str, executions: int, seed: int) -> None:
    print(f"== load: {executions} mixed executions at concurrency {CONCURRENCY}", flush=True)
    tmpdir = tempfile.mkdtemp(prefix="load-faults-")
    daemon = Daemon(java, jar, tmpdir, python).start()
    try:
        cold = sample(daemon.pid)
        # A warm-up at full concurrency grows the JVM's pools first, so growth afterwards means a leak.
        run_load(daemon.port, 2 * CONCURRENCY, seed + 1)
        time.sleep(SETTLE_SECONDS)
        before = sample(daemon.pid)
        # In two halves: the first fills the bounded heap; over the second, RSS must stay level.
        counts, problems, seconds = run_load(daemon.port, executions // 2, seed)
        half = sample(daemon.pid)
        more_counts, more_problems, more_seconds = run_load(daemon.port, executions - executions // 2, seed + 2)
        during = sample(daemon.pid)
        counts = {kind: counts.get(kind, 0) + more_counts.get(kind, 0) for kind in counts.keys() | more_counts.keys()}
        problems, seconds = problems + more_problems, seconds + more_seconds
        after, settled = settle(daemon.pid, before)
        report.note(f"mix: {dict(sorted(counts.items()))}")
        report.note(f"{executions} executions in {seconds:.1f} s ({executions / seconds:.0f}/s)")
        report.note(f"cold   {cold}")
        report.note(f"before {before}")
        report.note(f"half   {half}")
        report.note(f"end    {during}")
        report.note(f"after  {after}  (after a pause of {settled:.1f} s, at most {SETTLE_MAX_SECONDS} s)")
        earlier = {p.pid for p in descendants(daemon.pid)}
        time.sleep(2)
        later = {p.pid for p in descendants(daemon.pid)}
        # Descendants that come and go with nothing running are workers started and dropped at once.
        report.note(f"descendants now {len(later)}, {len(later - earlier)} of them started in the last 2 s")
        server_errors = [p for p in problems if "HTTP 5" in p]
        report.check("load_no_5xx", not server_errors, f"{len(server_errors)} 5xx" + (
            f", first: {server_errors[0]}" if server_errors else ""))
        report.check("load_every_status_as_expected", not problems,
                     f"{len(problems)} wrong" + (f", first: {problems[:3]}" if problems else ""))
        report.check("load_threads_flat", after.threads <= before.threads + THREADS_NOISE,
                     f"{before.threads} -> {after.threads}")
        report.check("load_fds_flat", after.fds <= before.fds + FDS_NOISE, f"{before.fds} -> {after.fds}")
        report.check("load_rss_level_over_the_second_half", after.rss_kib <= half.rss_kib + RSS_NOISE_KIB,
                     f"{half.rss_kib / 1024:.1f} -> {after.rss_kib / 1024:.1f} MiB")
        report.check("load_descendants_flat", after.descendants <= before.descendants + DESCENDANTS_NOISE,
                     f"{before.descendants} -> {after.descendants}")
        health = daemon.health() or {}
        report.check("load_daemon_idle_after", health.get("running") == 0 and health.get("queued") == 0,
                     f"health {health}")
    finally:
        daemon.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)


def settle(pid: int, before: Sample, max_seconds: float = SETTLE_MAX_SECONDS) -> tuple[Sample, float]:
    """Samples after a short pause, then every second until back near `before` or `max_seconds` are over."""
    began = time.monotonic()
    time.sleep(SETTLE_SECONDS)
    while True:
        now = sample(pid)
        flat = (now.threads <= before.threads + THREADS_NOISE and now.fds <= before.fds + FDS_NOISE
                and now.descendants <= before.descendants + DESCENDANTS_NOISE)
        if flat or time.monotonic() - began >= max_seconds:
            return now, time.monotonic() - began
        time.sleep(1)


def await_markers(markers: list[str], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(with_marker(m) for m in markers):
            return True
        time.sleep(POLL_SECONDS)
    return False


@contextlib.contextmanager
def in_flight(java: str, jar: str, python: str) -> Iterator[tuple[Daemon, list[str], list, str]]:
    """A daemon in a temp dir of its own running IN_FLIGHT long executions, each with a `sleep <marker>`
    child of the code; yields the daemon, the markers, the answers to come and the temp dir, and
    kills and removes all of it afterwards."""
    tmpdir = tempfile.mkdtemp(prefix="load-faults-")
    daemon = Daemon(java, jar, tmpdir, python).start()
    markers = [marker() for _ in range(IN_FLIGHT)]
    pool = concurrent.futures.ThreadPoolExecutor(len(markers))
    code = "import subprocess, time\nsubprocess.Popen(['sleep', '{}'])\ntime.sleep(60)"
    futures = [pool.submit(execute, daemon.port, code.format(m), 120) for m in markers]
    try:
        yield daemon, markers, futures, tmpdir
    finally:
        daemon.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        kill_markers(markers)
        shutil.rmtree(tmpdir, ignore_errors=True)


def sigterm(report: Report, java: str, jar: str, python: str) -> None:
    print(f"== sigterm: {IN_FLIGHT} executions in flight", flush=True)
    with in_flight(java, jar, python) as (daemon, markers, futures, _):
        running = daemon.await_running(IN_FLIGHT) and await_markers(markers, RUNNING_TIMEOUT_SECONDS)
        report.check("sigterm_all_in_flight", running)
        started = descendants(daemon.pid)
        began = time.monotonic()
        os.kill(daemon.pid, signal.SIGTERM)
        answers = []
        for future in futures:
            try:
                status, body = future.result(timeout=EXIT_TIMEOUT_SECONDS + GONE_TIMEOUT_SECONDS)
                answers.append(f"{status}/{body.get('status')}")
            except Exception as e:  # a lost answer is a failed check, not a crash of the script
                answers.append(type(e).__name__)
        code = daemon.wait(EXIT_TIMEOUT_SECONDS)
        seconds = time.monotonic() - began
        report.note(f"answers: {answers}")
        report.note(f"exit code {code} after {seconds:.2f} s; {len(started)} descendants before the signal")
        report.check("sigterm_every_execution_interrupted", answers == ["200/interrupted"] * IN_FLIGHT)
        report.check("sigterm_daemon_exits_0_quickly", code == 0 and seconds <= SIGTERM_EXIT_BUDGET_SECONDS,
                     f"exit {code} in {seconds:.2f} s")
        left = await_gone(started, GONE_TIMEOUT_SECONDS)
        report.check("sigterm_no_process_left", not left, f"{len(left)} left")
        leftover_markers = [pid for m in markers for pid in with_marker(m)]
        report.check("sigterm_no_code_child_left", not leftover_markers, f"{len(leftover_markers)} left")


def sigkill(report: Report, java: str, jar: str, python: str) -> None:
    print(f"== sigkill: {IN_FLIGHT} executions in flight, then a new daemon with the same temp dir and work dir",
          flush=True)
    with in_flight(java, jar, python) as (daemon, markers, _, tmpdir):
        report.check("sigkill_all_in_flight", daemon.await_running(IN_FLIGHT)
                     and await_markers(markers, RUNNING_TIMEOUT_SECONDS))
        stale = [n for n in os.listdir(tmpdir) if re.fullmatch(rf"interpreterd-[0-9a-f]{{12}}-{daemon.pid}-\d+-.+", n)]
        every = descendants(daemon.pid)
        code_children = {pid for m in markers for pid in with_marker(m)}
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait(EXIT_TIMEOUT_SECONDS)
        began = time.monotonic()
        # Supervisors, the code's processes and the subprocesses the code started: all of them.
        left = await_gone(every, GONE_TIMEOUT_SECONDS)
        report.note(f"{len(every)} processes below the daemon before the kill ({len(code_children)} of them "
                    f"sleeps started by the code), gone after {time.monotonic() - began:.2f} s")
        report.check("sigkill_workers_gone", not left, f"{len(left)} left")
        orphans = [pid for m in markers for pid in with_marker(m)]
        report.check("sigkill_code_subprocesses_gone", not orphans, f"{len(orphans)} left")
        kill_markers(markers)
        report.check("sigkill_stale_directory_present", len(stale) == 1, f"{stale}")
        again = Daemon(java, jar, tmpdir, python).start()
        try:
            remaining = [n for n in stale if os.path.exists(os.path.join(tmpdir, n))]
            report.check("sigkill_stale_directory_swept", stale and not remaining, f"remaining {remaining}")
            status, body = execute(again.port, "print('alive')")
            report.check("sigkill_new_daemon_serves", status == 200 and body.get("stdout") == "alive\n")
        finally:
            again.stop()


def kill_markers(markers: list[str]) -> None:
    for m in markers:
        for pid in with_marker(m):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def daemon_arguments(parser: argparse.ArgumentParser) -> None:
    """--jar, --java and --python: the daemon a run starts."""
    parser.add_argument("--jar", default=DEFAULT_JAR, help="the daemon jar (daemon/target/interpreterd.jar)")
    parser.add_argument("--java", default=shutil.which("java") or "java", help="the java executable")
    parser.add_argument("--python", default="python3",
                        help="the daemon's --python (python3); as root, one the code's user can read")


def require_jar(parser: argparse.ArgumentParser, jar: str) -> None:
    if not os.path.exists(jar):
        parser.error(f"{jar} does not exist; build it with: mvn -q -B package -DskipTests")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=DEFAULT_EXECUTIONS, help="load executions (10000)")
    parser.add_argument("--ci", action="store_true", help=f"a short run: {CI_EXECUTIONS} executions")
    daemon_arguments(parser)
    parser.add_argument("--seed", type=int, default=1, help="seed of the load mix (1)")
    args = parser.parse_args(argv)
    executions = CI_EXECUTIONS if args.ci else args.executions
    if executions <= 0:
        parser.error("--executions must be positive")
    require_jar(parser, args.jar)
    report = Report()
    for part in (lambda: load(report, args.java, args.jar, args.python, executions, args.seed),
                 lambda: sigterm(report, args.java, args.jar, args.python),
                 lambda: sigkill(report, args.java, args.jar, args.python)):
        try:
            part()
        except Exception as e:  # one broken part is a failure; the others still run
            report.check(f"part_ran_without_crash", False, f"{type(e).__name__}: {e}")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
