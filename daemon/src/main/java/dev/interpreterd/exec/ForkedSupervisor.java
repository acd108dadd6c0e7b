package dev.interpreterd.exec;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A supervisor forked by the zygote: not the daemon's child, so the zygote reaps it and reports how
 * it ended, which completes {@code exit} with the exit value as the JDK would give it (128 + the
 * signal for a death by signal).
 */
record ForkedSupervisor(long pid, CompletableFuture<Integer> exit) implements Supervisor {

    @Override
    public boolean isAlive() {
        return !exit.isDone() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        try {
            return OptionalInt.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (ExecutionException | TimeoutException e) {
            return OptionalInt.empty();
        }
    }
}
