package dev.interpreterd.exec;

import dev.interpreterd.os.Threads;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Things made ahead of need and kept ready: boxes, or started interpreters. One thread makes them
 * in the background, never more than {@code size} counting those ready and those being made, and
 * those in use too where they come back; what is taken is replaced once it is given back.
 *
 * @param <T> what is kept
 */
public final class Stock<T extends AutoCloseable> implements AutoCloseable {

    /** Makes one; may take a while. */
    @FunctionalInterface
    public interface Maker<T> {

        /** A new one, ready for use. */
        T make() throws IOException, InterruptedException;
    }

    private static final Logger log = LoggerFactory.getLogger(Stock.class);

    private final String what;
    private final int size;
    private final Maker<T> maker;
    private final Predicate<T> usable;
    private final boolean reused;
    private final BlockingQueue<T> ready;
    /** Being made; with the ready ones, and the ones in use where they come back, never over the size. */
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger inUse = new AtomicInteger();
    private final ExecutorService making;
    private volatile boolean closed;

    /**
     * @param what what is kept, for the log: "a box"
     * @param usable whether a ready one can still be used, e.g. its process still lives
     * @param reused true when what is given back may be used again, so that those in use count too
     */
    public Stock(String what, int size, Maker<T> maker, Predicate<T> usable, boolean reused) {
        this.what = what;
        this.size = size;
        this.maker = maker;
        this.usable = usable;
        this.reused = reused;
        this.ready = new ArrayBlockingQueue<>(size);
        this.making = Executors.newSingleThreadExecutor(Threads.named("interpreterd-stock"));
    }

    /** Makes one now, where the caller waits: the first, which shows that they can be made at all. */
    public void makeOneNow() throws IOException, InterruptedException {
        T made = maker.make();
        if (!ready.offer(made)) {
            closeQuietly(made);
        }
    }

    /** Makes the rest in the background, up to the size. */
    public void fill() {
        for (int i = 0; i < size; i++) {
            refill();
        }
    }

    /** A ready one, or one made on the spot when none is ready. */
    public T take() throws IOException, InterruptedException {
        for (T taken; (taken = ready.poll()) != null; ) {
            if (usable.test(taken)) {
                inUse.incrementAndGet();
                return taken;
            }
            closeQuietly(taken); // died while it waited, e.g. killed from outside
            refill();
        }
        // All in use or being made: make one here rather than wait.
        return takeFresh();
    }

    /** One made on the spot, passing over the ready ones: for when those may have died too. */
    public T takeFresh() throws IOException, InterruptedException {
        pending.incrementAndGet();
        try {
            T made = maker.make();
            inUse.incrementAndGet();
            return made;
        } finally {
            pending.decrementAndGet();
        }
    }

    /** True while at least one is ready and unused. */
    public boolean anyReady() {
        return !ready.isEmpty();
    }

    /** Takes one back: if it may be used again it is ready again, any other is closed and replaced. */
    public void giveBack(T taken, boolean again) {
        inUse.decrementAndGet();
        if (reused && again && !closed && usable.test(taken) && ready.offer(taken)) {
            return;
        }
        closeQuietly(taken);
        refill();
    }

    private void refill() {
        if (closed) {
            return;
        }
        if (pending.incrementAndGet() + ready.size() + (reused ? inUse.get() : 0) > size) {
            pending.decrementAndGet();
            return;
        }
        making.execute(() -> {
            try {
                T made = maker.make();
                if (closed || !ready.offer(made)) {
                    closeQuietly(made);
                }
            } catch (IOException e) {
                log.warn("could not make {}: {}", what, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pending.decrementAndGet();
            }
        });
    }

    private void closeQuietly(T thing) {
        try {
            thing.close();
        } catch (Exception e) {
            log.warn("closing {} failed: {}", what, e.toString());
        }
    }

    /** Stops making and closes the ready ones; those in use are their users' to give back. */
    @Override
    public void close() {
        closed = true;
        making.shutdownNow();
        for (T left; (left = ready.poll()) != null; ) {
            closeQuietly(left);
        }
    }
}
