"""CPU time of the whole machine, read from /proc/stat (Linux only).

The machine's busy time over a run, divided by the executions it served, is what one execution costs
however the work is split: the client, the daemon, its workers and the code's own process all count,
and so does anything else that ran meanwhile, which is why a busy machine inflates it.
"""
from __future__ import annotations

import os

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# The columns of /proc/stat's "cpu" line that are time spent working; idle and iowait are not, and
# guest time is already part of user time.
BUSY_COLUMNS = ("user", "nice", "system", "irq", "softirq", "steal")
COLUMNS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def busy_cpu_ms() -> float:
    """All CPUs' busy time since boot in ms, at the kernel's clock-tick resolution."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()
    if fields[0] != "cpu":
        raise OSError(f"/proc/stat starts with {fields[0]!r}, not the 'cpu' line")
    ticks = dict(zip(COLUMNS, map(int, fields[1:])))
    return sum(ticks.get(column, 0) for column in BUSY_COLUMNS) * 1000 / TICKS_PER_SECOND
