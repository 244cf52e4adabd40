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
    /**
     * The usable bytes: exactly the size that was asked for, when {@link #hostAccessible()}. For memory
     * the CPU cannot touch (a GPU's), a zero-length segment whose {@link MemorySegment#address()} is the
     * device address: it can be handed to native code (FFM downcalls, copies through the device's own
     * API) and offset with {@code MemorySegment.ofAddress(address + n)}, but any Java access to its
     * bytes throws instead of reading the wrong memory. {@link #byteSize()} is then the size asked for.
     */
    MemorySegment segment();

    /** Bytes asked for. */
    default long byteSize() {
        return segment().byteSize();
    }

    /**
     * True when the CPU can read and write {@link #segment()} (host memory, pinned or not); false for
     * device memory, which only the device's copies and kernels reach.
     */
    default boolean hostAccessible() {
        return true;
    }

    /** The device that owns the memory. */
    Device device();

    /** What the buffer is charged to. */
    MemoryUse use();

    /** Returns the memory to its pool. Any thread. */
    @Override
    void release();
}
