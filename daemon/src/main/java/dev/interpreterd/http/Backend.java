package dev.interpreterd.http;

import dev.interpreterd.context.Contexts;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.host.Host;
import dev.interpreterd.units.Clock;

/**
 * What the HTTP routes serve from, known once the daemon can run code: the executions and contexts,
 * what the start found out about this machine, and the clock idle MCP sessions are ended on.
 */
public record Backend(ExecutionService executions, Contexts contexts, Host host, Clock clock) {
}
