package io.statim.protocol.oip;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Reads a segment, heap or native, as a stream, so that Jackson's byte parser can run over a request
 * body wherever it lives. Not thread-safe; one per parse.
 */
final class SegmentInputStream extends InputStream {
    private final MemorySegment segment;
    private long position;

    SegmentInputStream(MemorySegment segment) {
        this.segment = segment;
    }

    @Override
    public int read() {
        return position < segment.byteSize() ? segment.get(ValueLayout.JAVA_BYTE, position++) & 0xFF : -1;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (length == 0) {
            return 0;
        }
        long left = segment.byteSize() - position;
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(length, left);
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, position, buffer, offset, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, segment.byteSize() - position);
    }
}
