package dev.interpreterd.os;

/** Tells the service manager about the daemon's state; {@link #NONE} when nobody listens. */
public interface Notifier {

    /** A notifier that drops every message, for a daemon not started by systemd. */
    Notifier NONE = state -> { };

    /** Sends newline-separated {@code KEY=value} assignments such as {@code READY=1}. */
    void notify(String state);
}
