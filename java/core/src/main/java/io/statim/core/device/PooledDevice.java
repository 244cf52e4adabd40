package io.statim.core.device;

import java.util.List;

/**
 * A {@link Device} whose buffers come from one {@link SlabPool}: the Device SPI forwarded to the pool,
 * whose buffers name the subclass as their {@link DeviceBuffer#device()}. A subclass adds what its
 * memory needs (the host's arena; a GPU's pinned pool and streams) and may widen {@link #leakReport()}
 * and {@link #close()}, calling this class's versions.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public abstract class PooledDevice implements Device {
    private final SlabPool pool;

    /** A device named {@code name} over {@code allocator}'s slabs, sized by {@code config}. Reserves nothing yet. */
    @SuppressWarnings("this-escape") // the pool only stores the device, to name it on buffers; it calls nothing on it
    protected PooledDevice(String name, SlabPool.Config config, SlabAllocator allocator) {
        this.pool = new SlabPool(name, config, allocator, this);
    }

    /** The pool behind this device, for subclasses. */
    protected final SlabPool pool() {
        return pool;
    }

    @Override
    public final String name() {
        return pool.name();
    }

    @Override
    public final DeviceBuffer tryAllocate(long bytes, MemoryUse use) {
        return pool.tryAllocate(bytes, use);
    }

    @Override
    public final DeviceBuffer allocate(long bytes, MemoryUse use) {
        return pool.allocate(bytes, use);
    }

    @Override
    public final long budgetBytes(MemoryUse use) {
        return pool.budgetBytes(use);
    }

    @Override
    public final long usedBytes(MemoryUse use) {
        return pool.usedBytes(use);
    }

    @Override
    public final long reservedBytes() {
        return pool.reservedBytes();
    }

    @Override
    public final long liveBuffers() {
        return pool.liveBuffers();
    }

    @Override
    public List<String> leakReport() {
        return pool.leakReport();
    }

    /** Gives the pool's slabs back to the allocator and refuses further allocations. */
    @Override
    public void close() {
        pool.close();
    }
}
