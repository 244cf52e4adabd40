package io.statim.core.device;

import java.lang.foreign.MemorySegment;

/**
 * Where a {@link SlabPool} gets its slabs: a long-lived {@link java.lang.foreign.Arena} for the host
 * device, {@code cudaMalloc} for GPU memory, {@code cudaHostAlloc} for pinned host memory, or a fake in
 * tests. Slabs are reserved rarely (a pool grows by slabs and keeps them until it closes), so an
 * implementation may be slow; the pool calls it under its slab lock, so it must not call back into the pool.
 */
public interface SlabAllocator {
    /**
     * Reserves a slab of {@code bytes} bytes whose address is a multiple of {@code alignmentBytes} (a
     * power of two).
     *
     * @return for memory the CPU can touch, a segment of exactly {@code bytes} bytes over the slab, whose
     *         scope keeps it valid until {@link #free}; for memory it cannot (a GPU's), a zero-length
     *         segment whose {@link MemorySegment#address()} is the slab's address
     * @throws io.statim.core.status.StatusException RESOURCE_EXHAUSTED when the memory is not there,
     *         INTERNAL for any other failure, with the error's name
     */
    MemorySegment reserve(long bytes, long alignmentBytes);

    /** Gives back a slab that {@link #reserve} returned for {@code bytes} bytes; called once per slab when the pool closes. */
    void free(MemorySegment slab, long bytes);

    /** What the memory is, for messages: {@code "host memory"}, {@code "cuda:0 device memory"}. */
    String describe();
}
