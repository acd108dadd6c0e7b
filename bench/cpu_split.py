"""Where the CPU of one execution goes, process by process, from /proc before and after the measured
requests (Linux only).

The daemon's processes form a tree: the JVM; its zygote, the child whose command line holds
--zygote; the zygote's children, the box inits; and each init's children, which run the code. Under
--launcher spawn the JVM's children are supervisors instead, each with the code's process as its
child. What a subtree used between two samples is the sum of its live processes' own and reaped
CPU (see proc_tasks.py) at the end, less the same at the start: a process alive at both counts its
difference, one started in between all it has, and one that ended is in its reaper's reaped share,
less what it had used before the first sample. The client is this process (os.times), the machine
the busy time of all CPUs (/proc/stat); what the machine did besides the named processes is the
remainder: kernel threads (a namespace's or a cgroup's teardown runs in kworkers), interrupts, and
anything else that ran.
"""
from __future__ import annotations

import os
import re
import resource
from dataclasses import dataclass

from cpu import TICKS_PER_SECOND, busy_cpu_ms
from proc_tasks import ProcessTable, Task, Usage, machine_faults, read_threads

MS_PER_SECOND = 1000
# Threads named alike (JettyServerThre, C1 CompilerThre, GC Thread#0) form one group once the
# numbers that tell them apart are gone.
THREAD_NUMBER = re.compile(r"[-#_ \d]+$")
THREAD_GROUPS_SHOWN = 5


@dataclass(frozen=True)
class Sample:
    """The daemon's processes and threads, this client, and the machine, at one moment."""

    table: ProcessTable
    threads: dict[tuple[int, int], Task]
    client_ms: float
    client_faults: int
    machine_ms: float
    machine_faults: int


def _client() -> tuple[float, int]:
    """This process's own CPU in ms (every thread of it, not its children) and its minor faults."""
    times = os.times()
    return (times.user + times.system) * MS_PER_SECOND, resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def sample_before(daemon_pid: int) -> Sample:
    """Reads the processes first and the machine last, so that reading /proc is not in the window."""
    table, threads = ProcessTable(daemon_pid), read_threads(daemon_pid)
    client_ms, client_faults = _client()
    return Sample(table, threads, client_ms, client_faults, busy_cpu_ms(), machine_faults())


def sample_after(daemon_pid: int) -> Sample:
    """Reads the machine first and the processes last, the mirror of `sample_before`."""
    machine_ms, faults = busy_cpu_ms(), machine_faults()
    client_ms, client_faults = _client()
    return Sample(ProcessTable(daemon_pid), read_threads(daemon_pid), client_ms, client_faults, machine_ms, faults)


@dataclass(frozen=True)
class Share:
    """One row: who used the CPU, in ms per execution, and its minor faults per execution;
    `part` marks a part of the row above it (a group of the JVM's threads)."""

    name: str
    ms: float
    faults: float
    part: bool = False


@dataclass(frozen=True)
class CpuSplit:
    """The rows, the executions they are divided by, and what a reader needs to weigh them."""

    executions: int
    shares: list[Share]
    notes: list[str]

    @property
    def resolution_ms(self) -> float:
        """The clock tick divided by the executions: how finely a row can tell."""
        return MS_PER_SECOND / TICKS_PER_SECOND / self.executions if self.executions else float("nan")


class CpuSampler:
    """Samples at the start and at the end of a load's measured phase (its `begin` and `end`), then
    splits; `boxes` says whether the daemon runs stateless executions in boxes (its /health says
    `namespaces`) or in supervisors (--launcher spawn)."""

    def __init__(self, daemon_pid: int, boxes: bool):
        self._pid = daemon_pid
        self._boxes = boxes
        self._before: Sample | None = None
        self._after: Sample | None = None

    def begin(self) -> None:
        self._before = sample_before(self._pid)

    def end(self) -> None:
        self._after = sample_after(self._pid)

    def split(self, executions: int) -> CpuSplit:
        """Per execution, from the two samples; call after the phase ended."""
        if self._before is None or self._after is None:
            raise RuntimeError("the measured phase was not sampled at both ends")
        return _Splitter(self._pid, self._boxes, self._before, self._after, max(executions, 1)).split()


class _Splitter:
    def __init__(self, pid: int, boxes: bool, before: Sample, after: Sample, executions: int):
        self._pid, self._boxes, self._before, self._after, self._executions = pid, boxes, before, after, executions
        self._shares: list[Share] = []

    def _used(self, pid: int | None, measure) -> Usage:
        """What `measure` (ProcessTable.own or .subtree) of a process alive at the end grew by."""
        start, end = self._before.table, self._after.table
        if pid is None or pid not in end.tasks:
            return Usage()
        grown = measure(end, pid)
        return grown - measure(start, pid) if start.same(end.tasks[pid]) else grown

    def _add(self, name: str, usage: Usage, part: bool = False) -> None:
        ms = usage.ticks * MS_PER_SECOND / TICKS_PER_SECOND
        self._add_ms(name, ms, usage.faults, part)

    def _add_unless_nothing(self, name: str, usage: Usage) -> None:
        if usage != Usage():
            self._add(name, usage)

    def _add_ms(self, name: str, ms: float, faults: int, part: bool = False) -> None:
        self._shares.append(Share(name, ms / self._executions, faults / self._executions, part))

    def split(self) -> CpuSplit:
        before, after = self._before, self._after
        client_ms, client_faults = after.client_ms - before.client_ms, after.client_faults - before.client_faults
        self._add_ms("benchmark client (this script)", client_ms, client_faults)
        jvm_own, jvm_tree = self._used(self._pid, ProcessTable.own), self._used(self._pid, ProcessTable.subtree)
        self._add("daemon: the JVM", jvm_own)
        self._add_threads(jvm_own)
        notes = self._add_children(jvm_tree - jvm_own)
        named_ms = client_ms + jvm_tree.ticks * MS_PER_SECOND / TICKS_PER_SECOND
        machine_ms, machine_faults = after.machine_ms - before.machine_ms, after.machine_faults - before.machine_faults
        self._add_ms("remainder: kernel threads, other processes", machine_ms - named_ms,
                     machine_faults - client_faults - jvm_tree.faults)
        self._add_ms("whole machine (/proc/stat busy)", machine_ms, machine_faults)
        return CpuSplit(self._executions, self._shares, notes)

    def _add_threads(self, jvm_own: Usage) -> None:
        """The JVM's threads grouped by name; threads that ended are what the groups leave of the JVM's own."""
        groups: dict[str, Usage] = {}
        for key, thread in self._after.threads.items():
            earlier = self._before.threads.get(key)
            grown = thread.own - earlier.own if earlier is not None else thread.own
            group = THREAD_NUMBER.sub("", thread.name) or thread.name
            groups[group] = groups.get(group, Usage()) + grown
        # The busiest groups by name; the others, and those idle in the window, in one row.
        ranked = sorted(((name, usage) for name, usage in groups.items() if usage != Usage()),
                        key=lambda item: -item[1].ticks)
        for name, usage in ranked[:THREAD_GROUPS_SHOWN]:
            self._add(f"threads {name}*", usage, part=True)
        rest = ranked[THREAD_GROUPS_SHOWN:]
        if rest:
            self._add(f"{len(rest)} other groups of threads", sum((usage for _, usage in rest), Usage()), part=True)
        self._add("threads that ended, and rounding", jvm_own - sum(groups.values(), Usage()), part=True)

    def _add_children(self, below_jvm: Usage) -> list[str]:
        """The rows below the JVM: its zygote and boxes, or the supervisors of --launcher spawn."""
        zygote = self._after.table.zygote
        zygote_own, zygote_tree = self._used(zygote, ProcessTable.own), self._used(zygote, ProcessTable.subtree)
        if not self._boxes:
            self._add("supervisors and the code's processes, reaped by the JVM", below_jvm - zygote_tree)
            # Contexts live in boxes whichever the launcher; none is used by stateless executions.
            self._add_unless_nothing("zygote and the boxes of contexts", zygote_tree)
            return ["no boxes (--launcher spawn): each execution's supervisor and the code's process it forks"
                    " end with the execution and the JVM reaps both, so their shares are one row"]
        inits = self._after.table.children.get(zygote, []) if zygote is not None else []
        inits_own = sum((self._used(pid, ProcessTable.own) for pid in inits), Usage())
        inits_tree = sum((self._used(pid, ProcessTable.subtree) for pid in inits), Usage())
        self._add("zygote", zygote_own)
        self._add("box inits, their own work", inits_own)
        self._add("the code's processes, reaped by the inits", inits_tree - inits_own)
        # Rows of what seldom happens while the same boxes serve back-to-back requests: shown when it did.
        self._add_unless_nothing("boxes that ended, reaped by the zygote", zygote_tree - zygote_own - inits_tree)
        self._add_unless_nothing("other children of the JVM", below_jvm - zygote_tree)
        return [self._inits_note(zygote, inits)]

    def _inits_note(self, zygote: int, inits_after: list[int]) -> str:
        start, end = self._before.table, self._after.table
        both = sum(1 for pid in inits_after if start.same(end.tasks[pid]))
        ended = sum(1 for pid in start.children.get(zygote, []) if not end.same(start.tasks[pid]))
        return (f"box inits: {both} alive at both samples, {len(inits_after) - both} started and {ended} ended"
                " in between; a box that ended counts with its children in 'boxes that ended'")
