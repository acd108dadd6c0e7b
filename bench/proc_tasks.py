"""Processes and threads as /proc shows them at one moment: who is whose child, and what each has
used (Linux only).

/proc/PID/stat gives a process's own CPU (utime+stime) and that of the children it has reaped,
theirs included (cutime+cstime); minor faults likewise (minflt, cminflt). Times are clock ticks.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

ZYGOTE_FLAG = b"--zygote"


@dataclass(frozen=True)
class Usage:
    """CPU time in clock ticks and minor page faults."""

    ticks: int = 0
    faults: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.ticks + other.ticks, self.faults + other.faults)

    def __sub__(self, other: "Usage") -> "Usage":
        return Usage(self.ticks - other.ticks, self.faults - other.faults)


@dataclass(frozen=True)
class Task:
    """One process or thread at one moment: `own` is its own work, `reaped` that of the children it
    waited for; `started` (ticks after boot) tells it from a later one with the same id."""

    id: int
    parent: int
    started: int
    name: str
    own: Usage
    reaped: Usage


def read_task(stat_path: str) -> Task | None:
    """Parses a /proc/.../stat file; None when the process or thread is gone."""
    try:
        with open(stat_path, encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The name in parentheses may hold spaces and parentheses; the fields after the last ')' do not.
    head, tail = text.rsplit(")", 1)
    fields = [int(field) if field.lstrip("-").isdigit() else 0 for field in tail.split()]
    return Task(int(head.split(" (", 1)[0]), fields[1], fields[19], head.split(" (", 1)[1],
                own=Usage(fields[11] + fields[12], fields[7]), reaped=Usage(fields[13] + fields[14], fields[8]))


class ProcessTable:
    """Every process on the machine at one moment, with the daemon's zygote when it has one."""

    def __init__(self, daemon_pid: int):
        self.tasks: dict[int, Task] = {}
        self.children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            task = read_task(f"/proc/{entry}/stat") if entry.isdigit() else None
            if task is not None:
                self.tasks[task.id] = task
                self.children.setdefault(task.parent, []).append(task.id)
        self.zygote = next((pid for pid in self.children.get(daemon_pid, []) if _is_zygote(pid)), None)

    def same(self, task: Task) -> bool:
        """Whether this table holds that very process, not merely one with the same pid."""
        mine = self.tasks.get(task.id)
        return mine is not None and mine.started == task.started

    def own(self, pid: int) -> Usage:
        return self.tasks[pid].own if pid in self.tasks else Usage()

    def subtree(self, pid: int) -> Usage:
        """Own and reaped work of the process and of every live process below it."""
        task = self.tasks.get(pid)
        if task is None:
            return Usage()
        return sum((self.subtree(child) for child in self.children.get(pid, [])), task.own + task.reaped)


def _is_zygote(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return ZYGOTE_FLAG in cmdline.read().split(b"\0")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False


def read_threads(pid: int) -> dict[tuple[int, int], Task]:
    """The threads of one process, by (thread id, start time)."""
    try:
        ids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return {}
    tasks = (read_task(f"/proc/{pid}/task/{tid}/stat") for tid in ids)
    return {(task.id, task.started): task for task in tasks if task is not None}


def machine_faults() -> int:
    """Page faults of the whole machine since boot (/proc/vmstat pgfault)."""
    with open("/proc/vmstat", encoding="ascii") as vmstat:
        for line in vmstat:
            name, value = line.split()
            if name == "pgfault":
                return int(value)
    return 0
