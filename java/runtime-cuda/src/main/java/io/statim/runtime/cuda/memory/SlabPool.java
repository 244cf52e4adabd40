package io.statim.runtime.cuda.memory;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
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
 * A {@link Device} over raw addresses: power-of-two size classes carved from slabs of a
 * {@link SlabAllocator}, with a byte budget per {@link MemoryUse} and a leak report, as
 * {@link io.statim.core.device.HostDevice} does for arena memory. The CUDA device keeps two: one over
 * {@code cudaMalloc} (device memory; buffers are not host-accessible and their segment is a zero-length
 * segment carrying the device address) and one over {@code cudaHostAlloc} (pinned host memory the CPU
 * reads and writes and the GPU copies from and to at full speed).
 *
 * <p>Allocation and release are allocation-free in steady state and take one short lock per size
 * class; any thread may call them. Memory goes back to the allocator only when the pool closes.
 */
@SuppressWarnings("restricted") // segments over addresses the allocator reserved
public final class SlabPool implements Device {
    /** Smallest size class and the alignment of every buffer: 256 bytes, what cudaMalloc guarantees. */
    public static final long MIN_CLASS_BYTES = 256;
    private static final int MIN_CLASS_SHIFT = 8;
    private static final int CLASS_COUNT = 62 - MIN_CLASS_SHIFT;
    /** The largest buffer: 2^61 bytes, so that size classes and budget sums stay positive. */
    public static final long MAX_BUFFER_BYTES = 1L << 61;

    /**
     * How a pool is sized.
     *
     * @param slabBytes     bytes reserved at a time for buffers up to this size (a power of two); a
     *                      larger buffer gets a slab of its own, pooled like the others
     * @param budgetBytes   the byte budget of each use; a use missing from the map has no limit
     * @param hostAccessible true when the CPU can touch the memory (pinned host), false for device memory
     * @param trackLeaks    record where each live buffer was allocated, for {@link #leakReport()}
     */
    public record Config(long slabBytes, Map<MemoryUse, Long> budgetBytes, boolean hostAccessible, boolean trackLeaks) {
        public Config {
            if (slabBytes < MIN_CLASS_BYTES || Long.bitCount(slabBytes) != 1) {
                throw new IllegalArgumentException("slabBytes=" + slabBytes + " must be a power of two >= " + MIN_CLASS_BYTES);
            }
            for (Map.Entry<MemoryUse, Long> e : budgetBytes.entrySet()) {
                if (e.getValue() < 0) {
                    throw new IllegalArgumentException(e.getKey() + " budget " + e.getValue() + " must be >= 0");
                }
            }
            budgetBytes = Map.copyOf(budgetBytes);
        }
    }

    private final String name;
    private final Device owner;
    private final Config config;
    private final SlabAllocator allocator;
    private final SizeClass[] classes = new SizeClass[CLASS_COUNT];
    private final EnumMap<MemoryUse, AtomicLong> usedBytes = new EnumMap<>(MemoryUse.class);
    private final AtomicLong reservedBytes = new AtomicLong();
    private final AtomicLong liveBuffers = new AtomicLong();
    private final Set<Block> live = ConcurrentHashMap.newKeySet();
    private final Object slabLock = new Object();
    /** Every slab reserved, as {address, bytes}; guarded by slabLock. */
    private final List<long[]> slabs = new ArrayList<>();
    private long slabAddress;
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
        for (int i = 0; i < CLASS_COUNT; i++) {
            classes[i] = new SizeClass(1L << (i + MIN_CLASS_SHIFT));
        }
        for (MemoryUse use : MemoryUse.values()) {
            usedBytes.put(use, new AtomicLong());
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** True when the CPU can touch this pool's buffers. */
    public boolean hostAccessible() {
        return config.hostAccessible();
    }

    @Override
    public DeviceBuffer tryAllocate(long bytes, MemoryUse use) {
        if (bytes < 0 || bytes > MAX_BUFFER_BYTES) {
            throw new IllegalArgumentException("bytes=" + bytes + " must be between 0 and " + MAX_BUFFER_BYTES);
        }
        if (closed) {
            throw new StatusException(Code.UNAVAILABLE, name + " (" + allocator.describe() + ") is closed");
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
            throw new StatusException(Code.RESOURCE_EXHAUSTED, name + " " + allocator.describe() + " budget for " + use
                    + " is exhausted: " + usedBytes(use) + " of " + budgetBytes(use) + " bytes in use, " + bytes + " more requested");
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
                report.add(n + " buffers of " + name + " " + allocator.describe()
                        + " not released (run with -Dstatim.trackLeaks=true to see where they were allocated)");
            }
            return report;
        }
        for (Block block : live) {
            report.add(block.describe());
        }
        return report;
    }

    /** Gives every slab back to the allocator. Buffers still leased become invalid. Idempotent. */
    @Override
    public void close() {
        synchronized (slabLock) {
            if (closed) {
                return;
            }
            closed = true;
            RuntimeException failure = null;
            for (long[] slab : slabs) {
                try {
                    allocator.free(slab[0], slab[1]);
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            slabs.clear();
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

    static int classIndex(long bytes) {
        if (bytes <= MIN_CLASS_BYTES) {
            return 0;
        }
        return 64 - Long.numberOfLeadingZeros(bytes - 1) - MIN_CLASS_SHIFT;
    }

    /** The bytes a request of {@code bytes} is charged: its power-of-two size class. */
    public static long classBytes(long bytes) {
        return 1L << (classIndex(bytes) + MIN_CLASS_SHIFT);
    }

    private long carve(long classBytes) {
        synchronized (slabLock) {
            if (closed) {
                throw new StatusException(Code.UNAVAILABLE, name + " (" + allocator.describe() + ") is closed");
            }
            if (classBytes >= config.slabBytes()) {
                long address = allocator.reserve(classBytes);
                slabs.add(new long[] {address, classBytes});
                reservedBytes.addAndGet(classBytes);
                return address;
            }
            if (slabBytesLeft < classBytes) {
                // The rest of the old slab is left unused: every class below slabBytes divides it, so
                // at most one class's worth of a slab is wasted per size change.
                slabAddress = allocator.reserve(config.slabBytes());
                slabs.add(new long[] {slabAddress, config.slabBytes()});
                slabBytesLeft = config.slabBytes();
                reservedBytes.addAndGet(config.slabBytes());
            }
            long address = slabAddress + (config.slabBytes() - slabBytesLeft);
            slabBytesLeft -= classBytes;
            return address;
        }
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
        private final long address;
        private final AtomicBoolean leased = new AtomicBoolean();
        private MemorySegment segment;
        private long bytes;
        private MemoryUse use;
        private Throwable allocatedAt;

        Block(SlabPool pool, SizeClass sizeClass, long address) {
            this.pool = pool;
            this.sizeClass = sizeClass;
            this.address = address;
        }

        void lease(long bytes, MemoryUse use, boolean trackLeaks) {
            if (!leased.compareAndSet(false, true)) {
                throw new IllegalStateException("pooled buffer leased twice");
            }
            if (segment == null || this.bytes != bytes) {
                // Host-accessible: a segment of exactly the size asked for. Device memory: a
                // zero-length segment carrying the address, so Java can never read it by mistake.
                segment = pool.config.hostAccessible() ? MemorySegment.ofAddress(address).reinterpret(bytes) : MemorySegment.ofAddress(address);
                this.bytes = bytes;
            }
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

        /** The address of the buffer (device or host). */
        public long address() {
            return address;
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
                throw new IllegalStateException("buffer of " + bytes + " bytes (" + use + ") of " + pool.name + " released twice");
            }
            pool.release(this);
        }

        String describe() {
            StringBuilder sb = new StringBuilder().append(bytes).append(" bytes of ").append(pool.name).append(' ')
                    .append(pool.allocator.describe()).append(" for ").append(use);
            if (allocatedAt != null) {
                for (StackTraceElement frame : allocatedAt.getStackTrace()) {
                    sb.append("\n    at ").append(frame);
                }
            }
            return sb.toString();
        }
    }
}
