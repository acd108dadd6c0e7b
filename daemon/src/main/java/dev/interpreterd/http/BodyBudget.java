package dev.interpreterd.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that bodies still arriving may take together. Each body's first {@link #FREE_BYTES}
 * are outside it, so that the small bodies of ordinary requests are never refused; beyond that, a
 * body grows only while the budget has room, and a body that finds none is refused with 503.
 */
final class BodyBudget {

    /** What every body may hold without asking: 64 KiB, far more than a typical request needs. */
    static final int FREE_BYTES = 64 * 1024;

    private final long maxBytes;
    private final AtomicLong taken = new AtomicLong();

    /** A budget of {@code maxBytes} shared by every body being received. */
    BodyBudget(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("a body budget must be positive");
        }
        this.maxBytes = maxBytes;
    }

    /**
     * A quarter of the heap, so that bodies in flight cannot exhaust it, but at least one largest body.
     *
     * @param maxBodyBytes the largest body ({@code --max-body})
     */
    static BodyBudget forHeap(long maxBodyBytes) {
        return new BodyBudget(Math.max(Runtime.getRuntime().maxMemory() / 4, maxBodyBytes));
    }

    /** Takes {@code bytes} from the budget if it has them; false, taking nothing, if not. */
    boolean take(long bytes) {
        long before;
        do {
            before = taken.get();
            if (before + bytes > maxBytes) {
                return false;
            }
        } while (!taken.compareAndSet(before, before + bytes));
        return true;
    }

    /** Gives back what {@link #take(long)} took. */
    void giveBack(long bytes) {
        taken.addAndGet(-bytes);
    }

    /** The whole budget, in bytes. */
    long maxBytes() {
        return maxBytes;
    }
}
