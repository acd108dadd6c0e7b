"""Everything one benchmark run measured, and the goals derived from it."""
from __future__ import annotations

from dataclasses import dataclass, field

from cases import BARE_SPAWN_NAME, CONTEXT_NAME, JUPYTER_NAME, PACED_NAME, PRINT_42
from code_user import CodeUser, user_to_switch_to
from cpu_split import CpuSplit
from steps import Steps
from daemon_process import Startup, Stop
from flood import FloodResult
from load import LoadResult
from machine import Machine
from machine_costs import MachineCosts
from memory import TreeRss

GOAL_P50_VS_BARE_AT_MOST = 0.3
GOAL_P50_VS_JUPYTER_AT_MOST = 2.0
GOAL_CONTEXT_P50_VS_JUPYTER_AT_MOST = 1.0
GOAL_CONTEXT_P50_MS_UNDER = 2.0
GOAL_THROUGHPUT_VS_BARE_AT_LEAST = 3.0
GOAL_CPU_VS_BARE_AT_MOST = 0.5
GOAL_READY_SECONDS_AT_MOST = 0.5
MS_PER_SECOND = 1000


def ratio(measured: float, reference: float) -> float:
    """measured / reference, NaN when the reference is 0 (every call of it failed, say)."""
    return measured / reference if reference else float("nan")


@dataclass(frozen=True)
class Goal:
    """A stated target: `measured` compared with `target` in the direction of `at_most`, the target
    itself excluded when `strict`."""

    name: str
    measured: float
    target: float
    at_most: bool
    strict: bool = False

    @property
    def met(self) -> bool:
        if self.at_most:
            return self.measured < self.target if self.strict else self.measured <= self.target
        return self.measured > self.target if self.strict else self.measured >= self.target


@dataclass
class BenchRun:
    machine: Machine
    flags: list[str]
    requests: int
    warmup: int
    startup: Startup
    after_start: TreeRss
    loads: list[LoadResult] = field(default_factory=list)
    idle: TreeRss | None = None
    flood: FloodResult | None = None
    stop: Stop | None = None
    # Why no Jupyter kernel was measured (what to install), or why its start failed.
    jupyter_skipped: str | None = None
    jupyter_error: str | None = None
    # Why no context was measured (the daemon has none here), or why making or deleting it failed.
    context_skipped: str | None = None
    context_error: str | None = None
    # Where the CPU of print(42) via HTTP at concurrency 1 went, process by process.
    cpu_split: CpuSplit | None = None
    steps: Steps | None = None
    # What the machine charges for a fork, a page fault and a spawn, or why the probe failed.
    costs: MachineCosts | None = None
    costs_error: str | None = None

    @property
    def python(self) -> str:
        return self.startup.health["python"]["executable"]

    @property
    def python_version(self) -> str:
        return self.startup.health["python"]["version"]

    @property
    def code_user(self) -> CodeUser | None:
        """The user the daemon runs the code as, when it is not the benchmark's own."""
        return user_to_switch_to(self.startup.health)

    @property
    def daemon_version(self) -> str:
        return str(self.startup.health.get("version", "?"))

    def load(self, case: str, concurrency: int) -> LoadResult:
        return next(r for r in self.loads if r.case == case and r.concurrency == concurrency)

    def jupyter(self) -> LoadResult | None:
        """The Jupyter kernel's print(42), when it was measured."""
        return next((r for r in self.loads if r.case == JUPYTER_NAME), None)

    def context(self) -> LoadResult | None:
        """print(42) in a context, when it was measured."""
        return next((r for r in self.loads if r.case == CONTEXT_NAME), None)

    def baseline(self, concurrency: int) -> LoadResult:
        return self.load(BARE_SPAWN_NAME, concurrency)

    def goals(self) -> list[Goal]:
        """The targets the daemon is measured against: the bare spawn, a Jupyter kernel when there
        was one, a fixed latency for an execution in a context when there was one, and its own start."""
        http_1, bare_1 = self.load(PRINT_42.name, 1), self.baseline(1)
        goals = [
            Goal("p50 of print(42) via HTTP / p50 of bare spawn, both at concurrency 1",
                 ratio(http_1.p50, bare_1.p50), GOAL_P50_VS_BARE_AT_MOST, True),
            Goal("the same, with requests 100 ms apart (an assistant's pace)",
                 ratio(self.load(PACED_NAME, 1).p50, bare_1.p50), GOAL_P50_VS_BARE_AT_MOST, True),
        ]
        if self.jupyter() is not None:
            goals.append(Goal("p50 of print(42) via HTTP at concurrency 1 / p50 of print(42) in a Jupyter kernel",
                              ratio(http_1.p50, self.jupyter().p50), GOAL_P50_VS_JUPYTER_AT_MOST, True))
        goals += self.context_goals()
        return goals + [
            Goal("throughput of print(42) via HTTP at concurrency 8 / bare spawn loop at concurrency 2",
                 ratio(self.load(PRINT_42.name, 8).throughput, self.baseline(2).throughput),
                 GOAL_THROUGHPUT_VS_BARE_AT_LEAST, False),
            Goal("machine CPU per execution of print(42) via HTTP / of bare spawn, both at concurrency 1",
                 self.cpu_vs_bare(1), GOAL_CPU_VS_BARE_AT_MOST, True),
            Goal("the same, both at concurrency 8", self.cpu_vs_bare(8), GOAL_CPU_VS_BARE_AT_MOST, True),
            Goal("start to /health 200, in seconds", self.startup.ready_ms / MS_PER_SECOND,
                 GOAL_READY_SECONDS_AT_MOST, True),
        ]

    def context_goals(self) -> list[Goal]:
        """print(42) in a context against the Jupyter kernel's, when both were measured, and against
        a fixed latency, when it was measured."""
        context = self.context()
        if context is None:
            return []
        goals = []
        if self.jupyter() is not None:
            goals.append(Goal("p50 of print(42) in a context via HTTP / p50 of print(42) in a Jupyter kernel,"
                              " both at concurrency 1", ratio(context.p50, self.jupyter().p50),
                              GOAL_CONTEXT_P50_VS_JUPYTER_AT_MOST, True))
        goals.append(Goal("p50 of print(42) in a context via HTTP at concurrency 1, in ms", context.p50,
                          GOAL_CONTEXT_P50_MS_UNDER, True, strict=True))
        return goals

    def cpu_vs_bare(self, concurrency: int) -> float:
        """Machine CPU per execution of print(42) via HTTP over that of the bare spawn, at one concurrency."""
        return ratio(self.load(PRINT_42.name, concurrency).cpu_per_execution_ms,
                     self.baseline(concurrency).cpu_per_execution_ms)

    def problems(self) -> list[str]:
        """Every wrong answer or failed step; the run fails when this is not empty."""
        found = [f"{r.case} at concurrency {r.concurrency}: {r.failures} failed ({'; '.join(r.failure_messages)})"
                 for r in self.loads if r.failures]
        if self.flood is not None and not self.flood.ok:
            found.append(f"flood: {self.flood.problem}")
        if self.context_error is not None:
            found.append(f"context: {self.context_error}")
        if self.jupyter_error is not None:
            found.append(f"Jupyter kernel: {self.jupyter_error}")
        if self.costs_error is not None:
            found.append(f"machine costs: {self.costs_error}")
        return found
