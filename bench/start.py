#!/usr/bin/env python3
"""Start to /health 200 of interpreterd, measured alone and several times: the figure bench/run.py
reports once, from its one start.

Usage (from the repository root, after `mvn -q -B package -DskipTests`):
  python3 bench/start.py                                    # 10 starts, java on PATH, the README's flags
  python3 bench/start.py --class-cache                      # the same with a class cache of the jar
  python3 bench/start.py --java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --class-cache
  python3 bench/start.py -- --launcher spawn                # flags after -- go to the daemon

Each start is timed as bench/run.py times it (bench/daemon_process.py): from the moment the JVM is
started until /health answers 200, polled every 5 ms once the start line names the port; the daemon
is stopped before the next start. --class-cache first makes a class cache of a copy of the jar for
that java with systemd/make-java-cache.sh (an AOT cache on Java 25 and newer, a CDS archive before),
as the installer does, and starts that copy with it. Prints one line per start, then the median,
the fastest and the slowest. Standard library only.
"""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__ when run from a checkout

import argparse  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from daemon_process import DaemonError, DaemonProcess, reserved_flag  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JAR = REPO_ROOT / "daemon" / "target" / "interpreterd.jar"
MAKE_CACHE = REPO_ROOT / "systemd" / "make-java-cache.sh"
# As in the README's start command, and bench/run.py's default.
README_JVM_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
DEFAULT_STARTS = 10
MAX_STARTS = 1000
CACHE_TIMEOUT_SECONDS = 300


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Our options before `--`, the daemon's flags after it."""
    ours, daemon_flags = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], usage="%(prog)s [options] [-- daemon flags]")
    parser.add_argument("--starts", type=int, default=DEFAULT_STARTS, help="starts to time (%(default)s)")
    parser.add_argument("--jar", default=str(DEFAULT_JAR), help="daemon jar (%(default)s)")
    parser.add_argument("--java", default="java", help="java launcher (%(default)s)")
    parser.add_argument("--jvm-options", default=README_JVM_OPTIONS, help="JVM options (%(default)s)")
    parser.add_argument("--class-cache", action="store_true",
                        help="start with a class cache of the jar for that java, made first")
    args = parser.parse_args(ours)
    args.daemon_flags = daemon_flags
    if not 1 <= args.starts <= MAX_STARTS:
        parser.error(f"--starts must be between 1 and {MAX_STARTS}")
    if reserved_flag(daemon_flags):
        parser.error(f"{reserved_flag(daemon_flags)}: the benchmark sets --host 127.0.0.1 and --port 0 itself")
    if not Path(args.jar).is_file():
        parser.error(f"{args.jar} not found; build it with: mvn -q -B package -DskipTests")
    return args


def with_class_cache(java: str, jvm_options: list[str], jar: str, directory: str) -> tuple[list[str], str]:
    """The options that use a class cache of a copy of `jar` in `directory`, and that copy, as
    systemd/make-java-cache.sh makes them."""
    copy = shutil.copy(jar, os.path.join(directory, "interpreterd.jar"))
    environment = dict(os.environ, JAVA_OPTS=" ".join(jvm_options))
    made = subprocess.run(["bash", str(MAKE_CACHE), java, copy, directory], env=environment, capture_output=True,
                          text=True, timeout=CACHE_TIMEOUT_SECONDS)
    if made.returncode != 0:
        raise DaemonError(f"no class cache: {made.stderr.strip() or made.stdout.strip()}")
    print(made.stdout.strip(), file=sys.stderr)
    with open(os.path.join(directory, "java-cache.env"), encoding="utf-8") as env_file:
        for line in env_file:
            if line.startswith("JAVA_CACHE_OPTS="):
                # One quoted value, split into words as systemd's $JAVA_CACHE_OPTS is.
                return jvm_options + line.split("=", 1)[1].strip().strip('"').split(), copy
    raise DaemonError("make-java-cache.sh wrote no JAVA_CACHE_OPTS")


def time_starts(java: str, jvm_options: list[str], jar: str, daemon_flags: list[str], starts: int) -> list[float]:
    """Milliseconds to /health 200 of each start."""
    times = []
    for n in range(1, starts + 1):
        with DaemonProcess(java, jvm_options, jar, daemon_flags) as daemon:
            startup = daemon.start()
        times.append(startup.ready_ms)
        print(f"start {n:3d}: /health 200 after {startup.ready_ms:6.0f} ms", flush=True)
    return times


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    jvm_options = args.jvm_options.split()
    try:
        with tempfile.TemporaryDirectory(prefix="interpreterd-start-") as directory:
            jar = args.jar
            if args.class_cache:
                jvm_options, jar = with_class_cache(args.java, jvm_options, args.jar, directory)
            times = time_starts(args.java, jvm_options, jar, args.daemon_flags, args.starts)
    except DaemonError as error:
        print(f"start.py: {error}", file=sys.stderr)
        return 1
    print(f"{shlex.join([args.java, *jvm_options])}: median {statistics.median(times):.0f} ms,"
          f" fastest {min(times):.0f} ms, slowest {max(times):.0f} ms over {len(times)} starts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
