package dev.interpreterd;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interpreterd.host.Privilege;
import dev.interpreterd.host.WorkerUser;
import dev.interpreterd.host.WorkerUsers;
import dev.interpreterd.os.Posix;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What a test needs beyond Java, Maven and python3. Each method aborts the calling test (or, from
 * {@code @BeforeAll}, its class) through a JUnit assumption whose message is one line naming what is
 * missing and how to get it, so the test is reported as skipped, never as passed. {@code .ci/run}
 * provides everything, runs as root and fails on any skip.
 */
public final class Requires {

    private static final long PROBE_SECONDS = 60;
    /** Prints each module named on the command line that fails to import. */
    private static final String IMPORT_PROBE = """
            import importlib, sys
            for name in sys.argv[1:]:
                try:
                    importlib.import_module(name)
                except Exception:
                    print(name)
            """;

    private Requires() {
    }

    /**
     * Root: {@code toCheck} completes "run the tests as root to ...", e.g. "check the switch to an
     * unprivileged user".
     */
    public static void root(String toCheck) {
        assumeTrue(Posix.effectiveUserId() == 0, "needs root: run the tests as root to " + toCheck);
    }

    /** A cgroup per execution: root, and a cgroup hierarchy here that root may write. */
    public static void cgroups(String toCheck) {
        root(toCheck);
        assumeTrue(CgroupDirectories.writable(), "needs a writable cgroup hierarchy under /sys/fs/cgroup:"
                + " run the tests where root may make cgroups (not in a container that mounts them read-only)");
    }

    /**
     * Contexts on {@code daemon}: they live in boxes, which need PID and mount namespaces. Makes one
     * and deletes it again; a daemon that cannot make boxes answers 503 {@code contexts_unavailable}.
     */
    public static void contexts(TestDaemon daemon) {
        Response created = daemon.request().post("/process/interpreter/context");
        assumeTrue(created.statusCode() != 503 || !created.asString().contains("contexts_unavailable"),
                "needs boxes for contexts: run the tests as root, or where unprivileged user namespaces are allowed");
        if (created.statusCode() == 200) {
            daemon.request().delete("/process/interpreter/context/" + created.jsonPath().getString("id"));
        }
    }

    /** A program on {@code PATH}; {@code install} says how to get it, e.g. "apt-get install -y curl". */
    public static void command(String name, String install) {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(dir -> !dir.isEmpty())
                .anyMatch(dir -> Path.of(dir, name).toFile().canExecute());
        assumeTrue(found, "needs " + name + ": " + install);
    }

    /**
     * Python modules that {@link TestDaemon#PYTHON}, the interpreter the test daemons run, can import
     * as the user the code runs as (as root, the unprivileged worker user).
     */
    public static void pythonModules(String... modules) {
        WorkerUser user = codeUser();
        List<String> missing = importFailures(user, modules);
        assumeTrue(missing.isEmpty(), () -> "needs " + String.join(" and ", missing) + " for " + TestDaemon.PYTHON
                + (user.switched() ? " as " + user.name() : "") + ": " + installHint(missing));
    }

    private static String installHint(List<String> modules) {
        if (TestDaemon.PYTHON.startsWith("/usr/bin/")) {
            return "apt-get install -y " + modules.stream().map(m -> "python3-" + m).collect(Collectors.joining(" "));
        }
        return TestDaemon.PYTHON + " -m pip install " + String.join(" ", modules);
    }

    /** The user a test daemon without {@code --user} runs the code as. */
    private static WorkerUser codeUser() {
        try {
            return WorkerUsers.resolve(Optional.empty(), Privilege.ofThisProcess());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> importFailures(WorkerUser user, String... modules) {
        List<String> command = new ArrayList<>();
        if (user.switched()) {
            command.addAll(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups"));
        }
        command.addAll(List.of(TestDaemon.PYTHON, "-c", IMPORT_PROBE));
        command.addAll(List.of(modules));
        try {
            // From /, which every user may enter; stderr is dropped, the names on stdout say it all.
            Process probe = new ProcessBuilder(command).directory(Path.of("/").toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!probe.waitFor(PROBE_SECONDS, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                throw new IllegalStateException("importing " + List.of(modules) + " took over " + PROBE_SECONDS + " s");
            }
            if (probe.exitValue() != 0) {
                throw new IllegalStateException(TestDaemon.PYTHON + " could not run" + (user.switched() ? " as " + user.name() : "")
                        + " to import " + List.of(modules) + ": exit " + probe.exitValue());
            }
            String stdout = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return stdout.lines().filter(line -> !line.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while importing " + List.of(modules), e);
        }
    }
}
