package dev.interpreterd.exec.output;

import dev.interpreterd.units.Deadline;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What one execution's code writes: its stdout (fd 1) and its stderr (fd 2), each kept up to a cap.
 * Whoever reads the pipes closes each stream at the pipe's end.
 *
 * @param stdout what the code writes to fd 1
 * @param stderr what the code writes to fd 2
 */
public record CodeOutput(CappedOutput stdout, CappedOutput stderr) {

    /** Rejects a missing stream. */
    public CodeOutput {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /** Two empty streams, each keeping the first {@code capBytes} bytes written to it. */
    public static CodeOutput capped(long capBytes) {
        return new CodeOutput(new CappedOutput(capBytes), new CappedOutput(capBytes));
    }

    /** Waits until both streams' pipes reached their end; false if one had not by {@code timeout}. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        Deadline deadline = Deadline.after(timeout);
        return stdout.awaitEnd(deadline.remainingNanos(), TimeUnit.NANOSECONDS)
                && stderr.awaitEnd(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
    }

    /** Ends both streams where their pipes will never be read: what was kept is all there is. */
    public void end() {
        stdout.close();
        stderr.close();
    }
}
