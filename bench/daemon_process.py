"""Starts interpreterd from its jar on a free loopback port, times its start, and stops it."""
from __future__ import annotations

import collections
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from callers import LOOPBACK

from steps import TimelineLog

READY_TIMEOUT_SECONDS = 60
READY_POLL_SECONDS = 0.005
HEALTH_TIMEOUT_SECONDS = 2
STOP_TIMEOUT_SECONDS = 10
STDERR_TAIL_LINES = 40
STDERR_FLUSH_SECONDS = 1
LISTENING = re.compile(r"listening on http://([^\s:/]+):(\d+)")
# Flags the benchmark owns: it must find the daemon, and must only ever talk to 127.0.0.1.
RESERVED_FLAGS = ("--host", "--port")
# The daemon reads these from its environment; dropping them makes the flags the whole configuration.
DROPPED_ENV_PREFIXES = ("INTERPRETERD_",)
DROPPED_ENV = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")


class DaemonError(Exception):
    """The daemon did not start, or died; the message ends with the tail of its log."""


@dataclass(frozen=True)
class Startup:
    """Milliseconds from process start until the listening log line, and until /health answered 200."""

    listening_ms: float
    ready_ms: float
    health: dict


@dataclass(frozen=True)
class Stop:
    """How the daemon ended: the signal that did it, its exit code and how long it took."""

    signal: str
    exit_code: int | None
    millis: float


def reserved_flag(flags: list[str]) -> str | None:
    """The first flag in `flags` that the benchmark sets itself, if any."""
    for flag in flags:
        if flag.split("=", 1)[0] in RESERVED_FLAGS:
            return flag
    return None


def token_in(flags: list[str]) -> str | None:
    """The bearer token passed with --token, so the benchmark can authenticate like any client."""
    token = None
    for i, flag in enumerate(flags):
        if flag.startswith("--token="):
            token = flag.split("=", 1)[1]
        elif flag == "--token" and i + 1 < len(flags):
            token = flags[i + 1]
    return token


def daemon_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items()
            if not name.startswith(DROPPED_ENV_PREFIXES) and name not in DROPPED_ENV}


class DaemonProcess:
    """One daemon started by the benchmark; use as a context manager so it is always stopped."""

    def __init__(self, java: str, jvm_options: list[str], jar: str, flags: list[str]):
        self._argv = [java, *jvm_options, "-jar", jar, *flags, "--host", LOOPBACK, "--port", "0"]
        self._process: subprocess.Popen | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        # The timeline of each execution, when the daemon logs them (steps.TIMELINE_JVM_OPTION).
        self.timelines = TimelineLog()
        self._listening = threading.Event()
        self._listening_at = 0.0
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True, name="daemon-stderr")
        self.port = 0
        self.stopped: Stop | None = None

    @property
    def pid(self) -> int:
        return self._process.pid

    def __enter__(self) -> "DaemonProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> Startup:
        """Starts the JVM and polls /health every 5 ms until it answers 200."""
        started = time.perf_counter()
        self._process = subprocess.Popen(self._argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, env=daemon_environment())
        # The daemon logs every execution on stderr; reading it all keeps the pipe from filling up.
        self._stderr_reader.start()
        health = self._wait_ready(started + READY_TIMEOUT_SECONDS)
        ready = time.perf_counter()
        return Startup((self._listening_at - started) * 1000, (ready - started) * 1000, health)

    def _read_stderr(self) -> None:
        for raw in self._process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if self.timelines.offer(line):
                continue
            self._stderr_tail.append(line)
            match = LISTENING.search(line) if not self._listening.is_set() else None
            if match:
                self._listening_at = time.perf_counter()
                self.port = int(match.group(2))
                self._listening.set()

    def _wait_ready(self, deadline: float) -> dict:
        # With --port 0 the port is only known from the log line, so polling starts once it appears.
        while time.perf_counter() < deadline:
            if self._process.poll() is not None:
                raise self.error(f"daemon exited with code {self._process.returncode} before it was ready")
            if self._listening.is_set():
                health = self.health_or_none()
                if health is not None:
                    return health
            time.sleep(READY_POLL_SECONDS)
        raise self.error(f"daemon was not ready after {READY_TIMEOUT_SECONDS} s")

    def health_or_none(self) -> dict | None:
        """The /health answer when it is 200, otherwise None (not listening yet, or unwell)."""
        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=HEALTH_TIMEOUT_SECONDS)
        try:
            conn.request("GET", "/health")
            response = conn.getresponse()
            body = response.read()
            return json.loads(body) if response.status == 200 else None
        except (OSError, http.client.HTTPException, ValueError):
            return None
        finally:
            conn.close()

    def error(self, message: str) -> DaemonError:
        """An error whose message carries the end of the daemon's log."""
        if self._process.poll() is not None:
            self._stderr_reader.join(STDERR_FLUSH_SECONDS)  # its last words may still be in the pipe
        return DaemonError(message + "\n--- daemon log (last lines) ---\n" + "\n".join(self._stderr_tail))

    def stop(self) -> Stop | None:
        """SIGTERM, up to 10 s to exit, then SIGKILL; a no-op once stopped or if never started."""
        if self._process is None or self.stopped is not None:
            return self.stopped
        began, sent = time.perf_counter(), "SIGTERM"
        self._signal(signal.SIGTERM)
        try:
            self._process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            sent = "SIGKILL"
            self._signal(signal.SIGKILL)
            self._process.wait(STOP_TIMEOUT_SECONDS)
        self.stopped = Stop(sent, self._process.returncode, (time.perf_counter() - began) * 1000)
        return self.stopped

    def _signal(self, signum: int) -> None:
        if self._process.poll() is None:
            try:
                self._process.send_signal(signum)
            except ProcessLookupError:
                pass
