package dev.interpreterd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify as systemd sees it: a unix datagram socket (served here by a small python3 listener,
 * since Java 17 has no unix datagram channels) receives READY=1, STATUS=, WATCHDOG=1 and STOPPING=1.
 */
class SystemdNotifyTest {

    /**
     * Prints each datagram as JSON, and for READY=1 whether the announced port accepted a connection
     * then, and the status /health answered then.
     */
    private static final String LISTENER = """
            import http.client, json, re, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(sys.argv[1])
            print(json.dumps({"bound": True}), flush=True)
            while True:
                message = s.recv(65536).decode()
                accepted = health = None
                port = re.search(r"listening on [^:]+:(\\d+)", message)
                if "READY=1" in message and port:
                    try:
                        socket.create_connection(("127.0.0.1", int(port.group(1))), timeout=1).close()
                        accepted = True
                        connection = http.client.HTTPConnection("127.0.0.1", int(port.group(1)), timeout=5)
                        connection.request("GET", "/health")
                        health = connection.getresponse().status
                        connection.close()
                    except OSError:
                        accepted = False
                print(json.dumps({"message": message, "accepted": accepted, "health": health}), flush=True)
            """;

    @TempDir
    Path tmp;
    private Process listener;
    /** The listener's lines, read on a thread of their own so that every wait here is bounded. */
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void listen() throws IOException, InterruptedException {
        listener = new ProcessBuilder("python3", "-c", LISTENER, tmp.resolve("notify.sock").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = lines.readLine()) != null; ) {
                    messages.add(line);
                }
            } catch (IOException e) {
                // the listener is gone
            }
        }, "notify-listener");
        reader.setDaemon(true);
        reader.start();
        assertTrue(next().path("bound").asBoolean());
    }

    @AfterEach
    void stopListening() {
        listener.destroyForcibly();
    }

    @Test
    void ready_arrives_once_code_can_run_then_status_watchdog_and_stopping() throws Exception {
        Map<String, String> environment = Map.of(
                "NOTIFY_SOCKET", tmp.resolve("notify.sock").toString(),
                "WATCHDOG_USEC", Long.toString(Duration.ofMillis(400).toNanos() / 1000));
        try (DaemonProcess daemon = DaemonProcess.start(tmp, environment)) {
            JsonNode ready = next();
            String message = ready.path("message").asText();
            assertTrue(message.contains("READY=1"), message);
            assertTrue(message.contains("MAINPID=" + daemon.pid()), message);
            assertTrue(message.contains("STATUS=listening on 127.0.0.1:"), message);
            assertTrue(ready.path("accepted").asBoolean(), "READY=1 came before the port accepted connections");
            assertEquals(200, ready.path("health").asInt(), "READY=1 came before the daemon could run code");

            assertTrue(nextContaining("WATCHDOG=1").contains("WATCHDOG=1"));
            daemon.executeAsync("import time\ntime.sleep(30)", Map.of());
            assertTrue(nextContaining("1 running").contains("STATUS="));

            daemon.terminate();
            assertTrue(nextContaining("STOPPING=1").startsWith("STOPPING=1"));
            assertEquals(0, daemon.awaitExit(10), "the daemon did not exit cleanly after SIGTERM");
        }
    }

    @Test
    void without_a_watchdog_request_no_pings_are_sent() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(tmp, Map.of("NOTIFY_SOCKET", tmp.resolve("notify.sock").toString()))) {
            assertTrue(next().path("message").asText().contains("READY=1"));
            daemon.terminate();
            // STATUS lines may come first; the first WATCHDOG or STOPPING line must be STOPPING.
            String message = nextContaining("=");
            while (!message.contains("STOPPING=1") && !message.contains("WATCHDOG=1")) {
                message = nextContaining("=");
            }
            assertTrue(message.contains("STOPPING=1"), message);
            assertEquals(0, daemon.awaitExit(10));
        }
    }

    @Test
    void the_watchdog_interval_follows_watchdog_usec_and_watchdog_pid() {
        String me = Long.toString(ProcessHandle.current().pid());
        assertEquals(Duration.ofSeconds(30), ServiceNotifications.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000")));
        assertEquals(Duration.ofSeconds(30),
                ServiceNotifications.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", me)));
        assertEquals(Duration.ZERO,
                ServiceNotifications.watchdogInterval(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "1")));
        assertEquals(Duration.ZERO, ServiceNotifications.watchdogInterval(Map.of()));
        assertEquals(Duration.ZERO, ServiceNotifications.watchdogInterval(Map.of("WATCHDOG_USEC", "soon")));
    }

    private JsonNode next() throws IOException, InterruptedException {
        String line = messages.poll(20, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("no notification within 20 s");
        }
        return json.readTree(line);
    }

    /** The next message containing the text, skipping others; bounded in time. */
    private String nextContaining(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            String message = next().path("message").asText();
            if (message.contains(text)) {
                return message;
            }
        }
        throw new AssertionError("no message containing " + text);
    }
}
