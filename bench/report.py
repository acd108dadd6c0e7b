"""The run as a readable report for a terminal, and as Markdown for docs/performance.md."""
from __future__ import annotations

from cases import BARE_SPAWN_NAME, CONTEXT_NAME, HTTP_CASES, JUPYTER_NAME, PACED_NAME, PRINT_42
from load import LoadResult
from memory import TreeRss
from report_costs import costs_markdown, costs_text, split_markdown, split_text
from results import BenchRun, ratio
from steps import steps_markdown, steps_text

KIB_PER_MIB = 1024
# A goal's comparison, by (at_most, strict).
TEXT_SIGNS = {(True, False): "<=", (True, True): "<", (False, False): ">=", (False, True): ">"}
MARKDOWN_SIGNS = {(True, False): "≤", (True, True): "<", (False, False): "≥", (False, True): ">"}


def label(case: str, code: str = "") -> str:
    """The row's name; `code` is the Markdown backtick, empty for plain text."""
    if case == BARE_SPAWN_NAME:
        return f"bare {code}python -c 'print(42)'{code}"
    if case == PACED_NAME:
        return f"{code}print(42){code} via HTTP, 100 ms apart"
    if case == CONTEXT_NAME:
        return f"{code}print(42){code} in a context via HTTP"
    if case == JUPYTER_NAME:
        return f"{code}print(42){code} in a Jupyter kernel"
    return f"{code}{case}{code} via HTTP" if case == PRINT_42.name else f"{case} via HTTP"


def flags_text(flags: list[str]) -> str:
    return " ".join(flags) if flags else "none (defaults)"


def mib(kib: int) -> str:
    return f"{kib / KIB_PER_MIB:.1f} MiB"


def ratios(run: BenchRun, result: LoadResult) -> tuple[str, str, str]:
    """p50, throughput and machine CPU per execution of `result` relative to the bare spawn at the
    same concurrency; empty for the bare spawn itself."""
    if result.case == BARE_SPAWN_NAME:
        return "", "", ""
    bare = run.baseline(result.concurrency)
    return (f"{ratio(result.p50, bare.p50):.2f}x", f"{ratio(result.throughput, bare.throughput):.2f}x",
            f"{ratio(result.cpu_per_execution_ms, bare.cpu_per_execution_ms):.2f}x")


def ordered_loads(run: BenchRun) -> list[LoadResult]:
    """HTTP cases first, then the context next to the Jupyter kernel, then the baseline, each by concurrency."""
    order = ([HTTP_CASES[0].name, PACED_NAME] + [case.name for case in HTTP_CASES[1:]]
             + [CONTEXT_NAME, JUPYTER_NAME, BARE_SPAWN_NAME])
    return sorted(run.loads, key=lambda r: (order.index(r.case), r.concurrency))


def tree_text(tree: TreeRss) -> str:
    return (f"{mib(tree.daemon_kib)}   (its {tree.descendant_count} child processes: {mib(tree.descendants_kib)} RSS,"
            f" {mib(tree.descendants_pss_kib)} PSS)")


def tree_markdown(tree: TreeRss) -> str:
    return (f"{mib(tree.daemon_kib)} (+ {tree.descendant_count} child processes, {mib(tree.descendants_kib)} RSS,"
            f" {mib(tree.descendants_pss_kib)} PSS)")


def text_report(run: BenchRun) -> str:
    """The report for a terminal: setup, start, load table, where one execution's CPU goes, goals,
    memory, stop and the verdict."""
    split = split_text(run.cpu_split, label(PRINT_42.name))
    steps = steps_text(run.steps, label(PRINT_42.name))
    lines = (_text_header(run) + [""] + _text_loads(run) + [""] + split + [""] + steps + [""] + _text_goals(run) + [""]
             + _text_memory(run))
    if run.stop is not None:
        lines.append(f"\nstop      {run.stop.signal}, exit code {run.stop.exit_code} after {run.stop.millis:.0f} ms")
    lines.append(answers_text(run))
    return "\n".join(lines)


def _text_header(run: BenchRun) -> list[str]:
    m = run.machine
    return [
        f"interpreterd benchmark, {m.date}",
        f"machine   {m.nproc} CPUs (nproc), {m.memory_gib:.1f} GiB RAM, {m.cpu_model}, Linux {m.kernel},"
        f" load average {m.load_average:.2f} at start",
        f"costs     {costs_text(run.costs, run.costs_error)}",
        f"java      {m.java_version}",
        f"daemon    interpreterd {run.daemon_version}, extra flags: {flags_text(run.flags)}",
        f"python    {run.python} ({run.python_version})",
        f"bare      {bare_text(run)}",
        f"context   {context_text(run)}",
        f"jupyter   {jupyter_text(run)}",
        "cpu       machine CPU per execution: busy time of all CPUs in /proc/stat over the measured"
        " requests (everything that ran, this script included) / executions",
        f"load      {run.requests} requests per case after {run.warmup} warm-up; each thread has its own"
        " keep-alive connection; every answer checked",
        "",
        f"start     listening logged after {run.startup.listening_ms:.1f} ms,"
        f" /health 200 after {run.startup.ready_ms:.1f} ms (from process start)",
    ]


def bare_text(run: BenchRun) -> str:
    """Which interpreter the bare spawn starts, and as whom."""
    user = run.code_user
    who = f"as {user.name} (uid {user.uid}), the code's user" if user else "as the benchmark's own user"
    return f"{run.python} -c 'print(42)', the daemon's interpreter, {who}"


def context_text(run: BenchRun) -> str:
    """How the context was used, or why none was."""
    if run.context_skipped is not None:
        return f"skipped: {run.context_skipped}"
    if run.context_error is not None:
        return f"FAILED: {run.context_error}"
    return ("one context, made before its case and deleted after it; each answer must name it"
            " and must not say contextRestarted")


def jupyter_text(run: BenchRun) -> str:
    """Which kernel was measured, or why none was."""
    if run.jupyter_skipped is not None:
        return f"skipped: {run.jupyter_skipped}"
    if run.jupyter_error is not None:
        return f"FAILED: {run.jupyter_error}"
    return f"ipykernel of {run.python}, started once, as the benchmark's own user"


def _text_loads(run: BenchRun) -> list[str]:
    lines = [f"{'case':<34}{'conc':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'exec/s':>9}{'CPU ms':>8}"
             f"{'p50/bare':>10}{'exec/s/bare':>13}{'CPU/bare':>10}{'failed':>8}"]
    for r in ordered_loads(run):
        p50_ratio, throughput_ratio, cpu_ratio = ratios(run, r)
        lines.append(f"{label(r.case):<34}{r.concurrency:>5}{r.p50:>9.1f}{r.p95:>9.1f}{r.p99:>9.1f}"
                     f"{r.throughput:>9.1f}{r.cpu_per_execution_ms:>8.2f}{p50_ratio:>10}{throughput_ratio:>13}"
                     f"{cpu_ratio:>10}{r.failures:>8}")
    return lines


def _text_goals(run: BenchRun) -> list[str]:
    lines = ["goals"]
    for goal in run.goals():
        sign = TEXT_SIGNS[goal.at_most, goal.strict]
        lines.append(f"  {goal.name}: {goal.measured:.2f} (goal {sign} {goal.target:.1f})"
                     f" {'met' if goal.met else 'NOT MET'}")
    return lines


def _text_memory(run: BenchRun) -> list[str]:
    lines = ["memory (VmRSS of the java process)", f"  after start          {tree_text(run.after_start)}"]
    if run.idle is not None:
        lines.append(f"  idle after the runs  {tree_text(run.idle)}")
    if run.flood is not None:
        lines.append(f"  stdout flood         {flood_text(run)}")
    return lines


def answers_text(run: BenchRun) -> str:
    problems = run.problems()
    if not problems:
        checked = sum(len(r.latencies_ms) for r in run.loads) + (1 if run.flood else 0)
        return f"answers   all {checked} measured answers correct (and every warm-up one)"
    return "answers   WRONG:\n" + "\n".join(f"  {problem}" for problem in problems)


def flood_text(run: BenchRun) -> str:
    f = run.flood
    rate = f.mebibytes / f.seconds if f.seconds > 0 else float("nan")
    return (f"max {mib(f.max_rss_kib)} while {f.mebibytes} MiB were written ({f.rss_samples} samples every 20 ms);"
            f" took {f.seconds:.2f} s ({rate:.0f} MiB/s); stdoutTruncated {str(f.truncated).lower()},"
            f" {f.kept_bytes} bytes kept" + ("" if f.ok else f"; WRONG: {f.problem}"))


def markdown_report(run: BenchRun, command: str) -> str:
    """A paragraph on the setup (the machine's own costs included) and three tables: the cases, where
    one execution's CPU goes, and the other measures; ready for docs/performance.md."""
    split = split_markdown(run.cpu_split, label(PRINT_42.name, "`"))
    steps = steps_markdown(run.steps, label(PRINT_42.name, "`"))
    return "\n".join([_markdown_setup(run, command), ""] + _markdown_loads(run) + [""] + split + steps
                     + _markdown_measures(run))


def _markdown_setup(run: BenchRun, command: str) -> str:
    m = run.machine
    flags = f"`{flags_text(run.flags)}`" if run.flags else "none"
    return (f"Measured with `{command}` on {m.date}: {m.nproc} CPUs (`nproc`, {m.cpu_model}),"
            f" {m.memory_gib:.1f} GiB RAM, Linux {m.kernel} (load average {m.load_average:.2f} at start),"
            f" {costs_markdown(run.costs, run.costs_error)}, Python {run.python_version} (`{run.python}`),"
            f" {m.java_version}, daemon flags: {flags}."
            f" {run.requests} requests per case after {run.warmup} warm-up; \"bare\" is `python -c 'print(42)'`"
            f" of the same interpreter, {markdown_bare_user(run)}, spawned from the same number of threads;"
            f" {markdown_context(run)}; {markdown_jupyter(run)}; \"CPU\" is the busy time of all CPUs"
            " (`/proc/stat`) over the measured requests divided by the executions, whatever ran them, the"
            " benchmark's client included.")


def markdown_bare_user(run: BenchRun) -> str:
    user = run.code_user
    return f"run as `{user.name}` like the code" if user else "run as the benchmark's own user"


def markdown_context(run: BenchRun) -> str:
    if run.context_skipped is not None:
        return f"no context was measured ({run.context_skipped})"
    if run.context_error is not None:
        return f"the context failed ({run.context_error})"
    return "`print(42)` in a context ran in one context, made before its requests and deleted after them"


def markdown_jupyter(run: BenchRun) -> str:
    if run.jupyter_skipped is not None:
        return "no Jupyter kernel was measured (`jupyter_client` or `ipykernel` missing)"
    if run.jupyter_error is not None:
        return f"the Jupyter kernel failed ({run.jupyter_error})"
    return "the Jupyter kernel is an ipykernel of the same interpreter, started once"


def _markdown_loads(run: BenchRun) -> list[str]:
    lines = ["| case | concurrency | p50 | p95 | p99 | executions/s | CPU per execution | p50 vs bare"
             " | executions/s vs bare | CPU vs bare |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in ordered_loads(run):
        p50_ratio, throughput_ratio, cpu_ratio = ratios(run, r)
        lines.append(f"| {label(r.case, '`')} | {r.concurrency} | {r.p50:.1f} ms | {r.p95:.1f} ms | {r.p99:.1f} ms"
                     f" | {r.throughput:.1f} | {r.cpu_per_execution_ms:.2f} ms | {p50_ratio or '—'}"
                     f" | {throughput_ratio or '—'} | {cpu_ratio or '—'} |")
    return lines


def _markdown_measures(run: BenchRun) -> list[str]:
    lines = ["| measure | value |", "|---|---|",
             f"| start to `/health` 200 | {run.startup.ready_ms:.0f} ms (listening logged at"
             f" {run.startup.listening_ms:.0f} ms) |",
             f"| daemon RSS, after start | {tree_markdown(run.after_start)} |"]
    if run.idle is not None:
        lines.append(f"| daemon RSS, idle after the runs | {tree_markdown(run.idle)} |")
    if run.flood is not None:
        f = run.flood
        lines.append(f"| daemon RSS, max during a {f.mebibytes} MiB stdout flood | {mib(f.max_rss_kib)}"
                     f" (flood took {f.seconds:.2f} s, stdoutTruncated {str(f.truncated).lower()}) |")
    for goal in run.goals():
        sign = MARKDOWN_SIGNS[goal.at_most, goal.strict]
        lines.append(f"| goal: {goal.name} {sign} {goal.target:g} | {goal.measured:.2f},"
                     f" {'met' if goal.met else 'not met'} |")
    return lines
