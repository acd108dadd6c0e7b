"""Closed-loop load: N threads, each with its own caller, share a fixed number of requests."""
from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

from cpu import busy_cpu_ms

# Distinct failure messages kept per phase, so the report stays readable.
MAX_FAILURE_MESSAGES = 5
# A phase waits at most this long for every thread to reach it; calls have their own timeouts.
PHASE_TIMEOUT_SECONDS = 600


class Caller(Protocol):
    def call(self) -> float | None:
        """One checked execution; returns the ms it timed itself, or None to be timed around the call."""

    def close(self) -> None: ...


class PhaseWatcher(Protocol):
    """Told when the measured phase begins and ends, outside its timing: to sample what it used."""

    def begin(self) -> None: ...

    def end(self) -> None: ...


class _Unwatched:
    def begin(self) -> None:
        pass

    def end(self) -> None:
        pass


UNWATCHED = _Unwatched()


@dataclass
class LoadResult:
    """Latencies of the measured (not warm-up) requests of one case at one concurrency, and the
    machine's busy CPU time while they ran."""

    case: str
    concurrency: int
    latencies_ms: list[float]
    wall_seconds: float
    busy_cpu_ms: float
    failures: int = 0
    failure_messages: list[str] = field(default_factory=list)

    def percentile(self, p: int) -> float:
        """The p-th percentile in ms, interpolated between the closest samples."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def throughput(self) -> float:
        """Correct executions per second of wall-clock time, all threads together."""
        return len(self.latencies_ms) / self.wall_seconds if self.wall_seconds > 0 else float("nan")

    @property
    def cpu_per_execution_ms(self) -> float:
        """The whole machine's busy CPU time per correct execution, in ms."""
        return self.busy_cpu_ms / len(self.latencies_ms) if self.latencies_ms else float("nan")


class _Tickets:
    """Hands out a fixed number of requests to the threads, and records what went wrong."""

    def __init__(self, count: int, stop: threading.Event):
        self._left = count
        self._stop = stop
        self._lock = threading.Lock()
        self.failures = 0
        self.failure_counts: dict[str, int] = {}

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or self._stop.is_set():
                return False
            self._left -= 1
            return True

    def fail(self, error: BaseException) -> None:
        with self._lock:
            self.failures += 1
            message = f"{type(error).__name__}: {error}"
            # Distinct messages only, and few of them: a broken daemon tends to fail the same way.
            if message in self.failure_counts or len(self.failure_counts) < MAX_FAILURE_MESSAGES:
                self.failure_counts[message] = self.failure_counts.get(message, 0) + 1

    def failure_messages(self) -> list[str]:
        return [f"{count}x {message}" for message, count in self.failure_counts.items()]


def _drain(caller: Caller, tickets: _Tickets, latencies: list[float] | None) -> None:
    """Calls until the tickets run out; latencies of correct answers go to `latencies` if given."""
    while tickets.take():
        start = time.perf_counter()
        try:
            timed_ms = caller.call()
        except Exception as error:  # every failure counts, whatever raised it
            tickets.fail(error)
            continue
        if latencies is not None:
            latencies.append(timed_ms if timed_ms is not None else (time.perf_counter() - start) * 1000)
        # A paced caller waits between requests, outside the measured time, as an assistant would.
        time.sleep(getattr(caller, "pause_seconds", 0))


def run_load(case: str, make_caller: Callable[[], Caller], concurrency: int, warmup: int, requests: int,
             stop: threading.Event, watcher: PhaseWatcher = UNWATCHED) -> LoadResult:
    """Warms up, then times `requests` calls spread over `concurrency` threads; `watcher` is told
    right before the measured phase and right after it.

    Each thread keeps its caller (so its keep-alive connection) from warm-up to the measured phase;
    the barriers make every thread start the measured phase together, so the wall time is fair, and
    hold them all between warm-up and measured phase while the watcher samples.
    """
    barrier = threading.Barrier(concurrency + 1, timeout=PHASE_TIMEOUT_SECONDS)
    warm, measured = _Tickets(warmup, stop), _Tickets(requests, stop)
    per_thread: list[list[float]] = [[] for _ in range(concurrency)]

    def worker(latencies: list[float]) -> None:
        try:
            caller = make_caller()
            try:
                barrier.wait()
                _drain(caller, warm, None)
                barrier.wait()  # warmed up
                barrier.wait()  # measured from here
                _drain(caller, measured, latencies)
            finally:
                caller.close()
        except threading.BrokenBarrierError:
            pass
        except BaseException:
            barrier.abort()  # let the others and the main thread stop waiting for this one
            raise

    threads = [threading.Thread(target=worker, args=(lat,), daemon=True, name=f"load-{i}")
               for i, lat in enumerate(per_thread)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait()
        barrier.wait()
        # Every thread is done warming up and waits at the barrier: nothing runs while the watcher samples.
        watcher.begin()
        barrier.wait()
        start, busy_at_start = time.perf_counter(), busy_cpu_ms()
        for thread in threads:
            thread.join(PHASE_TIMEOUT_SECONDS)
        wall, busy = time.perf_counter() - start, busy_cpu_ms() - busy_at_start
        watcher.end()
    except BaseException:
        stop.set()  # Ctrl-C or a broken thread: the others stop after their current call
        barrier.abort()
        raise
    latencies = [ms for thread_latencies in per_thread for ms in thread_latencies]
    # A wrong answer during warm-up is as wrong as one measured.
    return LoadResult(case, concurrency, latencies, wall, busy, measured.failures + warm.failures,
                      (warm.failure_messages() + measured.failure_messages())[:2 * MAX_FAILURE_MESSAGES])
