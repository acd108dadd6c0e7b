package dev.interpreterd.host;

import java.util.Locale;

/** How the daemon finds the processes an execution leaves behind. */
public enum Cleanup {
    /** The execution's cgroup holds every process it made. */
    CGROUP,
    /** The execution's supervisor is a subreaper: orphans of the code become its children. */
    SUBREAPER;

    /** The name {@code /health} and the start log show: {@code cgroup} or {@code subreaper}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** How executions are kept apart when each runs in a fresh interpreter found this way. */
    public Isolation alone() {
        return this == CGROUP ? Isolation.CGROUP : Isolation.SUBREAPER;
    }
}
