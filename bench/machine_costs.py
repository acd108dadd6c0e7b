"""What the machine itself charges for a fork, a page fault and a spawn, measured beside the results.

Machines of the same kind differ (microVMs, where page-table work is dear, charge several times what
a laptop does), and a stateless execution is mostly such work: printing these with the results says
how much of a figure is the machine rather than the daemon. The timing runs in cost_probe.py, in
a process of the daemon's interpreter, and takes under 2 s.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROBE_SOURCE = (Path(__file__).resolve().parent / "cost_probe.py").read_text(encoding="utf-8")
PROBE_TIMEOUT_SECONDS = 30
# Below this many faults per page touched, the kernel mapped the region some other way (huge pages,
# say) and the time per page is not the time of a fault.
FAULTS_PER_PAGE_AT_LEAST = 0.9


@dataclass(frozen=True)
class MachineCosts:
    """Medians of fork+exit+wait of a small Python and of spawning /bin/true in ms, and one minor
    page fault in µs; `spawn_error` says why /bin/true could not be spawned, if it could not."""

    python: str
    fork_ms: float
    forks: int
    fault_us: float
    faults_per_page: float
    fault_region_mib: int
    spawn_ms: float | None
    spawns: int
    spawn_error: str | None = None

    @property
    def faults_counted(self) -> bool:
        """Whether touching a page really cost one fault, so that `fault_us` is the cost of one."""
        return self.faults_per_page >= FAULTS_PER_PAGE_AT_LEAST


class CostsUnavailable(Exception):
    """The probe could not run, or said something other than its one JSON line."""


def measure_machine_costs(python: str) -> MachineCosts:
    """Runs the probe with `python` (the daemon's interpreter) as the benchmark's own user."""
    try:
        done = subprocess.run([python, "-c", PROBE_SOURCE], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT_SECONDS, check=False, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CostsUnavailable(f"{python} could not run the probe: {error}") from error
    if done.returncode != 0:
        raise CostsUnavailable(f"the probe exited with code {done.returncode}: {done.stderr.strip()[-300:]}")
    try:
        answer = json.loads(done.stdout)
        return MachineCosts(python, answer["forkMs"], answer["forks"], answer["faultUs"], answer["faultsPerPage"],
                            answer["regionMib"], answer.get("spawnMs"), answer.get("spawns", 0),
                            answer.get("spawnError"))
    except (ValueError, KeyError, TypeError) as error:
        raise CostsUnavailable(f"the probe answered {done.stdout.strip()[:200]!r}") from error
