package dev.interpreterd.exec;

import java.util.ArrayList;
import java.util.List;

/** The rich outputs of one execution, kept up to a cap on their total size like the output streams. */
final class Outputs {

    private final long capChars;
    private final List<Output> kept = new ArrayList<>();
    private long keptChars;
    private boolean truncated;

    Outputs(long capChars) {
        this.capChars = capChars;
    }

    /** Keeps the output if it fits under the cap; returns false (and marks truncation) if not. */
    synchronized boolean add(Output output) {
        long size = output.size();
        if (truncated || keptChars + size > capChars) {
            truncated = true;
            return false;
        }
        kept.add(output);
        keptChars += size;
        return true;
    }

    synchronized List<Output> list() {
        return List.copyOf(kept);
    }

    synchronized boolean truncated() {
        return truncated;
    }
}
