"""Spawns the interpreter bare once per line read on stdin, and answers each with one JSON line.

Usage: python -c "<this file's text>" TIMEOUT_SECONDS ARGV...
The benchmark passes this file as text, so the process needs no file the code's user may not read,
and starts it as that user: the spawns run as the daemon's code does, from a parent that spawns as
cheaply as any client would (subprocess uses vfork, which it cannot when it has to switch users).
Each answer times the spawn alone, without the hop between the benchmark and this process.
Standard library only; stdout carries the answers and nothing else.
"""
import json
import subprocess
import sys
import time


def spawn_once(argv, timeout_seconds):
    """Runs argv to its end and returns its timing, exit code and output as a dict."""
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout_seconds, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_seconds:g} s"}
    except OSError as error:
        return {"error": f"could not start {argv[0]}: {error}"}
    return {"ms": (time.perf_counter() - started) * 1000, "exit": done.returncode,
            # latin-1 maps every byte to one character, so the bytes survive JSON unchanged.
            "stdout": done.stdout.decode("latin-1"), "stderr": done.stderr.decode("latin-1")}


def main():
    timeout_seconds, argv = float(sys.argv[1]), sys.argv[2:]
    for _ in sys.stdin:
        print(json.dumps(spawn_once(argv, timeout_seconds)), flush=True)


if __name__ == "__main__":
    main()
