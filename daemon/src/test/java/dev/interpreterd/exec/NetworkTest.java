package dev.interpreterd.exec;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.interpreterd.TestDaemon;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** "network": false puts the code in an empty network namespace; --network false is a policy. */
class NetworkTest {

    /** Prints the interfaces the code sees, then tries to reach the daemon itself on loopback. */
    private static final String PROBE = """
            import socket
            print([name for _, name in socket.if_nameindex()] == ['lo'])
            socket.create_connection(('127.0.0.1', %d), timeout=2).close()
            print('connected')
            """;

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @Test
    void this_machine_can_isolate_executions() {
        daemon.request().get("/health").then().body("networkIsolation", equalTo(true));
    }

    @Test
    void by_default_the_code_reaches_the_network() {
        daemon.execute(PROBE.formatted(daemon.port()))
                .body("status", equalTo("ok"))
                .body("stdout", containsString("connected"));
    }

    @Test
    void without_network_the_code_has_only_a_loopback_that_leads_nowhere() {
        daemon.execute(PROBE.formatted(daemon.port()), Map.of("network", false))
                .body("status", equalTo("error"))
                .body("stdout", equalTo("True\n"))
                .body("error.name", equalTo("OSError"));
    }

    @Test
    void without_network_files_and_subprocesses_still_work() {
        daemon.execute("import os, subprocess, tempfile\nwith tempfile.NamedTemporaryFile('w') as f:\n"
                        + "    f.write('x')\nsubprocess.run(['true'], check=True)\nprint(os.getuid() == os.stat('/proc/self').st_uid)",
                        Map.of("network", false))
                .body("status", equalTo("ok"))
                .body("stdout", equalTo("True\n"));
    }

    /**
     * A box makes its network namespace once, after its first job without network, and every later
     * one of its jobs without network runs in it: empty again for each, and never held by the code.
     */
    @Test
    void a_box_without_network_keeps_one_namespace_the_code_never_holds() {
        try (TestDaemon oneBox = TestDaemon.start("--launcher", "box", "--max-concurrent", "1")) {
            String probe = """
                    import os
                    print(os.readlink('/proc/self/ns/net'))
                    links = []
                    for fd in os.listdir('/proc/self/fd'):
                        try:
                            links.append(os.readlink(f'/proc/self/fd/{fd}'))
                        except OSError:
                            pass  # the directory's own, closed by now
                    print([link for link in links if link.startswith('net:')])
                    """ + PROBE.formatted(oneBox.port());
            List<String> isolated = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                boolean network = i == 2;
                String stdout = oneBox.execute(probe, Map.of("network", network)).extract().path("stdout");
                List<String> lines = List.of(stdout.split("\n"));
                assertEquals("[]", lines.get(1), "execution " + i + " holds a network namespace: " + stdout);
                assertEquals(network, stdout.contains("connected"), "execution " + i + ": " + stdout);
                if (!network) {
                    assertEquals("True", lines.get(2), "execution " + i + " sees only lo: " + stdout);
                    isolated.add(lines.get(0));
                }
            }
            // The first made its own; after it the box made one, which the later ones share.
            assertEquals(isolated.get(1), isolated.get(2), "network namespaces: " + isolated);
        }
    }

    @Test
    void a_daemon_without_network_refuses_requests_that_ask_for_it() {
        try (TestDaemon closed = TestDaemon.start("--network", "false")) {
            closed.execute(PROBE.formatted(closed.port())).body("status", equalTo("error"));
            closed.request().contentType("application/json").body(Map.of("code", "1", "network", true))
                    .post("/process/interpreter/execute")
                    .then().statusCode(400)
                    .body("message", containsString("'network'"))
                    .body("message", containsString("--network false"));
        }
    }

    @Test
    void network_must_be_a_boolean() {
        daemon.request().contentType("application/json").body(Map.of("code", "1", "network", "no"))
                .post("/process/interpreter/execute")
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("message", containsString("'network'"));
    }
}
