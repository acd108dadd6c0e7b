"""One stateless execution step by step, from the daemon's timeline log (Linux only).

Started with the logger dev.interpreterd.timeline at debug, the daemon logs for each execution one
line of JSON: when its own steps happened and, from the box's exit frame, when the runner's did, in
milliseconds from the moment the execution began (negative for what the box did ahead of it), and
the page faults the runner's steps cost. The clock is the machine's monotonic one on both sides.
"""
from __future__ import annotations

import json
import statistics
import threading
from dataclasses import dataclass, field

TIMELINE_JVM_OPTION = "-Dorg.slf4j.simpleLogger.log.dev.interpreterd.timeline=debug"
TIMELINE_MARK = "timeline {"

# (what, from, to): a step between two marks. "runner:" marks are the runner's, the others the daemon's.
ON_PATH = (
    ("daemon: a box, its output pipes, the cgroup's limits, the job sent", "start", "sent"),
    ("to the box's init (control socket)", "sent", "runner:jobTaken"),
    ("to the waiting child (job pipe)", "runner:jobTaken", "runner:jobRead"),
    ("child: output pipes, environment", "runner:jobRead", "runner:prepared"),
    ("child: sandbox (limits, user, capabilities)", "runner:prepared", "runner:codeStart"),
    ("the code: print(42)", "runner:codeStart", "runner:codeEnd"),
    ("child: report", "runner:codeEnd", "runner:reported"),
    ("child: threads, atexit, finalizers; output let go", "runner:reported", "runner:done"),
    ("init: the answer, once the child is alone in the box", "runner:done", "runner:answered"),
    ("back to the daemon (control socket)", "runner:answered", "exited"),
    ("daemon: end of output, the result", "exited", "answered"),
)
OFF_PATH = (
    ("the last child's exit, teardown and reaping", "runner:previousAnswered", "runner:previousReaped"),
    ("forking the next child", "runner:forkStart", "runner:forked"),
    ("the next child's warm-up (a throwaway job)", "runner:warmUpStart", "runner:warmUpEnd"),
)
FAULTS = (
    ("child, in its warm-up", "runner:warmUpStart", "runner:warmUpEnd"),
    ("child, on the job's path", "runner:jobRead", "runner:done"),
    ("box init, per job (after each fork its pages are shared again)", "runner:previousReaped", "runner:answered"),
)
# The marks of each process: page faults are counted per process, so only within one.
CHILD = {"warmUpStart", "warmUpEnd", "jobRead", "prepared", "codeStart", "codeEnd", "reported", "done"}
INIT = {"forkStart", "forked", "jobTaken", "answered", "previousReaped"}


@dataclass(frozen=True)
class Step:
    name: str
    p50_ms: float
    mean_ms: float
    # The median of the minor page faults its process took in it; None across two processes.
    faults: float | None = None


@dataclass
class Steps:
    """Medians of each step over the measured executions."""

    executions: int
    on_path: list[Step] = field(default_factory=list)
    off_path: list[Step] = field(default_factory=list)
    faults: list[Step] = field(default_factory=list)
    # The daemon's own p50 from the execution's start to its answer, and the client's p50 round trip.
    daemon_p50_ms: float = 0.0
    client_p50_ms: float = 0.0


class TimelineLog:
    """Keeps the daemon's timeline lines that arrive between begin() and end(): a load's watcher."""

    def __init__(self):
        self._lock = threading.Lock()
        self._collecting = False
        self.lines: list[dict] = []

    def offer(self, line: str) -> bool:
        """Takes a daemon log line if it is a timeline; True when it was one."""
        at = line.find(TIMELINE_MARK)
        if at < 0:
            return False
        with self._lock:
            if self._collecting:
                self.lines.append(json.loads(line[at + len(TIMELINE_MARK) - 1:]))
        return True

    def begin(self) -> None:
        with self._lock:
            self.lines.clear()
            self._collecting = True

    def end(self) -> None:
        with self._lock:
            self._collecting = False


def _mark(timeline: dict, name: str) -> float | None:
    if name == "start":
        return 0.0
    if name.startswith("runner:"):
        return (timeline.get("runner") or {}).get(name[len("runner:"):])
    return (timeline.get("daemon") or {}).get(name)


def _faults(timeline: dict, name: str) -> int | None:
    return (timeline.get("faults") or {}).get(name[len("runner:"):]) if name.startswith("runner:") else None


def _one_process(start: str, end: str) -> bool:
    marks = {start[len("runner:"):], end[len("runner:"):]}
    return start.startswith("runner:") and end.startswith("runner:") and (marks <= CHILD or marks <= INIT)


def _step(timelines: list[dict], name: str, start: str, end: str) -> Step | None:
    spans = [b - a for t in timelines
             if (a := _mark(t, start)) is not None and (b := _mark(t, end)) is not None]
    if not spans:
        return None
    counts = [b - a for t in timelines
              if (a := _faults(t, start)) is not None and (b := _faults(t, end)) is not None]
    faults = statistics.median(counts) if counts and _one_process(start, end) else None
    return Step(name, statistics.median(spans), statistics.fmean(spans), faults)


def steps_of(timelines: list[dict], client_latencies_ms: list[float]) -> Steps | None:
    """The steps of the executions logged, or None when none was (a daemon that keeps no timeline)."""
    if not timelines:
        return None
    steps = Steps(len(timelines))
    steps.on_path = [s for s in (_step(timelines, *row) for row in ON_PATH) if s]
    steps.off_path = [s for s in (_step(timelines, *row) for row in OFF_PATH) if s]
    steps.faults = [s for s in (_step(timelines, *row) for row in FAULTS) if s and s.faults is not None]
    answered = [a for t in timelines if (a := _mark(t, "answered")) is not None]
    steps.daemon_p50_ms = statistics.median(answered) if answered else 0.0
    steps.client_p50_ms = statistics.median(client_latencies_ms) if client_latencies_ms else 0.0
    return steps


def steps_text(steps: Steps | None, case: str) -> list[str]:
    if steps is None:
        return ["one execution step by step: not measured (the daemon logged no timeline)"]
    width = 72

    def row(s: Step) -> str:
        faults = "" if s.faults is None else f"{s.faults:>8.0f}"
        return f"    {s.name:<{width - 2}}{s.p50_ms:>8.2f}{s.mean_ms:>9.2f}{faults}"

    lines = [f"one execution step by step: {case} at concurrency 1, medians of {steps.executions} executions",
             f"  {'on the answer’s path':<{width}}{'p50 ms':>8}{'mean ms':>9}{'faults':>8}"]
    lines += [row(s) for s in steps.on_path]
    lines.append(f"    {'HTTP, JSON and the client (client p50 − the daemon’s p50)':<{width - 2}}"
                 f"{steps.client_p50_ms - steps.daemon_p50_ms:>8.2f}")
    lines.append(f"  {'off the path, while the box waits':<{width}}")
    lines += [row(s) for s in steps.off_path]
    lines.append("  minor page faults in all (median)")
    lines += [f"    {s.name:<{width - 2}}{'':>17}{s.faults:>8.0f}" for s in steps.faults]
    return lines


def steps_markdown(steps: Steps | None, case: str) -> list[str]:
    if steps is None:
        return []
    def row(s: Step) -> str:
        faults = "" if s.faults is None else f"{s.faults:.0f}"
        return f"| {s.name} | {s.p50_ms:.2f} ms | {s.mean_ms:.2f} ms | {faults} |"

    lines = [f"| one execution step by step: {case} at concurrency 1, {steps.executions} executions"
             " | p50 | mean | page faults |", "|---|---:|---:|---:|", "| **on the answer's path** | | | |"]
    lines += [row(s) for s in steps.on_path]
    lines.append(f"| HTTP, JSON and the client (client p50 − the daemon's p50) |"
                 f" {steps.client_p50_ms - steps.daemon_p50_ms:.2f} ms | | |")
    lines.append("| **off the path, while the box waits** | | | |")
    lines += [row(s) for s in steps.off_path]
    lines.append("| **minor page faults in all** (median) | | | |")
    lines += [f"| {s.name} | | | {s.faults:.0f} |" for s in steps.faults]
    return lines + [""]
