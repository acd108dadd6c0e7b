"""What the machine charges and where one execution's CPU goes, as report lines for a terminal and
as Markdown for docs/performance.md."""
from __future__ import annotations

from cpu_split import CpuSplit
from machine_costs import MachineCosts

SPLIT_NAME_WIDTH = 60


def costs_text(costs: MachineCosts | None, error: str | None) -> str:
    """The machine's fork, page fault and spawn for the report's header, or why they are not known."""
    if error is not None:
        return f"FAILED: {error}"
    if costs is None:
        return "not measured"
    return (f"fork+exit+wait of a small python {costs.fork_ms:.2f} ms (median of {costs.forks}), a minor page"
            f" fault {costs.fault_us:.1f} µs ({_faults_counted(costs)}), spawning /bin/true {_spawn_text(costs)};"
            f" timed with {costs.python}")


def _faults_counted(costs: MachineCosts) -> str:
    per_page = f"{costs.faults_per_page:.2f} faults per page of {costs.fault_region_mib} MiB written"
    return per_page if costs.faults_counted else per_page + ", so the time is not that of one fault"


def _spawn_text(costs: MachineCosts) -> str:
    if costs.spawn_error is not None:
        return f"failed ({costs.spawn_error})"
    return f"{costs.spawn_ms:.2f} ms (median of {costs.spawns})"


def costs_markdown(costs: MachineCosts | None, error: str | None) -> str:
    """The machine's own costs as a clause of the setup sentence."""
    if costs is None:
        return f"machine costs unknown ({error or 'not measured'})"
    fault = (f"{costs.fault_us:.1f} µs" if costs.faults_counted
             else f"not timed ({costs.faults_per_page:.2f} faults per page)")
    spawn = f"{costs.spawn_ms:.1f} ms" if costs.spawn_error is None else "failed"
    return (f"where fork+exit+wait of a small Python takes {costs.fork_ms:.1f} ms (median), a minor page fault"
            f" {fault} and spawning `/bin/true` {spawn}")


def _split_title(split: CpuSplit, case: str) -> str:
    return f"where the CPU of one execution goes: {case} at concurrency 1, {split.executions} executions"


def split_text(split: CpuSplit | None, case: str) -> list[str]:
    """The split as an indented table, its notes below it; `case` names the case measured."""
    if split is None:
        return ["where the CPU of one execution goes: not measured"]
    lines = [_split_title(split, case), f"  {'who':<{SPLIT_NAME_WIDTH - 2}}{'CPU ms':>8}{'minor faults':>14}"]
    for share in split.shares:
        indent = "    " if share.part else "  "
        lines.append(f"{indent}{share.name:<{SPLIT_NAME_WIDTH - len(indent)}}{share.ms:>8.2f}{share.faults:>14.1f}")
    lines.append(f"  per execution; /proc counts CPU in clock ticks, {split.resolution_ms:.2f} ms per execution here")
    return lines + [f"  {note}" for note in split.notes]


def split_markdown(split: CpuSplit | None, case: str) -> list[str]:
    """The split as a Markdown table and a sentence of notes, then a blank line; nothing when it was not measured."""
    if split is None:
        return []
    lines = [f"| {_split_title(split, case)} | CPU | minor faults |", "|---|---:|---:|"]
    lines += [f"| {'↳ ' if share.part else ''}{share.name} | {share.ms:.2f} ms | {share.faults:.1f} |"
              for share in split.shares]
    notes = [f"Per execution, to {split.resolution_ms:.2f} ms (/proc counts CPU in clock ticks)"] + split.notes
    return lines + ["", "; ".join(notes) + ".", ""]
