package dev.interpreterd.exec.control;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The control protocol between the daemon and the runner: one record per frame. The same table heads
 * the runner's {@code interpreterd_runner/frames.py}. On the wire a frame is a 4-byte big-endian length and UTF-8 JSON whose
 * {@code event} field names the record.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
@JsonSubTypes({
        @JsonSubTypes.Type(Frame.ForkBox.class), @JsonSubTypes.Type(Frame.Hello.class),
        @JsonSubTypes.Type(Frame.JoinCgroups.class), @JsonSubTypes.Type(Frame.RunJob.class),
        @JsonSubTypes.Type(Frame.SignalCode.class), @JsonSubTypes.Type(Frame.StartContext.class),
        @JsonSubTypes.Type(Frame.RunInContext.class), @JsonSubTypes.Type(Frame.Started.class),
        @JsonSubTypes.Type(Frame.Display.class), @JsonSubTypes.Type(Frame.Warning.class),
        @JsonSubTypes.Type(Frame.Exit.class), @JsonSubTypes.Type(Frame.Reaped.class)})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface Frame {

    /**
     * Daemon to zygote: fork a new box, whose init will say hello with {@code secret}. Of the runner
     * directory, which the box hides, it keeps {@code pipes} alone: its own output pipes are made there.
     */
    @JsonTypeName("box")
    record ForkBox(String secret, String pipes) implements Frame {
    }

    /**
     * Runner to daemon, first on every connection: who it is, its pid as the daemon sees it, and the
     * reason it could not become what it was asked to be, if it could not.
     */
    @JsonTypeName("hello")
    record Hello(String secret, long pid, String error) implements Frame {
    }

    /** Daemon to a box's init or a supervisor: join these cgroups before forking anything more. */
    @JsonTypeName("cgroup")
    record JoinCgroups(List<String> procs) implements Frame {

        /** Copies the list. */
        public JoinCgroups {
            procs = List.copyOf(procs);
        }
    }

    /**
     * Daemon to a box's init or a supervisor: run this code. {@code stdout} and {@code stderr} name
     * the pipes a box's child writes into; null for a supervisor, whose own pipes are the output.
     * {@code warm}, for a box: whether the child it forks next should warm up while it waits, which is
     * worth its work only when that child is likely to wait (other boxes were idle); null: yes.
     */
    @JsonTypeName("job")
    record RunJob(String code, Map<String, String> env, String cwd, Map<String, Long> limits, boolean network,
                  Map<String, Object> user, String stdout, String stderr, Boolean warm) implements Frame {

        /** Rejects a job without code, environment or directory. */
        public RunJob {
            Objects.requireNonNull(code, "code");
            env = Map.copyOf(env);
            Objects.requireNonNull(cwd, "cwd");
            limits = Map.copyOf(limits);
            user = Map.copyOf(user);
        }
    }

    /**
     * Daemon to a box's init or a supervisor: send {@code signal} to the code's process group, unless
     * the code has ended; the {@link Exit} frame says whether one reached it.
     */
    @JsonTypeName("signal")
    record SignalCode(int signal) implements Frame {
    }

    /**
     * Daemon to a box's init: this box holds a context. Its child opens {@code stdout} and
     * {@code stderr} for the context's whole life, takes the environment, directory, limits, network
     * and user once, and then runs every {@link RunInContext} in the same {@code __main__}.
     */
    @JsonTypeName("context")
    record StartContext(String stdout, String stderr, Map<String, String> env, String cwd, Map<String, Long> limits,
                        boolean network, Map<String, Object> user) implements Frame {

        /** Copies the maps. */
        public StartContext {
            env = Map.copyOf(env);
            limits = Map.copyOf(limits);
            user = Map.copyOf(user);
        }
    }

    /**
     * Daemon to a context's box: run this code, with {@code env} set for this execution only and CPU
     * time counted from its start; then write {@code marker} to both output pipes, where its output ends.
     */
    @JsonTypeName("run")
    record RunInContext(String code, Map<String, String> env, long cpuSeconds, String marker) implements Frame {

        /** Copies the environment. */
        public RunInContext {
            env = Map.copyOf(env);
        }
    }

    /** Runner to daemon: the child took the job and opened its output; {@code pid} as the runner sees it. */
    @JsonTypeName("started")
    record Started(long pid) implements Frame {
    }

    /** Runner to daemon: a result or {@code display()} of the code, as a MIME bundle. */
    @JsonTypeName("display")
    record Display(String kind, JsonNode data) implements Frame {
    }

    /** Runner to daemon: something for the daemon's log. */
    @JsonTypeName("warning")
    record Warning(String message) implements Frame {
    }

    /**
     * Runner to daemon, last for a job: how the child ended (its exit code, or the signal that killed
     * it) and its report of how the code ended, null if it sent none. A context's child that lives on
     * ({@code alive}) gives the exit code a script with that outcome would have had. {@code signalled}
     * is true when a {@link SignalCode} reached the code's process group while the code ran.
     * {@code timeline}, for the daemon's debug log, holds when the runner's steps happened (the
     * monotonic clock's nanoseconds, as {@code System.nanoTime()} reads it on Linux) and the page
     * faults they cost; null when the runner sent none.
     */
    @JsonTypeName("exit")
    record Exit(long pid, Integer exitCode, Integer signal, Report report, boolean alive, boolean signalled,
                JsonNode timeline) implements Frame {

        /** An exit frame without a timeline. */
        public Exit(long pid, Integer exitCode, Integer signal, Report report, boolean alive, boolean signalled) {
            this(pid, exitCode, signal, report, alive, signalled, null);
        }
    }

    /** Zygote to daemon: a box's init, {@code pid}, has ended. */
    @JsonTypeName("reaped")
    record Reaped(long pid, Integer exitCode, Integer signal) implements Frame {

        /** The exit value as the JDK gives a process's: 128 + the signal for a death by signal. */
        @JsonIgnore
        public int exitValue() {
            return signal == null ? Objects.requireNonNullElse(exitCode, 0) : 128 + signal;
        }
    }

    /**
     * How the code ended, as the child saw it: {@code outcome} is {@code ok}, {@code exit} (with
     * {@code code}) or {@code error} (with the exception's {@code name}, {@code value} and
     * {@code traceback}). {@code event} is the child's own name for the report.
     */
    record Report(String event, String outcome, Integer code, String name, String value, List<String> traceback) {
    }
}
