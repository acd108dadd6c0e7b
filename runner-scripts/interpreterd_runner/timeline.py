"""When the steps of a box's job happened, and the page faults they cost, for the daemon's debug log."""

import resource
import time


class Timeline:
    """Named moments of one process, or of the box's init and its child together: when each came, on
    the monotonic clock in nanoseconds (the clock the daemon's System.nanoTime() reads on Linux), and
    how many minor page faults its process had taken by then."""

    def __init__(self):
        self.stamps = {}
        self.faults = {}

    def mark(self, step):
        self.stamps[step] = time.monotonic_ns()
        self.faults[step] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def merge(self, other):
        """Takes in another process's moments, as they came in a frame."""
        self.stamps.update(other.get("stamps") or {})
        self.faults.update(other.get("faults") or {})

    def as_frame(self):
        return {"stamps": self.stamps, "faults": self.faults}
