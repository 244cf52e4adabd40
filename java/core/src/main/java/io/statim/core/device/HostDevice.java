package io.statim.core.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * The host device: off-heap memory in a {@link SlabPool} whose slabs come from one long-lived shared
 * {@link Arena} that lives as long as the device. Memory is returned to the pool on release and to the
 * system only when the device closes, as in Netty's pooled allocator; buffers still leased then become
 * invalid, and touching them throws rather than reading freed memory.
 *
 * <p>Allocation and release are allocation-free in steady state (buffers of a size class are reused),
 * take one short uncontended lock per size class, and may be called from any thread.
 */
public final class HostDevice extends PooledDevice {
    /** Smallest size class: one cache line, which is also the alignment of every buffer. */
    public static final int MIN_CLASS_BYTES = 64;
    /** The largest buffer: 2^62 bytes, so that every size class and budget sum stays positive. */
    public static final long MAX_BUFFER_BYTES = SlabPool.MAX_BUFFER_BYTES_LIMIT;

    /**
     * How the host device is sized.
     *
     * @param slabBytes   bytes reserved from the system at a time for buffers up to this size;
     *                    larger buffers get a slab of their own, also pooled
     * @param budgetBytes the byte budget of each use; a use missing from the map has no limit
     * @param trackLeaks  record where each live buffer was allocated, for {@link #leakReport()}
     */
    public record Config(long slabBytes, Map<MemoryUse, Long> budgetBytes, boolean trackLeaks) {
        public Config {
            budgetBytes = SlabPool.checkedSizes(slabBytes, MIN_CLASS_BYTES, budgetBytes);
        }

        /** 4 MiB slabs, no budgets, leak tracking as the system property {@code statim.trackLeaks} says. */
        public static Config defaults() {
            return new Config(4L << 20, Map.of(), Boolean.getBoolean("statim.trackLeaks"));
        }
    }

    private final Arena arena;

    public HostDevice(Config config) {
        this(config, Arena.ofShared());
    }

    public HostDevice() {
        this(Config.defaults());
    }

    private HostDevice(Config config, Arena arena) {
        super("host", new SlabPool.Config(config.slabBytes(), config.budgetBytes(), true, config.trackLeaks(), MIN_CLASS_BYTES,
                MAX_BUFFER_BYTES), new ArenaSlabs(arena));
        this.arena = arena;
    }

    /** Refuses further allocations and frees the arena. A second close throws, as closing an arena twice does. */
    @Override
    public void close() {
        super.close();
        arena.close();
    }

    /** Slabs of the device's arena, all freed at once when the arena closes. */
    private record ArenaSlabs(Arena arena) implements SlabAllocator {
        @Override
        public MemorySegment reserve(long bytes, long alignmentBytes) {
            return arena.allocate(bytes, alignmentBytes);
        }

        @Override
        public void free(MemorySegment slab, long bytes) {
            // The arena frees every slab when the device closes it.
        }

        @Override
        public String describe() {
            return "host memory";
        }
    }
}
