"""Resident memory of the daemon, read from /proc (Linux only)."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass

SAMPLE_INTERVAL_SECONDS = 0.020


def vm_rss_kib(pid: int) -> int:
    """VmRSS of one process in KiB, or 0 when it is gone or a kernel thread."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB: its private pages, plus its share of shared ones.

    Forked processes share most of their pages with their parent; summing their RSS counts those
    pages once per process, summing PSS counts them once. 0 when the process is gone or unreadable.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (workers, pooled or running), found through their parent ids."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_pid(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # The name in parentheses may hold spaces; the fields after the last ')' do not.
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


@dataclass(frozen=True)
class TreeRss:
    """The daemon's own RSS, and the summed RSS (shared pages counted each time) and PSS of its descendants."""

    daemon_kib: int
    descendants_kib: int
    descendant_count: int
    descendants_pss_kib: int


def tree_rss(pid: int) -> TreeRss:
    """Measures the daemon and everything it started: its zygote and boxes, or a warm pool of workers."""
    below = descendants(pid)
    return TreeRss(vm_rss_kib(pid), sum(vm_rss_kib(child) for child in below), len(below),
                   sum(pss_kib(child) for child in below))


class RssSampler:
    """Samples one process's VmRSS every 20 ms on a thread, keeping the maximum."""

    def __init__(self, pid: int):
        self._pid = pid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")
        self.max_kib = 0
        self.samples = 0

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.max_kib = max(self.max_kib, vm_rss_kib(self._pid))
            self.samples += 1
            self._stop.wait(SAMPLE_INTERVAL_SECONDS)
