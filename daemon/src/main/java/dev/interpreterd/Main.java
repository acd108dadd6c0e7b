package dev.interpreterd;

import dev.interpreterd.config.CommandLine;
import dev.interpreterd.config.Config;
import dev.interpreterd.config.UsageException;
import java.util.List;

/** The command line entry point: {@code java -jar interpreterd.jar [options]}. */
public final class Main {

    private static final int EXIT_USAGE = 2;
    private static final int EXIT_START_FAILED = 1;

    private Main() {
    }

    /** Parses the options, starts the daemon and stops it on SIGTERM or SIGINT. */
    public static void main(String[] args) {
        if (System.getenv("JOURNAL_STREAM") != null) {
            // journald stamps every line itself.
            System.setProperty("org.slf4j.simpleLogger.showDateTime", "false");
        }
        Config config;
        try {
            switch (CommandLine.action(List.of(args))) {
                case HELP -> {
                    System.out.print(CommandLine.help());
                    return;
                }
                case VERSION -> {
                    System.out.println("interpreterd " + Daemon.version());
                    return;
                }
                default -> config = CommandLine.parse(List.of(args), System.getenv()).orElseThrow();
            }
        } catch (UsageException e) {
            System.err.println("interpreterd: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (Exception e) {
            System.err.println("interpreterd: could not start: " + e.getMessage());
            System.exit(EXIT_START_FAILED);
            return;
        }
        Thread stop = new Thread(() -> {
            daemon.close();
            // The JVM would report SIGTERM as exit status 143; a clean stop is a success for systemd.
            Runtime.getRuntime().halt(0);
        }, "interpreterd-shutdown");
        Runtime.getRuntime().addShutdownHook(stop);
        // Only now: a SIGTERM that follows READY=1 at once must find the hook that answers it.
        try {
            daemon.ready();
        } catch (UsageException e) {
            failedStart("interpreterd: " + e.getMessage(), EXIT_USAGE, stop);
        } catch (Exception e) {
            failedStart("interpreterd: could not start: " + e.getMessage(), EXIT_START_FAILED, stop);
        }
    }

    /**
     * Says why the start failed and exits with {@code status}; the hook that would make the exit a
     * success goes first, unless a signal is stopping the daemon already (then that hook ends it).
     */
    private static void failedStart(String message, int status, Thread stop) {
        try {
            Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException stopping) {
            return;
        }
        System.err.println(message);
        System.exit(status);
    }
}
