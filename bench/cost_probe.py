"""Times what this machine charges for the kernel work behind one execution, and prints it as one JSON line.

Usage: python -c "<this file's text>"
The benchmark runs this with the daemon's interpreter, so the forks below copy the page tables of
a small Python much like the ones the daemon forks. Three figures, each bounded in time:
  fork      os.fork(), the child's os._exit(0) and the parent's os.waitpid(): the page-table copy,
            the teardown and the wait, the median over up to 200;
  fault     one byte written to each 4 KiB page of a fresh anonymous mapping: one minor fault per
            page, with the zeroing of the page, less the cost of the loop itself;
  spawn     subprocess.run(["/bin/true"]), the median over up to 50.
Standard library only; stdout carries the answer and nothing else.
"""
import json
import mmap
import os
import resource
import statistics
import subprocess
import time

FORKS = 200
MIN_FORKS = 20
FORK_BUDGET_SECONDS = 1.0
FAULT_REGION_MIB = 64
SPAWNS = 50
MIN_SPAWNS = 5
SPAWN_BUDGET_SECONDS = 0.4
SPAWN_TIMEOUT_SECONDS = 10
TRUE = "/bin/true"


def timed_ms(action, count, minimum, budget_seconds):
    """Runs action up to count times, at least minimum, stopping once budget_seconds are spent; the ms of each."""
    samples = []
    deadline = time.perf_counter() + budget_seconds
    while len(samples) < count and (len(samples) < minimum or time.perf_counter() < deadline):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def fork_exit_wait():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def spawn_true():
    subprocess.run([TRUE], check=True, timeout=SPAWN_TIMEOUT_SECONDS)


def minor_faults():
    """µs per page for the first write to each page of a fresh region, and the faults per page counted."""
    size, page = FAULT_REGION_MIB << 20, mmap.PAGESIZE
    region = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        # Huge pages would take one fault per 2 MiB; a fork's copy-on-write faults are per 4 KiB page.
        if hasattr(mmap, "MADV_NOHUGEPAGE"):
            region.madvise(mmap.MADV_NOHUGEPAGE)
        offsets = range(0, size, page)
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        first = touch_seconds(region, offsets, 1)
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before
        # The same loop over pages already there: what the loop costs without the faults.
        second = touch_seconds(region, offsets, 2)
    finally:
        region.close()
    pages = len(offsets)
    return {"faultUs": (first - second) / pages * 1e6, "faultsPerPage": faults / pages,
            "regionMib": FAULT_REGION_MIB}


def touch_seconds(region, offsets, value):
    started = time.perf_counter()
    for offset in offsets:
        region[offset] = value
    return time.perf_counter() - started


def main():
    # The forks first, while this process is as small as it gets.
    forks = timed_ms(fork_exit_wait, FORKS, MIN_FORKS, FORK_BUDGET_SECONDS)
    answer = {"forkMs": statistics.median(forks), "forks": len(forks)}
    answer.update(minor_faults())
    try:
        spawns = timed_ms(spawn_true, SPAWNS, MIN_SPAWNS, SPAWN_BUDGET_SECONDS)
        answer.update({"spawnMs": statistics.median(spawns), "spawns": len(spawns)})
    except (OSError, subprocess.SubprocessError) as error:
        answer["spawnError"] = f"{TRUE}: {error}"
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
