package io.statim.protocol.oip;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.Releasable;
import java.lang.foreign.MemorySegment;

/**
 * The staging memory that one JSON input is decoded into. Fixed-size types get their exact size up
 * front; BYTES, whose size is known only after reading, grow it by doubling (a new lease, a copy of
 * what was written, the old lease released).
 *
 * <p>Not thread-safe: used by the one thread that decodes the request. Ownership: registered with the
 * request's memory as soon as it exists; {@link #release()} gives back whichever lease it holds.
 */
final class StagingBuffer implements Releasable {
    private final Device device;
    private DeviceBuffer buffer;

    StagingBuffer(Device device, long bytes) {
        this.device = device;
        this.buffer = device.allocate(bytes, MemoryUse.STAGING);
    }

    MemorySegment segment() {
        return buffer.segment();
    }

    /**
     * Makes the buffer at least {@code neededBytes} long, keeping its first {@code usedBytes}, and
     * returns the (possibly new) segment.
     */
    MemorySegment ensure(long usedBytes, long neededBytes) {
        MemorySegment current = buffer.segment();
        if (neededBytes <= current.byteSize()) {
            return current;
        }
        DeviceBuffer grown = device.allocate(Math.max(neededBytes, current.byteSize() * 2), MemoryUse.STAGING);
        MemorySegment.copy(current, 0, grown.segment(), 0, usedBytes);
        DeviceBuffer old = buffer;
        buffer = grown;
        old.release();
        return grown.segment();
    }

    @Override
    public void release() {
        buffer.release();
    }
}
