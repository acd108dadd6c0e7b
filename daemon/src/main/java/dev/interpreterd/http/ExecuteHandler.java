package dev.interpreterd.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interpreterd.exec.ExecutionService;
import dev.interpreterd.exec.Job;
import dev.interpreterd.config.Limits;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;

/** {@code POST /process/interpreter/execute}: binds and checks the request, runs it, answers the result. */
final class ExecuteHandler implements Handler {

    private static final Pattern SOURCE_NOTE = Pattern.compile("\\[Source: [^;]*; line: (\\d+), column: (\\d+)\\]");

    private final ExecutionService executions;
    private final ObjectMapper json;
    private final BodyReader body;
    private final Duration defaultTimeout;
    private final Duration maxTimeout;
    private final Path workDir;
    private final ScheduledExecutorService keepaliveTimer;
    private final Duration keepalive;
    private final Limits maxLimits;
    private final NetworkPolicy network;

    ExecuteHandler(ExecutionService executions, ObjectMapper json, BodyReader body, Duration defaultTimeout,
                   Duration maxTimeout, Limits maxLimits, NetworkPolicy network, Path workDir,
                   ScheduledExecutorService keepaliveTimer, Duration keepalive) {
        this.maxLimits = maxLimits;
        this.network = network;
        this.keepaliveTimer = keepaliveTimer;
        this.keepalive = keepalive;
        this.executions = executions;
        this.json = json;
        this.body = body;
        this.defaultTimeout = defaultTimeout;
        this.maxTimeout = maxTimeout;
        this.workDir = workDir;
    }

    @Override
    public void handle(Context ctx) throws Exception {
        ExecuteRequest request = ExecuteRequest.from(parse(body.read(ctx)), maxTimeout, maxLimits);
        Job job = new Job(request.code(), request.envs(), directory(request), request.timeout().orElse(defaultTimeout),
                request.limits(), network.decide(request.network()), request.contextId());
        if (!NdjsonStream.wanted(ctx)) {
            Responses.json(ctx, 200, executions.execute(job), json);
            return;
        }
        NdjsonStream stream = new NdjsonStream(ctx, json, keepaliveTimer, keepalive);
        try {
            stream.finish(executions.execute(job, stream));
        } catch (IOException e) {
            if (!stream.committed()) {
                throw e;
            }
            stream.fail(e.getMessage());
        }
    }

    private JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            throw ApiException.invalid("the request body is empty; send a JSON object such as {\"code\": \"print(42)\"}");
        }
        return parse(json, bytes);
    }

    /**
     * A body as JSON.
     *
     * @throws ApiException 400 {@code invalid_json} saying where it is not JSON
     */
    static JsonNode parse(ObjectMapper json, byte[] bytes) {
        try {
            return json.readTree(bytes);
        } catch (JacksonException e) {
            throw new ApiException(400, "invalid_json", "the request body is not valid JSON: " + describe(e));
        } catch (IOException e) {
            throw new ApiException(400, "invalid_json", "the request body could not be read as JSON: " + e.getMessage());
        }
    }

    /** Jackson's message without its internal source notes, with the line and column of the problem. */
    private static String describe(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message.startsWith("Trailing token")) {
            message = "there is more data after the JSON value";
        }
        message = SOURCE_NOTE.matcher(message).replaceAll("line $1, column $2");
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            message += " (at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        }
        return message;
    }

    private Path directory(ExecuteRequest request) {
        return directory(workDir, request.cwd());
    }

    /**
     * The directory a request names, relative to the work directory, or the work directory itself.
     *
     * @throws ApiException 400 naming {@code cwd} when it is not an existing directory; one inside a
     *                      directory the daemon may not search (the code's user's own) is left to
     *                      the code, whose change of directory answers, as in a shell
     */
    static Path directory(Path workDir, Optional<String> requested) {
        if (requested.isEmpty()) {
            return workDir;
        }
        Path cwd = workDir.resolve(requested.get()).normalize();
        // notExists and exists are both false when the daemon cannot tell.
        if (Files.notExists(cwd) || Files.exists(cwd) && !Files.isDirectory(cwd)) {
            throw ApiException.invalid("field 'cwd' names '" + requested.get() + "', which is not an existing directory");
        }
        return cwd;
    }
}
