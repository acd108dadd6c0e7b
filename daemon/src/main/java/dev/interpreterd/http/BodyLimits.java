package dev.interpreterd.http;

/**
 * What a request body may be: at most {@code maxBytes}, arriving at {@code pace}, taking memory from
 * {@code budget} past its first bytes.
 *
 * @param maxBytes the largest body ({@code --max-body})
 * @param pace how fast it must come
 * @param budget the memory shared by the bodies being received
 */
record BodyLimits(long maxBytes, BodyPace pace, BodyBudget budget) {

    BodyLimits {
        if (maxBytes <= 0 || maxBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the largest body must be between 1 byte and 2 GiB");
        }
    }

    /** The limits of a daemon with {@code --max-body maxBytes}: the default pace, and a budget from the heap. */
    static BodyLimits of(long maxBytes) {
        return new BodyLimits(maxBytes, BodyPace.DEFAULT, BodyBudget.forHeap(maxBytes));
    }

    /** Why a body over the limit is refused. */
    String tooLarge() {
        return "the request body is larger than the limit of " + maxBytes + " bytes (--max-body)";
    }
}
