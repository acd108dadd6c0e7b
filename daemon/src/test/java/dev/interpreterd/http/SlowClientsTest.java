package dev.interpreterd.http;

import static dev.interpreterd.Eventually.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.interpreterd.DaemonProcess;
import dev.interpreterd.TestDaemon;
import dev.interpreterd.http.HttpApi;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that send half a request and wait hold no thread and, past a deadline, no connection; a
 * flood of connections past the cap is refused at once; a client that goes away is one log line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlowClientsTest {

    /** Well past what any of these clients may take: 10 s for a small body, and slack for a busy machine. */
    private static final Duration CUT_OFF_WITHIN = Duration.ofSeconds(30);
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
    private static final int DAWDLERS = 400;

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @TempDir
    Path tmp;

    @Test
    @Order(1)
    void hundreds_of_half_sent_bodies_leave_health_and_executions_answering_until_they_are_cut_off()
            throws Exception {
        try (Sockets dawdlers = new Sockets()) {
            for (int i = 0; i < DAWDLERS; i++) {
                dawdlers.halfSentBody(daemon.port());
            }

            HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/health")).GET());
            assertEquals(200, health.statusCode(), health::body);
            assertEquals("ok", JsonPath.from(health.body()).getString("status"));
            HttpResponse<String> executed = send(HttpRequest.newBuilder(uri(HttpApi.EXECUTE_PATH))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"code\": \"print(1)\"}")));
            assertEquals(200, executed.statusCode(), executed::body);
            assertEquals("ok", JsonPath.from(executed.body()).getString("status"));
            assertEquals("1\n", JsonPath.from(executed.body()).getString("stdout"));
            assertTrue(dawdlers.last().isWaiting(), "the last dawdler is still waiting for its answer");

            for (RawClient dawdler : List.of(dawdlers.first(), dawdlers.last())) {
                String answer = dawdler.readToEnd(CUT_OFF_WITHIN);
                assertThat(answer, startsWith("HTTP/1.1 408 "));
                assertThat(answer, containsString("\"error\":\"body_timeout\""));
                assertThat(answer, containsString("100 of 1000 bytes"));
            }
        }
    }

    @Test
    @Order(2)
    void a_body_that_comes_in_pieces_runs_once_whole() throws Exception {
        byte[] body = "{\"code\": \"print('in pieces')\"}".getBytes(StandardCharsets.US_ASCII);
        try (Sockets sockets = new Sockets()) {
            RawClient client = sockets.open(daemon.port());
            client.send(headers(body.length) + new String(body, 0, 10, StandardCharsets.US_ASCII));
            Thread.sleep(200);
            client.send(new String(body, 10, body.length - 10, StandardCharsets.US_ASCII));
            String answer = client.readAnswer(ANSWER_WITHIN);
            assertThat(answer, startsWith("HTTP/1.1 200 "));
            assertThat(answer, containsString("\"stdout\":\"in pieces\\n\""));
        }
    }

    /** After the tests that need free connections on this daemon, so that none finds the cap taken. */
    @Test
    @Order(3)
    void connections_past_the_cap_are_refused_at_once_and_the_cap_frees_again() throws Exception {
        int extra = 20;
        try (Sockets flood = new Sockets()) {
            for (int i = 0; i < HttpApi.MAX_CONNECTIONS + extra; i++) {
                flood.open(daemon.port());
            }
            // The refused ones are answered without sending anything; the others wait for a request.
            eventually("at least " + extra + " connections are answered", ANSWER_WITHIN,
                    () -> flood.answered() >= extra);
            RawClient refused = flood.last();
            String answer = refused.readToEnd(ANSWER_WITHIN);
            assertThat(answer, startsWith("HTTP/1.1 503 "));
            assertThat(answer, containsString("Retry-After: 1"));
            assertThat(answer, containsString("\"error\":\"too_many_connections\""));
            assertTrue(flood.first().isWaiting(), "the first connection, within the cap, is still open");

            HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/health")).GET());
            assertEquals(503, health.statusCode(), health::body);
            assertEquals("too_many_connections", JsonPath.from(health.body()).getString("error"));
        }
        eventually("/health answers once the flood is gone", ANSWER_WITHIN,
                () -> send(HttpRequest.newBuilder(uri("/health")).GET()).statusCode() == 200);
    }

    @Test
    @Order(4)
    void clients_that_go_away_mid_body_are_one_log_line_each_and_no_stack_trace() throws Exception {
        int clients = 40;
        try (DaemonProcess logged = DaemonProcess.start(tmp)) {
            try (Sockets leaving = new Sockets()) {
                for (int i = 0; i < clients; i++) {
                    RawClient client = leaving.halfSentBody(logged.port());
                    // Half leave with a reset, half with an orderly close.
                    if (i % 2 == 0) {
                        client.resetOnClose();
                    }
                }
                // An answer on another connection, so that the daemon has read the half-sent requests.
                HttpResponse<String> health = send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + logged.port() + "/health")).GET());
                assertEquals(200, health.statusCode(), health::body);
            }
            eventually(clients + " clients are logged as gone", ANSWER_WITHIN,
                    () -> wentAway(logged.log()) == clients);
            List<String> log = logged.log();
            assertEquals(List.of(), log.stream()
                    .filter(line -> line.startsWith("\tat ") || line.startsWith("Caused by") || line.contains("ERROR"))
                    .toList(), "the daemon's log has no stack trace and no error");
            assertEquals(clients, wentAway(log), "one line for each client that went away");
        }
    }

    private static int wentAway(List<String> log) {
        return (int) log.stream().filter(line -> line.contains("the client went away")).count();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + daemon.port() + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(ANSWER_WITHIN).build();
        return client.send(request.timeout(ANSWER_WITHIN).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String headers(int contentLength) {
        return "POST " + HttpApi.EXECUTE_PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    /** Raw connections to the daemon, all closed at the end. */
    private static final class Sockets implements AutoCloseable {

        private final List<RawClient> clients = new ArrayList<>();

        RawClient open(int port) throws IOException {
            RawClient client = new RawClient(new Socket("127.0.0.1", port));
            clients.add(client);
            return client;
        }

        /** A client that sends its headers, declaring 1000 bytes of body, and 100 of them, then waits. */
        RawClient halfSentBody(int port) throws IOException {
            RawClient client = open(port);
            client.send(headers(1000) + "{\"code\": \"" + "x".repeat(100 - 11) + "\n");
            return client;
        }

        RawClient first() {
            return clients.get(0);
        }

        RawClient last() {
            return clients.get(clients.size() - 1);
        }

        /** How many have something to read. */
        long answered() throws IOException {
            long count = 0;
            for (RawClient client : clients) {
                if (client.socket.getInputStream().available() > 0) {
                    count++;
                }
            }
            return count;
        }

        @Override
        public void close() {
            for (RawClient client : clients) {
                try {
                    client.socket.close();
                } catch (IOException e) {
                    // closing is all that is left to do
                }
            }
        }
    }

    /** One raw connection. */
    private record RawClient(Socket socket) {

        private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)content-length: *(\\d+)");

        void send(String text) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** True if the daemon has neither answered nor closed the connection. */
        boolean isWaiting() throws IOException {
            socket.setSoTimeout(50);
            try {
                socket.getInputStream().read();
                return false;
            } catch (SocketTimeoutException e) {
                return true;
            }
        }

        /** What the daemon sends until it closes the connection, which it must do within {@code within}. */
        String readToEnd(Duration within) throws IOException {
            long deadline = System.nanoTime() + within.toNanos();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            try {
                while (true) {
                    int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    socket.setSoTimeout(left);
                    int read = in.read(buffer);
                    if (read < 0) {
                        break;
                    }
                    answer.write(buffer, 0, read);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection was still open after " + within.toSeconds()
                        + " s, having sent: " + answer.toString(StandardCharsets.US_ASCII), e);
            } catch (SocketException e) {
                // A reset ends the connection too.
            }
            return answer.toString(StandardCharsets.US_ASCII);
        }

        /** The status line, headers and body of one answer with a Content-Length. */
        String readAnswer(Duration within) throws IOException {
            socket.setSoTimeout((int) within.toMillis());
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new AssertionError("the connection ended inside the headers: " + head);
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.US_ASCII);
            Matcher length = CONTENT_LENGTH.matcher(text);
            assertTrue(length.find(), () -> "no Content-Length in " + text);
            return text + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8);
        }

        void resetOnClose() throws SocketException {
            socket.setSoLinger(true, 0);
        }
    }
}
