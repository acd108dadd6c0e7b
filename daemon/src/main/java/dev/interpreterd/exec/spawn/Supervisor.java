package dev.interpreterd.exec.spawn;

import java.time.Duration;
import java.util.OptionalInt;

/** The worker's supervisor process, whether the daemon started it or the zygote forked it. */
interface Supervisor {

    /** Its pid, which is also its session and process group id. */
    long pid();

    /** True while it runs. */
    boolean isAlive();

    /** Its exit value once it has exited, or empty if still running after the wait or unknowable. */
    OptionalInt awaitExit(Duration timeout) throws InterruptedException;
}
