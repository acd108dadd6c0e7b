package dev.interpreterd.http;

/**
 * What {@link BodyBuffer} made of a request's body before it handed the request on: the whole body,
 * or why there is none. Handlers find it as a request attribute and read it with {@link BodyReader}.
 *
 * @param outcome whether the body is whole
 * @param bytes the body when it is whole; empty otherwise
 * @param reason why the body is not whole, a sentence for the client; empty when it is
 */
record ReceivedBody(Outcome outcome, byte[] bytes, String reason) {

    /** The name of the request attribute that holds it. */
    static final String ATTRIBUTE = ReceivedBody.class.getName();

    private static final byte[] NONE = new byte[0];

    /** The empty body of a request that declares none. */
    static final ReceivedBody EMPTY = new ReceivedBody(Outcome.WHOLE, NONE, "");

    /** How receiving a body ended. */
    enum Outcome {
        /** Every byte came. */
        WHOLE,
        /** The body is over {@code --max-body}; what came of it was dropped. */
        TOO_LARGE,
        /** The client was too slow or stopped sending; see {@link BodyPace}. */
        TOO_SLOW,
        /** Other bodies being received at the same time left no room for this one. */
        NO_ROOM
    }

    /** A body that came whole. */
    static ReceivedBody whole(byte[] bytes) {
        return new ReceivedBody(Outcome.WHOLE, bytes, "");
    }

    /** A body that did not come whole, and why. */
    static ReceivedBody refused(Outcome outcome, String reason) {
        if (outcome == Outcome.WHOLE) {
            throw new IllegalArgumentException("a whole body is not refused");
        }
        return new ReceivedBody(outcome, NONE, reason);
    }
}
