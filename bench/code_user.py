"""The user the daemon runs the code as, so that the bare spawn can run as that user too."""
from __future__ import annotations

import os
import pwd
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeUser:
    """An account to switch to: its name, and the ids of the user and of its primary group."""

    name: str
    uid: int
    gid: int

    def popen_options(self) -> dict:
        """subprocess.Popen keywords that start a process as this user, with no supplementary groups."""
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def user_to_switch_to(health: dict) -> CodeUser | None:
    """The code's user from /health when it is not ours (the daemon was started as root), else None."""
    user = health.get("user")
    if not user or user["uid"] == os.geteuid():
        return None
    return CodeUser(user["name"], user["uid"], pwd.getpwuid(user["uid"]).pw_gid)
