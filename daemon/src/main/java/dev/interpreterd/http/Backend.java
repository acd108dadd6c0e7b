package dev.interpreterd.http;

import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.Host;

/**
 * What the HTTP routes serve from, known once the daemon can run code: the executions and contexts,
 * and what the start found out about this machine.
 */
public record Backend(ExecutionService executions, Contexts contexts, Host host) {
}
