package io.statim.core.device;

import java.lang.foreign.MemorySegment;

/**
 * A buffer of device memory leased from a {@link Device}'s pool.
 *
 * <p>Ownership: exactly one owner at a time, which is whoever received it from
 * {@link Device#allocate} or had it handed over (the hand-over is documented at each call site).
 * The owner calls {@link #release()} exactly once; a second release throws. After release the
 * segment must not be touched: the pool reuses the memory.
 */
public interface DeviceBuffer extends Releasable {
    /** The usable bytes: exactly the size that was asked for. */
    MemorySegment segment();

    /** Bytes asked for. */
    default long byteSize() {
        return segment().byteSize();
    }

    /** The device that owns the memory. */
    Device device();

    /** What the buffer is charged to. */
    MemoryUse use();

    /** Returns the memory to its pool. Any thread. */
    @Override
    void release();
}
