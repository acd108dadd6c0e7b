#!/usr/bin/env python3
"""Benchmark of interpreterd: start-to-ready time, latency, throughput and machine CPU per execution
next to a bare interpreter spawn and a Jupyter kernel, where one stateless execution's CPU goes
process by process, idle memory, memory under an stdout flood, and what the machine itself charges
for a fork, a page fault and a spawn.

Usage (from the repository root, after `mvn -q -B package -DskipTests`):
  python3 bench/run.py                                  # full run, readable report
  python3 bench/run.py --markdown                       # also a Markdown table for docs/performance.md
  python3 bench/run.py --smoke                          # a quick check for CI; exit 1 on any wrong answer
  python3 bench/run.py -- --launcher spawn      # flags after -- go to the daemon

The benchmark starts its own daemon on 127.0.0.1 with a free port and stops it at the end, even on
errors or Ctrl-C. The bare spawn and the Jupyter kernel use the interpreter the daemon's /health
names, and the bare spawn runs as the user the daemon runs the code as. print(42) in a context
runs in one context made for it and deleted after it; it is skipped when the daemon says it cannot
make contexts on this machine, or has --max-contexts 0. The Jupyter kernel is measured when the
python3 running this script can import jupyter_client. print(42) via HTTP at concurrency 1 is also
split by process (cpu_split.py), and the machine's costs are timed with the daemon's interpreter
once the runs are over (machine_costs.py). Every answer is checked; any wrong one makes the exit
status 1.
"""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__ when run from a checkout

import argparse  # noqa: E402
import functools  # noqa: E402
import shlex  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from callers import HttpCaller, PacedCaller, SpawnCaller  # noqa: E402
from cases import (BARE_SPAWN_NAME, CONTEXT_NAME, HTTP_CASES, JUPYTER_NAME, PACE_SECONDS,  # noqa: E402
                   PACED_NAME, PRINT_42)
from cpu_split import CpuSampler  # noqa: E402
from steps import TIMELINE_JVM_OPTION, steps_of  # noqa: E402
from daemon_context import ContextsUnavailable, DaemonContext, unavailable_reason  # noqa: E402
from daemon_process import DaemonError, DaemonProcess, reserved_flag, token_in  # noqa: E402
from flood import run_flood  # noqa: E402
from jupyter import JupyterKernel, skip_reason  # noqa: E402
from load import run_load  # noqa: E402
from machine import describe_machine  # noqa: E402
from machine_costs import CostsUnavailable, measure_machine_costs  # noqa: E402
from memory import tree_rss  # noqa: E402
from report import markdown_report, text_report  # noqa: E402
from results import BenchRun  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JAR = REPO_ROOT / "daemon" / "target" / "interpreterd.jar"
README_JVM_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
HTTP_CONCURRENCIES = (1, 8)
# The bare spawn also runs 2 in parallel, the reference of the throughput goal.
BARE_CONCURRENCIES = (1, 2, 8)
MAX_REQUESTS = 100_000
IDLE_PAUSE_SECONDS = 1.0
# The case whose CPU is split by process: stateless, sequential, after warm-up.
CPU_SPLIT_CASE = (PRINT_42.name, 1)
# What /health names as `isolation` when stateless executions run in boxes.
BOX_ISOLATION = "namespaces"
SMOKE = {"requests": 10, "warmup": 2, "flood_mib": 64}
# The daemon is measured in its steady state: the JIT needs a few hundred requests to warm up.
FULL = {"requests": 300, "warmup": 300, "flood_mib": 1024}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Our options before `--`, the daemon's flags after it."""
    ours, daemon_flags = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     usage="%(prog)s [options] [-- daemon flags]")
    parser.add_argument("--requests", type=bounded(1, MAX_REQUESTS), help="measured requests per case (300; smoke 10)")
    parser.add_argument("--warmup", type=bounded(0, MAX_REQUESTS), help="warm-up requests per case (300; smoke 2)")
    parser.add_argument("--flood-mib", type=bounded(0, 16 * 1024),
                        help="MiB of stdout in the flood, 0 to skip (1024; smoke 64)")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI, under ~20 s")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table for docs/performance.md")
    parser.add_argument("--jar", default=str(DEFAULT_JAR), help="daemon jar (%(default)s)")
    parser.add_argument("--java", default="java", help="java launcher (%(default)s)")
    parser.add_argument("--jvm-options", default=README_JVM_OPTIONS,
                        help="JVM options, as in the README's start command (%(default)s)")
    args = parser.parse_args(ours)
    for name, value in (SMOKE if args.smoke else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.daemon_flags = daemon_flags
    if reserved_flag(daemon_flags):
        parser.error(f"{reserved_flag(daemon_flags)}: the benchmark sets --host 127.0.0.1 and --port 0 itself")
    if not Path(args.jar).is_file():
        parser.error(f"{args.jar} not found; build it with: mvn -q -B package -DskipTests")
    return args


def bounded(low: int, high: int):
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value
    return parse


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure_loads(run: BenchRun, daemon: DaemonProcess, token: str | None, stop: threading.Event) -> None:
    """Every case at every concurrency; the bare spawn runs next to the daemon cases at the same level."""
    for concurrency in sorted(set(HTTP_CONCURRENCIES) | set(BARE_CONCURRENCIES)):
        plans = []
        if concurrency in BARE_CONCURRENCIES:
            plans.append((BARE_SPAWN_NAME, functools.partial(SpawnCaller, run.python, run.code_user)))
        if concurrency in HTTP_CONCURRENCIES:
            plans += [(case.name, functools.partial(HttpCaller, daemon.port, token, case)) for case in HTTP_CASES]
        if concurrency == 1:
            plans.append((PACED_NAME, lambda: PacedCaller(HttpCaller(daemon.port, token, PRINT_42), PACE_SECONDS)))
        for name, make_caller in plans:
            progress(f"{name} at concurrency {concurrency}")
            if (name, concurrency) == CPU_SPLIT_CASE:
                measure_with_split(run, daemon, make_caller, stop)
            else:
                run.loads.append(run_load(name, make_caller, concurrency, run.warmup, run.requests, stop))


def measure_with_split(run: BenchRun, daemon: DaemonProcess, make_caller, stop: threading.Event) -> None:
    """The split case, with /proc sampled right before and right after its measured requests; the
    other cases are measured without."""
    sampler = CpuSampler(daemon.pid, boxes=run.startup.health.get("isolation") == BOX_ISOLATION)
    name, concurrency = CPU_SPLIT_CASE
    result = run_load(name, make_caller, concurrency, run.warmup, run.requests, stop,
                      BothWatchers(daemon.timelines, sampler))
    run.loads.append(result)
    run.cpu_split = sampler.split(len(result.latencies_ms))
    run.steps = steps_of(daemon.timelines.lines, result.latencies_ms)


class BothWatchers:
    """The timeline log around the CPU sampler: the sampler's window holds nothing but the load."""

    def __init__(self, outer, inner):
        self.outer, self.inner = outer, inner

    def begin(self) -> None:
        self.outer.begin()
        self.inner.begin()

    def end(self) -> None:
        self.inner.end()
        self.outer.end()


def measure_context(run: BenchRun, daemon: DaemonProcess, token: str | None, stop: threading.Event) -> None:
    """print(42) in one context at concurrency 1, the context made before and deleted after; or why
    the daemon has none in `run.context_skipped`, or what failed in `run.context_error`."""
    run.context_skipped = unavailable_reason(run.startup.health)
    if run.context_skipped is not None:
        progress(f"context skipped: {run.context_skipped}")
        return
    progress(f"{CONTEXT_NAME} at concurrency 1")
    try:
        with DaemonContext(daemon.port, token) as context_id:
            make_caller = functools.partial(HttpCaller, daemon.port, token, PRINT_42, context_id)
            run.loads.append(run_load(CONTEXT_NAME, make_caller, 1, run.warmup, run.requests, stop))
    except ContextsUnavailable as reason:  # the daemon says this machine cannot make the boxes
        run.context_skipped = str(reason)
        progress(f"context skipped: {run.context_skipped}")
    except Exception as error:  # a context that cannot be made or deleted fails the run
        run.context_error = f"{type(error).__name__}: {error}"


def measure_jupyter(run: BenchRun, stop: threading.Event) -> None:
    """print(42) in one Jupyter kernel at concurrency 1, or the reason why not in `run.jupyter_skipped`."""
    run.jupyter_skipped = skip_reason(run.python)
    if run.jupyter_skipped is not None:
        progress(f"Jupyter kernel skipped: {run.jupyter_skipped}")
        return
    progress(f"{JUPYTER_NAME} at concurrency 1")
    try:
        with JupyterKernel(run.python) as kernel:
            run.loads.append(run_load(JUPYTER_NAME, functools.partial(kernel.caller, PRINT_42), 1,
                                      run.warmup, run.requests, stop))
    except Exception as error:  # a kernel that cannot start fails the run, and the report says why
        run.jupyter_error = f"{type(error).__name__}: {error}"


def measure_costs(run: BenchRun) -> None:
    """The machine's own fork, page fault and spawn, timed while the daemon is idle, with its interpreter."""
    progress("timing the machine's fork, page fault and spawn")
    try:
        run.costs = measure_machine_costs(run.python)
    except CostsUnavailable as error:
        run.costs_error = str(error)


def benchmark(args: argparse.Namespace) -> BenchRun:
    """Starts the daemon, measures everything, and stops it whatever happens."""
    machine = describe_machine(args.java)
    token, stop = token_in(args.daemon_flags), threading.Event()
    with DaemonProcess(args.java, args.jvm_options.split() + [TIMELINE_JVM_OPTION], args.jar,
                       args.daemon_flags) as daemon:
        progress("starting the daemon")
        startup = daemon.start()
        run = BenchRun(machine, args.daemon_flags, args.requests, args.warmup, startup, tree_rss(daemon.pid))
        measure_loads(run, daemon, token, stop)
        # The context and the kernel one after the other, the two interpreters that live between executions.
        measure_context(run, daemon, token, stop)
        measure_jupyter(run, stop)
        time.sleep(IDLE_PAUSE_SECONDS)  # let in-flight cleanup finish before calling the daemon idle
        run.idle = tree_rss(daemon.pid)
        measure_costs(run)
        if args.flood_mib:
            progress(f"flooding {args.flood_mib} MiB of stdout")
            run.flood = run_flood(daemon.port, token, daemon.pid, args.flood_mib)
        if daemon.health_or_none() is None:
            raise daemon.error("the daemon stopped answering /health after the runs")
    run.stop = daemon.stopped
    return run


class Terminated(BaseException):
    """SIGTERM arrived (a CI timeout, say); like KeyboardInterrupt, no `except Exception` catches it."""


def raise_on_sigterm() -> None:
    """Turns SIGTERM into an exception, so the finally blocks run and the daemon is still stopped."""
    def handler(signum, frame):
        raise Terminated()
    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    raise_on_sigterm()
    try:
        run = benchmark(args)
    except DaemonError as error:
        print(f"run.py: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Terminated) as stopped:
        print(f"run.py: {'terminated' if isinstance(stopped, Terminated) else 'interrupted'};"
              " the daemon was stopped", file=sys.stderr)
        return 143 if isinstance(stopped, Terminated) else 130
    print(text_report(run))
    if args.markdown:
        print("\n" + markdown_report(run, shlex.join(["python3", "bench/run.py", *argv])))
    return 1 if run.problems() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
