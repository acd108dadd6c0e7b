package dev.interpreterd.host;

import java.util.Locale;

/** What keeps executions apart from each other and from the daemon, as the start found it. */
public enum Isolation {
    /** A box of namespaces of its own for each execution. */
    NAMESPACES,
    /** A fresh interpreter each, whose leftovers its cgroup finds. */
    CGROUP,
    /** A fresh interpreter each, whose leftovers its supervisor, a subreaper, finds. */
    SUBREAPER;

    /** The name {@code /health} and the start log show: {@code namespaces}, {@code cgroup} or {@code subreaper}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
