package io.statim.client.http;

import io.netty.buffer.ByteBuf;
import io.statim.client.Protocol;
import io.statim.client.StatimClientException;
import java.util.Arrays;

/**
 * Gathers the chunks of a response body into one array, sized from Content-Length when the server
 * sent one, and refuses a body over the client's limit. Event-loop confined.
 */
final class BodyCollector {
    private static final int DEFAULT_INITIAL_BYTES = 512;

    private final int maxBytes;
    private byte[] bytes;
    private int size;

    BodyCollector(long contentLength, int maxBytes) {
        this.maxBytes = maxBytes;
        this.bytes = new byte[(int) Math.min(maxBytes, contentLength >= 0 ? contentLength : DEFAULT_INITIAL_BYTES)];
    }

    /** Appends the chunk (not released here). */
    void add(ByteBuf chunk, Protocol protocol) {
        int n = chunk.readableBytes();
        if ((long) size + n > maxBytes) {
            throw StatimClientException.failed(protocol, "response body over the limit of " + maxBytes + " bytes", null);
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max((long) size + n, 2L * bytes.length)));
        }
        chunk.getBytes(chunk.readerIndex(), bytes, size, n);
        size += n;
    }

    /** The body; the internal array when it is exactly full. */
    byte[] bytes() {
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }
}
