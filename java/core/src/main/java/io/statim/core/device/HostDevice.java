package io.statim.core.device;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.lang.foreign.Arena;
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
 * The host device: off-heap memory pooled in power-of-two size classes, carved from slabs of one
 * long-lived shared {@link Arena} that lives as long as the device. Memory is returned to the pool on
 * release and to the system only when the device closes, as in Netty's pooled allocator.
 *
 * <p>Allocation and release are allocation-free in steady state (buffers of a size class are reused),
 * take one short uncontended lock per size class, and may be called from any thread.
 */
public final class HostDevice implements Device {
    /** Smallest size class: one cache line, which is also the alignment of every buffer. */
    public static final int MIN_CLASS_BYTES = 64;
    private static final int MIN_CLASS_SHIFT = 6;
    private static final int CLASS_COUNT = 63 - MIN_CLASS_SHIFT;
    /** The largest buffer: 2^62 bytes, so that every size class and budget sum stays positive. */
    public static final long MAX_BUFFER_BYTES = 1L << 62;

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

        /** 4 MiB slabs, no budgets, leak tracking as the system property {@code statim.trackLeaks} says. */
        public static Config defaults() {
            return new Config(4L << 20, Map.of(), Boolean.getBoolean("statim.trackLeaks"));
        }
    }

    private final Config config;
    private final Arena arena = Arena.ofShared();
    private final SizeClass[] classes = new SizeClass[CLASS_COUNT];
    private final EnumMap<MemoryUse, AtomicLong> usedBytes = new EnumMap<>(MemoryUse.class);
    private final AtomicLong reservedBytes = new AtomicLong();
    private final AtomicLong liveBuffers = new AtomicLong();
    private final Set<HostBuffer> live = ConcurrentHashMap.newKeySet();
    private final Object slabLock = new Object();
    private MemorySegment slab = MemorySegment.NULL;
    private long slabOffset;
    private volatile boolean closed;

    public HostDevice(Config config) {
        this.config = config;
        for (int i = 0; i < CLASS_COUNT; i++) {
            classes[i] = new SizeClass(1L << (i + MIN_CLASS_SHIFT));
        }
        for (MemoryUse use : MemoryUse.values()) {
            usedBytes.put(use, new AtomicLong());
        }
    }

    public HostDevice() {
        this(Config.defaults());
    }

    @Override
    public String name() {
        return "host";
    }

    @Override
    public DeviceBuffer tryAllocate(long bytes, MemoryUse use) {
        if (bytes < 0 || bytes > MAX_BUFFER_BYTES) {
            throw new IllegalArgumentException("bytes=" + bytes + " must be between 0 and " + MAX_BUFFER_BYTES);
        }
        if (closed) {
            throw new StatusException(Code.UNAVAILABLE, "host device is closed");
        }
        SizeClass sizeClass = classes[classIndex(bytes)];
        AtomicLong used = usedBytes.get(use);
        long budget = budgetBytes(use);
        if (used.addAndGet(sizeClass.bytes) > budget) {
            used.addAndGet(-sizeClass.bytes);
            return null;
        }
        HostBuffer buffer = sizeClass.take();
        if (buffer == null) {
            try {
                buffer = new HostBuffer(this, sizeClass, carve(sizeClass.bytes));
            } catch (RuntimeException | OutOfMemoryError e) {
                used.addAndGet(-sizeClass.bytes);
                throw e;
            }
        }
        buffer.lease(bytes, use, config.trackLeaks());
        liveBuffers.incrementAndGet();
        if (config.trackLeaks()) {
            live.add(buffer);
        }
        return buffer;
    }

    @Override
    public DeviceBuffer allocate(long bytes, MemoryUse use) {
        DeviceBuffer buffer = tryAllocate(bytes, use);
        if (buffer == null) {
            throw new StatusException(Code.RESOURCE_EXHAUSTED, "host memory budget for " + use + " is exhausted: "
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
        for (HostBuffer buffer : live) {
            report.add(buffer.describe());
        }
        return report;
    }

    @Override
    public void close() {
        closed = true;
        arena.close();
    }

    void release(HostBuffer buffer) {
        usedBytes.get(buffer.use()).addAndGet(-buffer.sizeClass.bytes);
        liveBuffers.decrementAndGet();
        if (config.trackLeaks()) {
            live.remove(buffer);
        }
        buffer.sizeClass.give(buffer);
    }

    private static int classIndex(long bytes) {
        if (bytes <= MIN_CLASS_BYTES) {
            return 0;
        }
        int shift = 64 - Long.numberOfLeadingZeros(bytes - 1);
        return shift - MIN_CLASS_SHIFT;
    }

    private MemorySegment carve(long classBytes) {
        if (classBytes >= config.slabBytes()) {
            reservedBytes.addAndGet(classBytes);
            return arena.allocate(classBytes, MIN_CLASS_BYTES);
        }
        synchronized (slabLock) {
            if (slab.byteSize() - slabOffset < classBytes) {
                slab = arena.allocate(config.slabBytes(), MIN_CLASS_BYTES);
                slabOffset = 0;
                reservedBytes.addAndGet(config.slabBytes());
            }
            MemorySegment block = slab.asSlice(slabOffset, classBytes);
            slabOffset += classBytes;
            return block;
        }
    }

    /** The free buffers of one power-of-two size. */
    static final class SizeClass {
        final long bytes;
        private final ArrayDeque<HostBuffer> free = new ArrayDeque<>();

        SizeClass(long bytes) {
            this.bytes = bytes;
        }

        synchronized HostBuffer take() {
            return free.pollLast();
        }

        synchronized void give(HostBuffer buffer) {
            free.addLast(buffer);
        }
    }

    /** One pooled block, leased again and again. */
    static final class HostBuffer implements DeviceBuffer {
        private final HostDevice device;
        final SizeClass sizeClass;
        private final MemorySegment block;
        private final AtomicBoolean leased = new AtomicBoolean();
        private MemorySegment segment;
        private MemoryUse use;
        private Throwable allocatedAt;

        HostBuffer(HostDevice device, SizeClass sizeClass, MemorySegment block) {
            this.device = device;
            this.sizeClass = sizeClass;
            this.block = block;
            this.segment = block;
        }

        void lease(long bytes, MemoryUse use, boolean trackLeaks) {
            if (!leased.compareAndSet(false, true)) {
                throw new IllegalStateException("pooled buffer leased twice");
            }
            if (segment.byteSize() != bytes) {
                segment = block.asSlice(0, bytes);
            }
            this.use = use;
            this.allocatedAt = trackLeaks ? new Throwable("allocated here") : null;
        }

        @Override
        public MemorySegment segment() {
            return segment;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public MemoryUse use() {
            return use;
        }

        @Override
        public void release() {
            if (!leased.compareAndSet(true, false)) {
                throw new IllegalStateException("buffer of " + segment.byteSize() + " bytes (" + use + ") released twice");
            }
            device.release(this);
        }

        String describe() {
            StringBuilder sb = new StringBuilder().append(segment.byteSize()).append(" bytes for ").append(use);
            if (allocatedAt != null) {
                for (StackTraceElement frame : allocatedAt.getStackTrace()) {
                    sb.append("\n    at ").append(frame);
                }
            }
            return sb.toString();
        }
    }
}
