package dev.interpreterd.exec.box;

import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.os.Threads;
import dev.interpreterd.os.NamedPipe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A box for every slot, made ahead of need by the zygote. An execution leases an idle box; the lease
 * hands it back when the box reported how its code ended (the box is clean again by then), and
 * otherwise the box is killed and a new one made in the background.
 */
public final class BoxPool implements WorkerSource<BoxLease> {

    private static final Logger log = LoggerFactory.getLogger(BoxPool.class);
    private static final Duration BOX_STARTUP_TIMEOUT = Duration.ofSeconds(30);

    private final Zygote zygote;
    private final Cgroups cgroups;
    private final Path pipeDirectory;
    private final long outputCapBytes;
    private final int size;
    private final BlockingQueue<Box> idle;
    /** Boxes being made or replaced; with the idle and leased ones they never exceed the pool's size. */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger leased = new AtomicInteger();
    private final AtomicLong pipes = new AtomicLong();
    private final ExecutorService maker = Executors.newSingleThreadExecutor(Threads.named("interpreterd-boxes"));
    /** Pump threads are reused: creating two threads per execution costs more than the execution. */
    private final ExecutorService pumps = Executors.newCachedThreadPool(Threads.named("interpreterd-pump"));
    private volatile boolean closed;

    /**
     * Makes the first box at once, so that a machine where boxes cannot be made fails here, and the
     * others in the background.
     *
     * @throws IOException when no box can be made, with the reason
     */
    public BoxPool(Zygote zygote, Cgroups cgroups, Path pipeDirectory, long outputCapBytes, int size)
            throws IOException, InterruptedException {
        this.zygote = zygote;
        this.cgroups = cgroups;
        this.pipeDirectory = pipeDirectory;
        this.outputCapBytes = outputCapBytes;
        this.size = size;
        this.idle = new ArrayBlockingQueue<>(size);
        idle.add(Box.make(zygote, cgroups, BOX_STARTUP_TIMEOUT));
        for (int i = 1; i < size; i++) {
            refill();
        }
    }

    /** An idle box, or a new one when none is idle, leased with a fresh pair of output pipes. */
    @Override
    public BoxLease acquire() throws IOException, InterruptedException {
        Box box = idleBox();
        long n = pipes.incrementAndGet();
        NamedPipe stdout = null;
        try {
            stdout = NamedPipe.create(pipeDirectory.resolve("stdout-" + n));
            NamedPipe stderr = NamedPipe.create(pipeDirectory.resolve("stderr-" + n));
            leased.incrementAndGet();
            return new BoxLease(this, box, stdout, stderr, outputCapBytes, pumps);
        } catch (IOException e) {
            if (stdout != null) {
                stdout.close();
            }
            giveBack(box, true);
            throw e;
        }
    }

    private Box idleBox() throws IOException, InterruptedException {
        for (Box box; (box = idle.poll()) != null; ) {
            if (box.isUsable()) {
                return box;
            }
            box.close(); // died while idle, e.g. killed from outside
            refill();
        }
        // Every box is leased or being replaced; make one here rather than wait.
        pending.incrementAndGet();
        try {
            return Box.make(zygote, cgroups, BOX_STARTUP_TIMEOUT);
        } finally {
            pending.decrementAndGet();
        }
    }

    /** Takes a box back from its lease: clean ones wait for the next execution, others are replaced. */
    void giveBack(Box box, boolean clean) {
        leased.decrementAndGet();
        if (clean && !closed && box.isUsable() && idle.offer(box)) {
            return;
        }
        box.close();
        refill();
    }

    /** Makes one more box in the background, unless the pool is already full. */
    private void refill() {
        if (closed) {
            return;
        }
        if (pending.incrementAndGet() + idle.size() + leased.get() > size) {
            pending.decrementAndGet();
            return;
        }
        maker.execute(() -> {
            try {
                Box box = Box.make(zygote, cgroups, BOX_STARTUP_TIMEOUT);
                if (closed || !idle.offer(box)) {
                    box.close();
                }
            } catch (IOException e) {
                log.warn("could not make a box: {}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pending.decrementAndGet();
            }
        });
    }

    /** Stops making boxes and kills the idle ones; boxes still leased die with the zygote, which is not the pool's. */
    @Override
    public void close() {
        closed = true;
        maker.shutdownNow();
        for (Box box; (box = idle.poll()) != null; ) {
            box.close();
        }
        pumps.shutdown();
    }
}
