"""The machine a run happened on, so numbers from different machines are never compared blindly."""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass

JAVA_VERSION_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Machine:
    date: str
    nproc: int
    memory_gib: float
    cpu_model: str
    kernel: str
    java_version: str
    # Another busy process on the machine skews every number; this makes it visible.
    load_average: float


def describe_machine(java: str) -> Machine:
    return Machine(
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        # What `nproc` prints: the CPUs this process may run on, not all the host has.
        nproc=len(os.sched_getaffinity(0)),
        memory_gib=_meminfo_kib("MemTotal") / (1 << 20),
        cpu_model=_cpu_model(),
        kernel=platform.release(),
        java_version=_java_version(java),
        load_average=os.getloadavg()[0],
    )


def _meminfo_kib(key: str) -> int:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.machine()


def _java_version(java: str) -> str:
    """The first line of `java -version`, e.g. 'openjdk version "17.0.15" 2025-04-15'."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True,
                              timeout=JAVA_VERSION_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    lines = (done.stderr or done.stdout).splitlines()
    return lines[0].strip() if lines else "unknown"
