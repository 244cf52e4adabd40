package io.statim.server.http;

import io.netty.buffer.ByteBuf;
import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import java.lang.foreign.MemorySegment;

/**
 * A request body as one {@link MemorySegment}: a view of Netty's buffer when it is one direct
 * chunk (no copy), else one copy into a pooled staging buffer. Owned by the exchange that made it,
 * which calls {@link #release()} once the response is written.
 */
final class RequestBody {
    private final MemorySegment segment;
    private final DeviceBuffer copy;

    private RequestBody(MemorySegment segment, DeviceBuffer copy) {
        this.segment = segment;
        this.copy = copy;
    }

    /** The body of {@code content}, which must stay retained until {@link #release()}. */
    static RequestBody of(ByteBuf content, Device device) {
        int length = content.readableBytes();
        if (content.isDirect() && content.nioBufferCount() == 1) {
            return new RequestBody(MemorySegment.ofBuffer(content.nioBuffer(content.readerIndex(), length)), null);
        }
        DeviceBuffer copy = device.allocate(length, MemoryUse.STAGING);
        content.getBytes(content.readerIndex(), copy.segment().asByteBuffer());
        return new RequestBody(copy.segment(), copy);
    }

    MemorySegment segment() {
        return segment;
    }

    void release() {
        if (copy != null) {
            copy.release();
        }
    }
}
