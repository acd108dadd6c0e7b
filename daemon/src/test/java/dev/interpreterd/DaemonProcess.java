package dev.interpreterd;

import static dev.interpreterd.Eventually.eventually;
import static io.restassured.RestAssured.given;

import dev.interpreterd.os.Signal;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The daemon in a JVM of its own, for what needs real signals: SIGTERM, SIGKILL, process death. */
public final class DaemonProcess implements AutoCloseable {

    /** The start line, logged once the daemon can run code. */
    private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)");
    /** Logged as soon as HTTP answers, before the daemon can run code. */
    private static final Pattern ACCEPTING = Pattern.compile("accepting connections on http://[^:]+:(\\d+)");

    private final Process process;
    private final int port;
    private final List<String> log = new ArrayList<>();

    private DaemonProcess(Process process, int port, List<String> log) {
        this.process = process;
        this.port = port;
        this.log.addAll(log);
    }

    /** Starts {@code java dev.interpreterd.Main --port 0 ...} with this JVM's classpath. */
    public static DaemonProcess start(Path tmpDir, String... flags) throws IOException {
        return start(tmpDir, Map.of(), flags);
    }

    /** Starts the daemon with extra environment variables; {@code tmpDir} is opened to the code. */
    public static DaemonProcess start(Path tmpDir, Map<String, String> environment, String... flags) throws IOException {
        // The default work dir is made there, for the code's user.
        TestDaemon.openToTheCode(tmpDir);
        ProcessBuilder builder = new ProcessBuilder(command(tmpDir, System.getProperty("java.class.path"), flags));
        builder.environment().putAll(environment);
        return launch(builder, LISTENING);
    }

    /** Starts the daemon and returns as soon as it accepts connections, which may be before it can run code. */
    public static DaemonProcess startAccepting(Path tmpDir, String... flags) throws IOException {
        TestDaemon.openToTheCode(tmpDir);
        return launch(new ProcessBuilder(command(tmpDir, System.getProperty("java.class.path"), flags)), ACCEPTING);
    }

    /**
     * Starts the daemon as another user, through {@code setpriv}, with a copy of this JVM's class path
     * in {@code tmpDir} (the Maven repository under /root is closed to other users).
     */
    public static DaemonProcess startAs(Path tmpDir, int uid, int gid, String... flags) throws IOException {
        return startAs(tmpDir, Map.of(), uid, gid, List.of(), flags);
    }

    /** Starts the daemon as another user, with extra environment variables. */
    public static DaemonProcess startAs(Path tmpDir, Map<String, String> environment, int uid, int gid, String... flags)
            throws IOException {
        return startAs(tmpDir, environment, uid, gid, List.of(), flags);
    }

    /**
     * Starts the daemon as another user that holds {@code capabilities} (such as {@code setuid}) in
     * its ambient set, as the shipped unit's {@code AmbientCapabilities=} gives them.
     */
    public static DaemonProcess startAs(Path tmpDir, int uid, int gid, List<String> capabilities, String... flags)
            throws IOException {
        return startAs(tmpDir, Map.of(), uid, gid, capabilities, flags);
    }

    /** Starts the daemon as another user holding {@code capabilities}, with extra environment variables. */
    public static DaemonProcess startAs(Path tmpDir, Map<String, String> environment, int uid, int gid,
                                 List<String> capabilities, String... flags)
            throws IOException {
        TestDaemon.openToTheCode(tmpDir);
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups"));
        if (!capabilities.isEmpty()) {
            String raised = capabilities.stream().map(c -> "+" + c).collect(Collectors.joining(","));
            command.addAll(List.of("--inh-caps=" + raised, "--ambient-caps=" + raised));
        }
        command.addAll(command(tmpDir, readableClassPath(tmpDir.resolve("classpath")), flags));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmpDir.toFile());
        builder.environment().putAll(environment);
        return launch(builder, LISTENING);
    }

    private static List<String> command(Path tmpDir, String classPath, String... flags) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath,
                "-Djava.io.tmpdir=" + tmpDir,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "dev.interpreterd.Main", "--port", "0", "--python", TestDaemon.PYTHON));
        command.addAll(TestDaemon.launcherFlags());
        command.addAll(List.of(flags));
        return command;
    }

    /** Copies the jars of this JVM's class path into {@code dir}, readable by all; directories stay. */
    private static String readableClassPath(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            if (Files.isRegularFile(path)) {
                path = Files.copy(path, dir.resolve(entries.size() + "-" + path.getFileName()));
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
            }
            entries.add(path.toString());
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return String.join(File.pathSeparator, entries);
    }

    /** Starts the daemon and reads its log until a line matches {@code started}, whose group 1 is the port. */
    private static DaemonProcess launch(ProcessBuilder builder, Pattern started) throws IOException {
        AtomicBoolean listening = new AtomicBoolean();
        Process process = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // A daemon that never gets to listening is stopped, so that the read below ends.
        CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS).execute(() -> {
            if (!listening.get()) {
                process.destroyForcibly();
            }
        });
        BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = stderr.readLine()) != null; ) {
            lines.add(line);
            Matcher m = started.matcher(line);
            if (m.find()) {
                listening.set(true);
                DaemonProcess daemon = new DaemonProcess(process, Integer.parseInt(m.group(1)), lines);
                daemon.keepReading(stderr);
                return daemon;
            }
        }
        throw new IOException("daemon exited with status " + exitStatus(process) + " before listening: "
                + String.join("\n", lines));
    }

    /** The exit status of a process whose output has ended, or -1 if it has not exited 10 s later. */
    private static int exitStatus(Process process) {
        try {
            return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void keepReading(BufferedReader stderr) {
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = stderr.readLine()) != null; ) {
                    synchronized (log) {
                        log.add(line);
                    }
                }
            } catch (IOException e) {
                // the daemon is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** Posts code in the background. */
    public CompletableFuture<JsonPath> executeAsync(String code, Map<String, Object> extra) {
        Map<String, Object> body = new java.util.HashMap<>(extra);
        body.put("code", code);
        return CompletableFuture.supplyAsync(() -> given().baseUri("http://127.0.0.1").port(port)
                .contentType(ContentType.JSON).body(body).post("/process/interpreter/execute")
                .then().statusCode(200).extract().jsonPath());
    }

    /** Polls /health until this many executions are running. */
    public void awaitRunning(int running) {
        eventually(running + " executions run", () -> given().baseUri("http://127.0.0.1").port(port).get("/health")
                .then().extract().jsonPath().getInt("running") == running);
    }

    /** Sends SIGTERM (what {@link Process#destroy()} does on Linux). */
    public void terminate() {
        process.destroy();
    }

    /** What {@link #awaitExit} answers once {@link #kill()} has ended the daemon: death by signal N is 128 + N. */
    public static final int KILLED_EXIT_VALUE = 128 + Signal.SIGKILL.number();

    /** Sends SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Waits for the JVM to exit; returns its exit value, or -1 when it had not exited by then. */
    public int awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    /** The daemon's log lines so far. */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /**
     * True if {@code entry}, a cgroup or a runner directory, is named for the daemon process {@code pid}:
     * {@code interpreterd-<key>-<pid>-<start>-…}.
     */
    public static boolean madeBy(long pid, Path entry) {
        return entry.getFileName().toString().matches("interpreterd-[0-9a-f]{12}-" + pid + "-\\d+-.+");
    }

    /**
     * Stops the daemon as a service manager would, SIGTERM first, so that it removes its cgroups and
     * its runner directory; SIGKILL if it has not exited 10 s later.
     */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
