package dev.interpreterd.exec;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * A supervisor forked by the zygote: not the daemon's child, so its exit value is the zygote's to
 * collect. Its end shows as the end of its control connection, which the execution already waits for.
 */
record ForkedSupervisor(long pid) implements Supervisor {

    @Override
    public boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Override
    public OptionalInt awaitExit(Duration timeout) {
        return OptionalInt.empty();
    }
}
