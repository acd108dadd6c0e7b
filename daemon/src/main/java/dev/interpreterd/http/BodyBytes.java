package dev.interpreterd.http;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes of one body as they come, in an array that grows in steps (so that a client that declares
 * a large body but sends little takes little), charged to a {@link BodyBudget} past its free bytes.
 * Not thread-safe: its {@link BodyLoad} guards it.
 */
final class BodyBytes {

    private static final int FIRST_BUFFER_BYTES = 16 * 1024;

    private final BodyBudget budget;
    private final long maxBytes;
    private byte[] buffer = new byte[0];
    private int size;
    private long charged;

    /** Bytes for a body of at most {@code maxBytes}: its declared length, or the largest body. */
    BodyBytes(BodyBudget budget, long maxBytes) {
        this.budget = budget;
        this.maxBytes = maxBytes;
    }

    /** How many bytes came so far. */
    int size() {
        return size;
    }

    /**
     * Appends what remains of {@code bytes}, which must fit in the maximum; false, appending nothing,
     * when the budget has no room for the growth.
     */
    boolean append(ByteBuffer bytes) {
        int count = bytes.remaining();
        if (size + count > buffer.length && !grow(size + count)) {
            return false;
        }
        bytes.get(buffer, size, count);
        size += count;
        return true;
    }

    /** The body, an array of exactly its length. */
    byte[] toArray() {
        return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    }

    /** Gives back to the budget what the array took; the body is no longer being received. */
    void release() {
        budget.giveBack(charged);
        charged = 0;
    }

    private boolean grow(int needed) {
        int capacity = (int) Math.min(maxBytes, Math.max(needed, Math.max(FIRST_BUFFER_BYTES, 2L * buffer.length)));
        long charge = chargeable(capacity) - chargeable(buffer.length);
        if (charge > 0 && !budget.take(charge)) {
            return false;
        }
        charged += charge;
        buffer = Arrays.copyOf(buffer, capacity);
        return true;
    }

    private static long chargeable(int capacity) {
        return Math.max(0, capacity - BodyBudget.FREE_BYTES);
    }
}
