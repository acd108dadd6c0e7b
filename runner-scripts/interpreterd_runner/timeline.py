"""When the steps of a box's job happened, and the page faults they cost, for the daemon's debug log."""

import resource
import time


class Timeline:
    """Named moments on the monotonic clock, in nanoseconds (the clock the daemon's System.nanoTime()
    reads on Linux), and minor page faults counted between two of them."""

    def __init__(self):
        self.stamps = {}
        self.faults = {}
        self._faults_at = {}

    def mark(self, step):
        self.stamps[step] = time.monotonic_ns()

    def count_faults_from(self, step):
        self._faults_at[step] = minor_faults()

    def count_faults_to(self, step, name):
        """Records as name the minor faults since count_faults_from(step)."""
        if step in self._faults_at:
            self.faults[name] = minor_faults() - self._faults_at[step]

    def merge(self, other):
        """Takes in another process's timeline, as it came in a frame."""
        self.stamps.update(other.get("stamps") or {})
        self.faults.update(other.get("faults") or {})

    def as_frame(self):
        return {"stamps": self.stamps, "faults": self.faults}


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
