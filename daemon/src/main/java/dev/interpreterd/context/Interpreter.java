package dev.interpreterd.context;

import dev.interpreterd.exec.WorkerEnvironment;
import dev.interpreterd.exec.box.Box;
import dev.interpreterd.exec.box.Zygote;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.exec.control.Frame;
import dev.interpreterd.exec.output.MarkedOutput;
import dev.interpreterd.exec.output.OutputPumps;
import dev.interpreterd.os.NamedPipe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/**
 * A context's interpreter: a box whose one child keeps its Python state between executions, and
 * the sinks of the two pipes it writes to for as long as it lives.
 *
 * @param box the box, whose child holds the interpreter
 * @param stdout where the pump of its stdout pipe writes
 * @param stderr where the pump of its stderr pipe writes
 */
record Interpreter(Box box, MarkedOutput stdout, MarkedOutput stderr) {

    /** How long a box may take to start, and to end once killed. */
    static final Duration BOX_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Where interpreters come from, and what each is started with.
     *
     * @param pipeDirectory where each box's output pipes are made
     * @param pumps the threads that read the pipes, two per interpreter for its whole life
     */
    record Maker(Zygote zygote, Cgroups cgroups, Path pipeDirectory, WorkerEnvironment environment,
                 ExecutorService pumps) {

        /**
         * Makes a box and its interpreter: the child opens the pipes, takes the context's environment,
         * directory, limits, network and user, and says it is ready.
         *
         * @param contextId what the pipes are named after, in the box's own directory
         * @throws IOException when no box can be made or the interpreter cannot start, with the reason
         */
        Interpreter start(String contextId, ContextSettings settings) throws IOException, InterruptedException {
            Box box = Box.make(zygote, cgroups, pipeDirectory, BOX_TIMEOUT);
            String name = "context-" + contextId;
            NamedPipe out = null;
            NamedPipe err = null;
            try {
                box.cgroup().limit(settings.limits());
                out = box.pipe(name + "-stdout");
                err = box.pipe(name + "-stderr");
                box.startContext(new Frame.StartContext(out.path().toString(), err.path().toString(),
                        environment.with(settings.envs()), settings.cwd().toString(), settings.limits().forRunner(),
                        settings.network(), environment.user().forRunner()));
                Frame.Exit ready = awaitExit(box);
                Frame.Report report = ready.report();
                if (!ready.alive() || report == null || !"ok".equals(report.outcome())) {
                    throw new ContextException(ContextException.Reason.NOT_STARTED, "the context's interpreter"
                            + " did not start" + (report == null ? "" : ": " + report.name() + ": " + report.value()));
                }
                MarkedOutput stdout = new MarkedOutput();
                MarkedOutput stderr = new MarkedOutput();
                pump(out.openReader(), stdout);
                pump(err.openReader(), stderr);
                return new Interpreter(box, stdout, stderr);
            } catch (IOException | RuntimeException e) {
                box.close();
                throw e;
            } finally {
                if (out != null) {
                    out.close();
                }
                if (err != null) {
                    err.close();
                }
            }
        }

        private static Frame.Exit awaitExit(Box box) throws IOException {
            while (true) {
                if (box.read() instanceof Frame.Exit exit) {
                    return exit;
                }
            }
        }

        private void pump(InputStream in, MarkedOutput sink) {
            pumps.execute(() -> OutputPumps.pump(in, sink));
        }
    }

    /** Kills the box and waits until every process in it is gone. */
    void stop() throws InterruptedException {
        box.close();
        box.awaitExit(BOX_TIMEOUT);
    }
}
