#!/usr/bin/env python3
"""Latency of print(42) through a running interpreterd next to a bare python3 start.

Usage: python3 bench/latency.py [--url http://127.0.0.1:8000] [--runs 200] [--python PATH]

Both loops run on this machine in the same run, sequentially, so the two numbers compare. The bare
spawn uses the interpreter the daemon reports in /health's "executable" when --python is not given.
"""
import argparse
import http.client
import json
import statistics
import subprocess
import sys
import time
import urllib.parse


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def daemon_samples(url, runs, token):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"code": "print(42)"})
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        conn.request("POST", "/process/interpreter/execute", body, headers)
        answer = json.loads(conn.getresponse().read())
        samples.append((time.perf_counter() - start) * 1000)
        if answer.get("stdout") != "42\n":
            sys.exit(f"unexpected answer: {answer}")
    return samples


def spawn_samples(python, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([python, "-c", "print(42)"], capture_output=True, check=True).stdout
        samples.append((time.perf_counter() - start) * 1000)
        if out != b"42\n":
            sys.exit(f"unexpected output: {out!r}")
    return samples


def report(name, samples):
    print(f"{name:<28} p50 {percentile(samples, 50):7.2f} ms   p95 {percentile(samples, 95):7.2f} ms"
          f"   p99 {percentile(samples, 99):7.2f} ms   mean {statistics.mean(samples):7.2f} ms   n={len(samples)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--python", help="interpreter for the bare spawn (default: the daemon's)")
    parser.add_argument("--token", default=None)
    args = parser.parse_args()
    python = args.python
    if python is None:
        with urllib.request.urlopen(args.url + "/health") as health:
            python = json.load(health)["python"]["executable"]
    warmup = max(5, args.runs // 20)
    daemon_samples(args.url, warmup, args.token)
    spawn_samples(python, warmup)
    report("HTTP print(42)", daemon_samples(args.url, args.runs, args.token))
    report(f"bare {python} -c", spawn_samples(python, args.runs))


if __name__ == "__main__":
    import urllib.request
    main()
