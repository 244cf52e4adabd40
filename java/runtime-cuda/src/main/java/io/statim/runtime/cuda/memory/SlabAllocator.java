package io.statim.runtime.cuda.memory;

/**
 * Where a {@link SlabPool} gets its slabs: {@code cudaMalloc} for device memory, {@code cudaHostAlloc}
 * for pinned host memory, or a fake in tests. Slabs are reserved rarely (a pool grows by slabs and
 * keeps them until it closes), so an implementation may be slow and may lock.
 */
public interface SlabAllocator {
    /**
     * Reserves {@code bytes} bytes aligned to at least 256 bytes.
     *
     * @return the address of the slab
     * @throws io.statim.core.status.StatusException RESOURCE_EXHAUSTED when the memory is not there,
     *         INTERNAL for any other failure, with the error's name
     */
    long reserve(long bytes);

    /** Gives a slab back; called once per slab when the pool closes. */
    void free(long address, long bytes);

    /** What the memory is, for messages: {@code "cuda:0 device memory"}, {@code "cuda:0 pinned host memory"}. */
    String describe();
}
