package io.statim.core.device;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one buffer pool of every {@link Device}: power-of-two size classes carved from slabs of a
 * {@link SlabAllocator}, a byte budget per {@link MemoryUse}, a count of live buffers and a leak
 * report, as in Netty's pooled allocator. Memory goes back to the pool on release and to the allocator
 * only when the pool closes. {@link HostDevice} keeps one over an arena; the CUDA device keeps one over
 * {@code cudaMalloc} (buffers not {@linkplain DeviceBuffer#hostAccessible() host-accessible}: their
 * segment is a zero-length segment carrying the device address) and one over {@code cudaHostAlloc}.
 *
 * <p>Allocation and release are allocation-free in steady state (the buffers of a size class are reused),
 * take one short lock per size class, and may be called from any thread.
 */
public final class SlabPool implements Device {
    /** The largest {@link Config#maxBufferBytes()}: 2^62, so that every size class and budget sum stays positive. */
    public static final long MAX_BUFFER_BYTES_LIMIT = 1L << 62;
    /** The smallest {@link Config#minClassBytes()}: one cache line, the alignment {@link Device} promises. */
    public static final long MIN_CLASS_BYTES_LIMIT = 64;

    /**
     * How a pool is sized.
     *
     * @param slabBytes      bytes reserved at a time for buffers up to this size (a power of two); a
     *                       larger buffer gets a slab of its own, pooled like the others
     * @param budgetBytes    the byte budget of each use; a use missing from the map has no limit
     * @param hostAccessible true when the CPU can touch the memory (host, pinned host), false for a GPU's
     * @param trackLeaks     record where each live buffer was allocated, for {@link #leakReport()}
     * @param minClassBytes  the smallest size class and the alignment of every buffer (a power of two,
     *                       at least {@value #MIN_CLASS_BYTES_LIMIT}; 256 for what cudaMalloc guarantees)
     * @param maxBufferBytes the largest buffer (a power of two, at least minClassBytes, at most 2^62)
     */
    public record Config(long slabBytes, Map<MemoryUse, Long> budgetBytes, boolean hostAccessible, boolean trackLeaks,
            long minClassBytes, long maxBufferBytes) {
        public Config {
            if (minClassBytes < MIN_CLASS_BYTES_LIMIT || Long.bitCount(minClassBytes) != 1) {
                throw new IllegalArgumentException("minClassBytes=" + minClassBytes + " must be a power of two >= " + MIN_CLASS_BYTES_LIMIT);
            }
            if (maxBufferBytes < minClassBytes || maxBufferBytes > MAX_BUFFER_BYTES_LIMIT || Long.bitCount(maxBufferBytes) != 1) {
                throw new IllegalArgumentException("maxBufferBytes=" + maxBufferBytes + " must be a power of two between minClassBytes="
                        + minClassBytes + " and " + MAX_BUFFER_BYTES_LIMIT);
            }
            budgetBytes = checkedSizes(slabBytes, minClassBytes, budgetBytes);
        }
    }

    /** Checks a slab size and budgets, as every pool config does; returns an immutable copy of the budgets. */
    static Map<MemoryUse, Long> checkedSizes(long slabBytes, long minClassBytes, Map<MemoryUse, Long> budgetBytes) {
        if (slabBytes < minClassBytes || Long.bitCount(slabBytes) != 1) {
            throw new IllegalArgumentException("slabBytes=" + slabBytes + " must be a power of two >= " + minClassBytes);
        }
        for (Map.Entry<MemoryUse, Long> e : budgetBytes.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException(e.getKey() + " budget " + e.getValue() + " must be >= 0");
            }
        }
        return Map.copyOf(budgetBytes);
    }

    /** One slab reserved from the allocator; its segment may be zero-length (device memory), hence the size. */
    private record Slab(MemorySegment segment, long bytes) {
    }

    private final String name;
    private final Device owner;
    private final Config config;
    private final SlabAllocator allocator;
    private final int minClassShift;
    private final SizeClass[] classes;
    private final EnumMap<MemoryUse, AtomicLong> usedBytes = new EnumMap<>(MemoryUse.class);
    private final AtomicLong reservedBytes = new AtomicLong();
    private final AtomicLong liveBuffers = new AtomicLong();
    private final Set<Block> live = ConcurrentHashMap.newKeySet();
    private final Object slabLock = new Object();
    /** Every slab reserved; guarded by slabLock. */
    private final List<Slab> slabs = new ArrayList<>();
    /** The slab small classes are carved from and its bytes not carved yet; guarded by slabLock. */
    private MemorySegment slab;
    private long slabBytesLeft;
    private volatile boolean closed;

    /** A pool named {@code name} (e.g. {@code cuda:0}) over {@code allocator}'s slabs. */
    public SlabPool(String name, Config config, SlabAllocator allocator) {
        this(name, config, allocator, null);
    }

    /**
     * A pool whose buffers name {@code owner} as their {@link DeviceBuffer#device()}: the device that
     * delegates to this pool ({@code null}: the pool itself).
     */
    public SlabPool(String name, Config config, SlabAllocator allocator, Device owner) {
        this.name = name;
        this.owner = owner == null ? this : owner;
        this.config = config;
        this.allocator = allocator;
        this.minClassShift = Long.numberOfTrailingZeros(config.minClassBytes());
        this.classes = new SizeClass[Long.numberOfTrailingZeros(config.maxBufferBytes()) - minClassShift + 1];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = new SizeClass(1L << (i + minClassShift));
        }
        for (MemoryUse use : MemoryUse.values()) {
            usedBytes.put(use, new AtomicLong());
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** What the memory is, as the allocator says: {@code "host memory"}, {@code "cuda:0 device memory"}. */
    public String describeMemory() {
        return allocator.describe();
    }

    /** True when the CPU can touch this pool's buffers. */
    public boolean hostAccessible() {
        return config.hostAccessible();
    }

    /** The bytes a request of {@code bytes} is charged: its power-of-two size class. */
    public long classBytes(long bytes) {
        return classes[classIndex(bytes)].bytes;
    }

    @Override
    public DeviceBuffer tryAllocate(long bytes, MemoryUse use) {
        if (bytes < 0 || bytes > config.maxBufferBytes()) {
            throw new IllegalArgumentException("bytes=" + bytes + " must be between 0 and " + config.maxBufferBytes());
        }
        if (closed) {
            throw closed();
        }
        SizeClass sizeClass = classes[classIndex(bytes)];
        AtomicLong used = usedBytes.get(use);
        if (used.addAndGet(sizeClass.bytes) > budgetBytes(use)) {
            used.addAndGet(-sizeClass.bytes);
            return null;
        }
        Block block = sizeClass.take();
        if (block == null) {
            try {
                block = new Block(this, sizeClass, carve(sizeClass.bytes));
            } catch (RuntimeException | Error e) {
                used.addAndGet(-sizeClass.bytes);
                throw e;
            }
        }
        block.lease(bytes, use, config.trackLeaks());
        liveBuffers.incrementAndGet();
        if (config.trackLeaks()) {
            live.add(block);
        }
        return block;
    }

    @Override
    public DeviceBuffer allocate(long bytes, MemoryUse use) {
        DeviceBuffer buffer = tryAllocate(bytes, use);
        if (buffer == null) {
            throw new StatusException(Code.RESOURCE_EXHAUSTED, allocator.describe() + " budget for " + use + " is exhausted: "
                    + usedBytes(use) + " of " + budgetBytes(use) + " bytes in use, " + bytes + " more requested");
        }
        return buffer;
    }

    @Override
    public long budgetBytes(MemoryUse use) {
        return config.budgetBytes().getOrDefault(use, Long.MAX_VALUE);
    }

    @Override
    public long usedBytes(MemoryUse use) {
        return usedBytes.get(use).get();
    }

    @Override
    public long reservedBytes() {
        return reservedBytes.get();
    }

    @Override
    public long liveBuffers() {
        return liveBuffers.get();
    }

    @Override
    public List<String> leakReport() {
        List<String> report = new ArrayList<>();
        if (!config.trackLeaks()) {
            long n = liveBuffers.get();
            if (n > 0) {
                report.add(n + " buffers not released (run with -Dstatim.trackLeaks=true to see where they were allocated)");
            }
            return report;
        }
        for (Block block : live) {
            report.add(block.describe());
        }
        return report;
    }

    /**
     * Gives every slab back to the allocator, and refuses to allocate afterwards. Buffers still leased
     * become invalid; releasing them is still allowed. Idempotent.
     */
    @Override
    public void close() {
        synchronized (slabLock) {
            if (closed) {
                return;
            }
            closed = true;
            RuntimeException failure = null;
            for (Slab s : slabs) {
                try {
                    allocator.free(s.segment(), s.bytes());
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            slabs.clear();
            slab = null;
            if (failure != null) {
                throw failure;
            }
        }
    }

    void release(Block block) {
        usedBytes.get(block.use).addAndGet(-block.sizeClass.bytes);
        liveBuffers.decrementAndGet();
        if (config.trackLeaks()) {
            live.remove(block);
        }
        block.sizeClass.give(block);
    }

    private int classIndex(long bytes) {
        if (bytes <= config.minClassBytes()) {
            return 0;
        }
        return 64 - Long.numberOfLeadingZeros(bytes - 1) - minClassShift;
    }

    private StatusException closed() {
        return new StatusException(Code.UNAVAILABLE, name + " device is closed");
    }

    /** A new block of a size class: from the current slab, or a slab of its own when the class is as large as a slab. */
    private MemorySegment carve(long classBytes) {
        synchronized (slabLock) {
            if (closed) {
                throw closed();
            }
            if (classBytes >= config.slabBytes()) {
                return block(reserve(classBytes), 0, classBytes);
            }
            if (slabBytesLeft < classBytes) {
                // The rest of the old slab is left unused: every class below slabBytes divides it, so
                // at most one class's worth of a slab is wasted per size change.
                slab = reserve(config.slabBytes());
                slabBytesLeft = config.slabBytes();
            }
            long offset = config.slabBytes() - slabBytesLeft;
            slabBytesLeft -= classBytes;
            return block(slab, offset, classBytes);
        }
    }

    private MemorySegment reserve(long bytes) {
        MemorySegment reserved = allocator.reserve(bytes, config.minClassBytes());
        slabs.add(new Slab(reserved, bytes));
        reservedBytes.addAndGet(bytes);
        return reserved;
    }

    /** Host-accessible: a slice, which keeps the slab's scope. Device memory: a zero-length segment carrying the address. */
    private MemorySegment block(MemorySegment from, long offset, long bytes) {
        return config.hostAccessible() ? from.asSlice(offset, bytes) : MemorySegment.ofAddress(from.address() + offset);
    }

    /** The free blocks of one power-of-two size. */
    static final class SizeClass {
        final long bytes;
        private final ArrayDeque<Block> free = new ArrayDeque<>();

        SizeClass(long bytes) {
            this.bytes = bytes;
        }

        synchronized Block take() {
            return free.pollLast();
        }

        synchronized void give(Block block) {
            free.addLast(block);
        }
    }

    /** One pooled block at a fixed address, leased again and again. */
    static final class Block implements DeviceBuffer {
        private final SlabPool pool;
        final SizeClass sizeClass;
        /** The whole block: a segment of the class's size, or a zero-length one for device memory. */
        private final MemorySegment block;
        private final AtomicBoolean leased = new AtomicBoolean();
        private MemorySegment segment;
        private long bytes;
        private MemoryUse use;
        private Throwable allocatedAt;

        Block(SlabPool pool, SizeClass sizeClass, MemorySegment block) {
            this.pool = pool;
            this.sizeClass = sizeClass;
            this.block = block;
            this.segment = block;
        }

        void lease(long bytes, MemoryUse use, boolean trackLeaks) {
            if (!leased.compareAndSet(false, true)) {
                throw new IllegalStateException("pooled buffer leased twice");
            }
            // Sliced again only when the size changes, so that reuse at one size allocates nothing.
            if (pool.config.hostAccessible() && segment.byteSize() != bytes) {
                segment = block.asSlice(0, bytes);
            }
            this.bytes = bytes;
            this.use = use;
            this.allocatedAt = trackLeaks ? new Throwable("allocated here") : null;
        }

        @Override
        public MemorySegment segment() {
            return segment;
        }

        @Override
        public long byteSize() {
            return bytes;
        }

        @Override
        public boolean hostAccessible() {
            return pool.config.hostAccessible();
        }

        @Override
        public Device device() {
            return pool.owner;
        }

        @Override
        public MemoryUse use() {
            return use;
        }

        @Override
        public void release() {
            if (!leased.compareAndSet(true, false)) {
                throw new IllegalStateException("buffer of " + bytes + " bytes (" + use + ") released twice");
            }
            pool.release(this);
        }

        String describe() {
            StringBuilder sb = new StringBuilder().append(bytes).append(" bytes for ").append(use);
            if (allocatedAt != null) {
                for (StackTraceElement frame : allocatedAt.getStackTrace()) {
                    sb.append("\n    at ").append(frame);
                }
            }
            return sb.toString();
        }
    }
}
