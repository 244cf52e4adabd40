package io.statim.runtime.cuda;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.PooledDevice;
import io.statim.core.device.SlabAllocator;
import io.statim.core.device.SlabPool;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Pointer;

/**
 * One GPU as a {@link Device}: device memory from {@code cudaMalloc} slabs, pooled in power-of-two
 * buffers with a budget per {@link MemoryUse} by core's {@link SlabPool}, the pool the host device uses
 * too, plus a second pool of pinned host memory from {@code cudaHostAlloc} ({@link #pinned()}) for staging inputs and
 * holding outputs, which the GPU copies at full speed and the CPU reads and writes. Device buffers
 * are not host-accessible: their {@link DeviceBuffer#segment()} is a zero-length segment carrying the
 * device address.
 *
 * <p>Work is queued on {@link CudaStream}s, one per model instance ({@link #newStream()}). Every CUDA
 * call is checked ({@link CudaStatus}). CUDA's current device is per thread; the methods here select
 * this device themselves, and a caller that calls CUDA directly calls {@link #bind()} first.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
@SuppressWarnings("restricted") // pinned slabs: segments over the addresses cudaHostAlloc returned
public final class CudaDevice extends PooledDevice {
    /** Smallest size class and the alignment of every buffer of both pools: 256 bytes, what cudaMalloc guarantees. */
    public static final long MIN_CLASS_BYTES = 256;
    /** The largest buffer of either pool: 2^61 bytes. */
    public static final long MAX_BUFFER_BYTES = 1L << 61;

    /**
     * How a CUDA device is sized.
     *
     * @param ordinal            the CUDA device ordinal
     * @param slabBytes          device memory reserved at a time (a power of two)
     * @param budgetBytes        device memory budget per use; a use missing from the map has no limit
     * @param pinnedSlabBytes    pinned host memory reserved at a time (a power of two)
     * @param pinnedBudgetBytes  pinned host memory budget per use
     * @param trackLeaks         record where each live buffer was allocated
     */
    public record Config(int ordinal, long slabBytes, Map<MemoryUse, Long> budgetBytes, long pinnedSlabBytes,
            Map<MemoryUse, Long> pinnedBudgetBytes, boolean trackLeaks) {
        public Config {
            if (ordinal < 0) {
                throw new IllegalArgumentException("ordinal=" + ordinal + " must be >= 0");
            }
            budgetBytes = Map.copyOf(budgetBytes);
            pinnedBudgetBytes = Map.copyOf(pinnedBudgetBytes);
        }

        /** 64 MiB device slabs, 16 MiB pinned slabs, no budgets, leak tracking as {@code statim.trackLeaks} says. */
        public static Config defaults(int ordinal) {
            return new Config(ordinal, 64L << 20, Map.of(), 16L << 20, Map.of(), Boolean.getBoolean("statim.trackLeaks"));
        }
    }

    private final Config config;
    private final GpuInfo info;
    private final SlabPool pinned;

    private CudaDevice(Config config, GpuInfo info) {
        super("cuda:" + config.ordinal(), new SlabPool.Config(config.slabBytes(), config.budgetBytes(), false, config.trackLeaks(),
                MIN_CLASS_BYTES, MAX_BUFFER_BYTES), new DeviceMemory(config.ordinal()));
        this.config = config;
        this.info = info;
        this.pinned = new SlabPool(name() + "/pinned", new SlabPool.Config(config.pinnedSlabBytes(), config.pinnedBudgetBytes(), true,
                config.trackLeaks(), MIN_CLASS_BYTES, MAX_BUFFER_BYTES), new PinnedHostMemory(config.ordinal()));
    }

    /**
     * Opens a GPU. Reserves nothing yet: slabs come with the first buffers.
     *
     * @throws io.statim.core.status.StatusException FAILED_PRECONDITION when CUDA is not available here,
     *         NOT_FOUND when there is no GPU of that ordinal
     */
    public static CudaDevice open(Config config) {
        CudaRuntime.require();
        List<GpuInfo> gpus = NvidiaDriver.probe().gpus();
        if (config.ordinal() >= gpus.size()) {
            throw new io.statim.core.status.StatusException(io.statim.core.status.Code.NOT_FOUND,
                    "there is no GPU cuda:" + config.ordinal() + "; the driver sees " + gpus.size());
        }
        CudaDevice device = new CudaDevice(config, gpus.get(config.ordinal()));
        device.bind();
        return device;
    }

    /** Makes this GPU the current CUDA device of the calling thread. Cheap; call before direct CUDA calls. */
    public void bind() {
        bind(config.ordinal());
    }

    private static void bind(int ordinal) {
        CudaStatus.check(cudart.cudaSetDevice(ordinal), "cudaSetDevice(" + ordinal + ")");
    }

    /** The GPU, as the driver describes it. */
    public GpuInfo info() {
        return info;
    }

    public int ordinal() {
        return config.ordinal();
    }

    /** Pinned host memory of this GPU: host-accessible buffers that copy to and from it asynchronously. */
    public Device pinned() {
        return pinned;
    }

    /** A new stream (and its timing events) for one model instance; the caller closes it. */
    public CudaStream newStream() {
        bind();
        return CudaStream.create(this);
    }

    /** Free and total device memory in bytes, as {@code cudaMemGetInfo} says: {free, total}. */
    public long[] memoryInfo() {
        bind();
        try (org.bytedeco.javacpp.SizeTPointer free = new org.bytedeco.javacpp.SizeTPointer(1);
                org.bytedeco.javacpp.SizeTPointer total = new org.bytedeco.javacpp.SizeTPointer(1)) {
            CudaStatus.check(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return new long[] {free.get(), total.get()};
        }
    }

    /** Leaks of device memory and of pinned host memory, each line saying which. */
    @Override
    public List<String> leakReport() {
        List<String> report = new ArrayList<>();
        for (SlabPool pool : List.of(pool(), pinned)) {
            for (String leak : pool.leakReport()) {
                report.add(pool.describeMemory() + ": " + leak);
            }
        }
        return report;
    }

    /** Frees every slab of both pools. Streams must be closed first. */
    @Override
    public void close() {
        bind();
        try {
            super.close();
        } finally {
            pinned.close();
        }
    }

    /** cudaMalloc slabs: aligned to 256 bytes, the alignment both pools ask for ({@link #MIN_CLASS_BYTES}). */
    private record DeviceMemory(int ordinal) implements SlabAllocator {
        @Override
        public MemorySegment reserve(long bytes, long alignmentBytes) {
            bind(ordinal);
            Pointer p = new Pointer();
            CudaStatus.check(cudart.cudaMalloc(p, bytes), "cudaMalloc(" + bytes + " bytes) on cuda:" + ordinal);
            return MemorySegment.ofAddress(p.address());
        }

        @Override
        public void free(MemorySegment slab, long bytes) {
            bind(ordinal);
            CudaStatus.check(cudart.cudaFree(new AddressPointer(slab.address())), "cudaFree(" + bytes + " bytes) on cuda:" + ordinal);
        }

        @Override
        public String describe() {
            return "cuda:" + ordinal + " device memory";
        }
    }

    /** cudaHostAlloc slabs: page-locked (so the GPU's copy engines reach them without a bounce buffer) and page-aligned. */
    private record PinnedHostMemory(int ordinal) implements SlabAllocator {
        @Override
        public MemorySegment reserve(long bytes, long alignmentBytes) {
            bind(ordinal);
            Pointer p = new Pointer();
            CudaStatus.check(cudart.cudaHostAlloc(p, bytes, cudart.cudaHostAllocPortable), "cudaHostAlloc(" + bytes + " bytes)");
            return MemorySegment.ofAddress(p.address()).reinterpret(bytes);
        }

        @Override
        public void free(MemorySegment slab, long bytes) {
            CudaStatus.check(cudart.cudaFreeHost(new AddressPointer(slab.address())), "cudaFreeHost(" + bytes + " bytes)");
        }

        @Override
        public String describe() {
            return "cuda:" + ordinal + " pinned host memory";
        }
    }
}
