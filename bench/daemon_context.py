"""One context of the daemon's, made for a case and deleted after it, whatever happened in between."""
from __future__ import annotations

import http.client
import json

from callers import LOOPBACK, auth_headers

CONTEXT_PATH = "/process/interpreter/context"
# Making a context starts its interpreter in a box, and deleting one waits for its processes to end;
# the daemon allows a box 30 s for either, so its own answer arrives before this timeout fires.
CONTEXT_SOCKET_TIMEOUT_SECONDS = 60
# The daemon answers 503 contexts_unavailable both where it can make no box at all and when one box
# failed to start; only the first, which its message says in these words, means "none here".
NO_BOXES_HERE = "which this machine cannot make"


class ContextsUnavailable(Exception):
    """The daemon has no contexts to give here; the message says why."""


class ContextFailure(Exception):
    """Making or deleting the context went wrong."""


def unavailable_reason(health: dict) -> str | None:
    """Why this daemon, by its /health, can have no context at all; None when it can."""
    contexts = health.get("contexts")
    if not isinstance(contexts, dict):
        return "the daemon's /health does not count contexts, so it has none"
    if contexts.get("max") == 0:
        return "the daemon was started with --max-contexts 0"
    return None


class DaemonContext:
    """Makes a context on entering and gives its id; deletes it on leaving, even after an error."""

    def __init__(self, port: int, token: str | None):
        self._port = port
        self._headers = auth_headers(token)
        self.id: str | None = None

    def __enter__(self) -> str:
        status, payload = self._request("POST", CONTEXT_PATH, "{}")
        answer = _json_or_none(payload)
        error = answer.get("error") if isinstance(answer, dict) else None
        message = answer.get("message") if isinstance(answer, dict) else None
        if status == 503 and error == "contexts_unavailable" and NO_BOXES_HERE in str(message):
            raise ContextsUnavailable(message)
        context_id = answer.get("id") if isinstance(answer, dict) else None
        if status != 200 or not isinstance(context_id, str) or not context_id:
            raise ContextFailure(f"making a context: HTTP {status}: {payload[:200]!r}")
        self.id = context_id
        return context_id

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self._delete()
        except Exception as error:
            if exc is None:
                raise
            if isinstance(exc, Exception):
                # Both go in the report; the first failure alone would hide a context left behind.
                raise ContextFailure(f"{type(exc).__name__}: {exc}; then deleting context {self.id} failed:"
                                     f" {type(error).__name__}: {error}") from exc
            # Ctrl-C or SIGTERM goes on; stopping the daemon ends the context anyway.

    def _delete(self) -> None:
        status, payload = self._request("DELETE", f"{CONTEXT_PATH}/{self.id}", None)
        if status != 204:
            raise ContextFailure(f"deleting context {self.id}: HTTP {status}: {payload[:200]!r}")

    def _request(self, method: str, path: str, body: str | None) -> tuple[int, bytes]:
        """One request on a connection of its own, so no half-read answer can outlive it."""
        conn = http.client.HTTPConnection(LOOPBACK, self._port, timeout=CONTEXT_SOCKET_TIMEOUT_SECONDS)
        try:
            conn.request(method, path, body, self._headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def _json_or_none(payload: bytes):
    try:
        return json.loads(payload)
    except ValueError:
        return None
