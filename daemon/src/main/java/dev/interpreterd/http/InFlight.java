package dev.interpreterd.http;

import dev.interpreterd.units.Deadline;
import java.time.Duration;

/** Counts requests between their before and after handlers, so that stopping can wait for their answers. */
final class InFlight {

    private int count;

    synchronized void enter() {
        count++;
    }

    synchronized void exit() {
        count--;
        if (count == 0) {
            notifyAll();
        }
    }

    /** Waits until no request is in flight; false if some still were at the deadline. */
    synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(timeout);
        while (count > 0) {
            long left = deadline.remainingNanos();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
