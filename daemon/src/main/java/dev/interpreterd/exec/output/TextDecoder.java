package dev.interpreterd.exec.output;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Decodes a byte stream arriving in arbitrary chunks as UTF-8, keeping a character split across two
 * chunks whole and replacing invalid bytes with U+FFFD, exactly as decoding the whole would.
 */
public final class TextDecoder {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final Consumer<String> sink;
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private boolean ended;

    TextDecoder(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Decodes what it can of these bytes; an unfinished character waits for the next chunk. */
    void accept(byte[] bytes, int offset, int length) {
        if (ended) {
            return;
        }
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + length);
        in.put(pending).put(bytes, offset, length).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        pending = in;
        emit(out);
    }

    /**
     * The stream has ended: an unfinished character still waiting becomes U+FFFD, as decoding the
     * whole would make it. Nothing is decoded after this.
     */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        pending = ByteBuffer.allocate(0);
        emit(out);
    }

    private void emit(CharBuffer out) {
        out.flip();
        if (out.hasRemaining()) {
            sink.accept(out.toString());
        }
    }
}
