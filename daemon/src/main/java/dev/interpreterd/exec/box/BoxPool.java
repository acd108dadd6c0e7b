package dev.interpreterd.exec.box;

import dev.interpreterd.exec.Stock;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.os.Threads;
import dev.interpreterd.os.NamedPipe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A box for every slot, made ahead of need by the zygote. An execution leases an idle box; the lease
 * hands it back when the box reported how its code ended (the box is clean again by then), and
 * otherwise the box is killed and a new one made in the background.
 */
public final class BoxPool implements WorkerSource<BoxLease> {

    private static final Duration BOX_STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final long outputCapBytes;
    private final Stock<Box> boxes;
    private final AtomicLong pipes = new AtomicLong();
    /** Pump threads are reused: creating two threads per execution costs more than the execution. */
    private final ExecutorService pumps = Executors.newCachedThreadPool(Threads.named("interpreterd-pump"));

    /**
     * Makes the first box at once, so that a machine where boxes cannot be made fails here, and the
     * others in the background, each with a directory of its own for its pipes under {@code pipeDirectory}.
     *
     * @throws IOException when no box can be made, with the reason
     */
    public BoxPool(Zygote zygote, Cgroups cgroups, Path pipeDirectory, long outputCapBytes, int size)
            throws IOException, InterruptedException {
        this.outputCapBytes = outputCapBytes;
        this.boxes = new Stock<>("a box", size, () -> Box.make(zygote, cgroups, pipeDirectory, BOX_STARTUP_TIMEOUT),
                Box::isUsable, true);
        boxes.makeOneNow();
        boxes.fill();
    }

    /** An idle box, or a new one when none is idle, leased with a fresh pair of output pipes. */
    @Override
    public BoxLease acquire() throws IOException, InterruptedException {
        return lease(boxes.take());
    }

    /** A box made now, with a zygote started afresh if the last one is gone. */
    @Override
    public BoxLease acquireFresh() throws IOException, InterruptedException {
        return lease(boxes.takeFresh());
    }

    private BoxLease lease(Box box) throws IOException {
        long n = pipes.incrementAndGet();
        NamedPipe stdout = null;
        try {
            stdout = box.pipe("stdout-" + n);
            NamedPipe stderr = box.pipe("stderr-" + n);
            // Other boxes idle: this one's next child will likely wait long enough to warm up.
            return new BoxLease(this, box, stdout, stderr, outputCapBytes, pumps, boxes.anyReady());
        } catch (IOException e) {
            if (stdout != null) {
                stdout.close();
            }
            giveBack(box, true);
            throw e;
        }
    }

    /** Takes a box back from its lease: clean ones wait for the next execution, others are replaced. */
    void giveBack(Box box, boolean clean) {
        boxes.giveBack(box, clean);
    }

    /** Stops making boxes and kills the idle ones; boxes still leased die with the zygote, which is not the pool's. */
    @Override
    public void close() {
        boxes.close();
        pumps.shutdown();
    }
}
