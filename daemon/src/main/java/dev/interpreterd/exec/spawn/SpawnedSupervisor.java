package dev.interpreterd.exec.spawn;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/** A supervisor the daemon started itself, so the JDK reports its exit. */
record SpawnedSupervisor(Process process) implements Supervisor {

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }
}
