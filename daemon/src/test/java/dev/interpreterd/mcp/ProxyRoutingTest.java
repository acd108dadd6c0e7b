package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interpreterd.Eventually;
import dev.interpreterd.Requires;
import dev.interpreterd.TestDaemon;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nginx configuration of docs/mcp.md in front of two daemons with their own {@code --id-prefix}, as
 * written: new interpreters go to either daemon, and every later call, from a modern client by its
 * {@code Mcp-Param-ContextId} and from a legacy one by its session, reaches the daemon that holds
 * its interpreter.
 */
class ProxyRoutingTest {

    private static final Pattern NGINX_BLOCK = Pattern.compile("(?s)```nginx\\n(.*?)```");

    @TempDir
    Path tmp;

    @BeforeAll
    static void requirements() {
        Requires.command("nginx", "apt-get install -y nginx-light");
        McpClient.install();
    }

    @Test
    void calls_reach_the_daemon_that_holds_their_interpreter_through_the_documented_nginx() throws Exception {
        try (TestDaemon a = TestDaemon.start("--id-prefix", "a."); TestDaemon b = TestDaemon.start("--id-prefix", "b.")) {
            int port = freePort();
            Process nginx = startNginx(port, a.port(), b.port());
            try {
                String url = "http://127.0.0.1:" + port + "/mcp";
                List<Map<String, Object>> steps = new ArrayList<>();
                steps.add(McpClient.step("m", "list"));
                for (int i = 0; i < 4; i++) {
                    steps.add(McpClient.execute("m", "v = " + i));
                }
                for (int i = 0; i < 4; i++) {
                    steps.add(McpClient.execute("m", "print(v)", "$" + (i + 1)));
                }
                JsonNode modern = McpClient.runModern(url, Map.of(), steps);
                Set<String> prefixes = new HashSet<>();
                for (int i = 0; i < 4; i++) {
                    String id = McpClient.contextId(modern, 1 + i);
                    prefixes.add(id.substring(0, 2));
                    assertEquals(id, McpClient.contextId(modern, 5 + i), modern::toString);
                    assertEquals("status: ok\nstdout:\n" + i, McpClient.text(McpClient.result(modern, 5 + i)),
                            modern::toString);
                }
                assertEquals(Set.of("a.", "b."), prefixes, "new interpreters are made on both daemons: " + modern);

                JsonNode legacy = McpClient.run(url, Map.of(), List.of(McpClient.execute("l", "w = 7"),
                        McpClient.execute("l", "print(w)"), McpClient.execute("l", "print(w)")));
                assertEquals("status: ok\nstdout:\n7", McpClient.text(McpClient.result(legacy, 1)), legacy::toString);
                assertEquals("status: ok\nstdout:\n7", McpClient.text(McpClient.result(legacy, 2)), legacy::toString);
            } finally {
                nginx.destroy();
                nginx.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** nginx in the foreground with the server block of docs/mcp.md, its ports replaced and its files in {@code tmp}. */
    private Process startNginx(int port, int daemonA, int daemonB) throws IOException, InterruptedException {
        Matcher block = NGINX_BLOCK.matcher(Files.readString(Path.of("../docs/mcp.md")));
        assertTrue(block.find(), "no nginx configuration in docs/mcp.md");
        String server = block.group(1).replace("listen 8000;", "listen 127.0.0.1:" + port + ";")
                .replace("127.0.0.1:8001", "127.0.0.1:" + daemonA).replace("127.0.0.1:8002", "127.0.0.1:" + daemonB);
        String temp = tmp.toString();
        Path conf = tmp.resolve("nginx.conf");
        Files.writeString(conf, "daemon off;\nworker_processes 1;\npid " + temp + "/nginx.pid;\nerror_log " + temp
                + "/error.log;\nevents {}\nhttp {\n    access_log off;\n    client_body_temp_path " + temp + "/body;\n"
                + "    proxy_temp_path " + temp + "/proxy;\n    fastcgi_temp_path " + temp + "/fastcgi;\n"
                + "    uwsgi_temp_path " + temp + "/uwsgi;\n    scgi_temp_path " + temp + "/scgi;\n" + server + "}\n");
        Process nginx = new ProcessBuilder("nginx", "-p", temp, "-c", conf.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("nginx.out").toFile()).start();
        Eventually.eventually("nginx listens", Duration.ofSeconds(10), () -> {
            if (!nginx.isAlive()) {
                throw new AssertionError("nginx exited: " + Files.readString(tmp.resolve("nginx.out"))
                        + Files.readString(tmp.resolve("error.log")));
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return nginx;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
