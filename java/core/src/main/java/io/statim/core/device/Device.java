package io.statim.core.device;

import io.statim.core.status.StatusException;

/**
 * A place where tensors live: the host (off-heap memory) or a GPU. A device hands out pooled
 * {@link DeviceBuffer}s carved from long-lived slabs, charges each to a {@link MemoryUse} with its own
 * byte budget, and can report buffers that were never released.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public interface Device extends AutoCloseable {
    /** A short name such as {@code host} or {@code cuda:0}. */
    String name();

    /**
     * Leases a buffer of exactly {@code bytes} bytes, aligned to at least 64 bytes.
     *
     * @return the buffer, or {@code null} when the budget of {@code use} would be exceeded
     */
    DeviceBuffer tryAllocate(long bytes, MemoryUse use);

    /**
     * Leases a buffer as {@link #tryAllocate} does.
     *
     * @throws StatusException RESOURCE_EXHAUSTED when the budget of {@code use} would be exceeded
     */
    DeviceBuffer allocate(long bytes, MemoryUse use);

    /** The budget of a use in bytes. */
    long budgetBytes(MemoryUse use);

    /** Bytes currently leased for a use (rounded up to the pool's size classes). */
    long usedBytes(MemoryUse use);

    /** Bytes reserved from the system for the pools, leased or free. */
    long reservedBytes();

    /** Buffers leased and not yet released. */
    long liveBuffers();

    /**
     * Describes every buffer not yet released, with where it was allocated when leak tracking is on.
     * Empty when nothing leaked. Tests call this after each test.
     */
    java.util.List<String> leakReport();

    /** Frees all slabs. Buffers still leased become invalid. */
    @Override
    void close();
}
