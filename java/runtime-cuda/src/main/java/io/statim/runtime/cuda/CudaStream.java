package io.statim.runtime.cuda;

import io.statim.core.device.DeviceBuffer;
import java.lang.foreign.MemorySegment;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;

/**
 * One CUDA stream with the events that time it: the queue of one model instance's work (copies in,
 * the engine, kernels, copies out), owned by that instance's worker thread. Everything queued here
 * runs in order on the GPU and asynchronously to the caller until {@link #synchronize()}.
 *
 * <p>Not thread-safe: one owner thread. Copies take host memory only as native segments (pinned for
 * full speed and true asynchrony; pageable memory makes CUDA copy synchronously).
 */
public final class CudaStream implements AutoCloseable {
    private final CudaDevice device;
    private final CUstream_st stream;
    private boolean closed;

    private CudaStream(CudaDevice device, CUstream_st stream) {
        this.device = device;
        this.stream = stream;
    }

    static CudaStream create(CudaDevice device) {
        CUstream_st stream = new CUstream_st();
        CudaStatus.check(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking),
                "cudaStreamCreateWithFlags on " + device.name());
        return new CudaStream(device, stream);
    }

    public CudaDevice device() {
        return device;
    }

    /** The cudaStream_t, for JavaCPP calls (TensorRT's enqueueV3). */
    public CUstream_st raw() {
        return stream;
    }

    /** The cudaStream_t as an address, for FFM calls into Statim's kernels. */
    public MemorySegment handle() {
        return MemorySegment.ofAddress(stream.address());
    }

    /** Queues a copy of {@code bytes} bytes from host memory to device memory. */
    public void copyToDevice(DeviceBuffer dst, long dstOffset, MemorySegment src, long bytes) {
        checkRange(dst, dstOffset, bytes);
        checkHost(src, bytes);
        CudaStatus.check(cudart.cudaMemcpyAsync(new AddressPointer(dst.segment().address() + dstOffset), new AddressPointer(src.address()),
                bytes, cudart.cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync(host to " + device.name() + ", " + bytes + " bytes)");
    }

    /** Queues a copy of {@code bytes} bytes from device memory to host memory. */
    public void copyToHost(MemorySegment dst, DeviceBuffer src, long srcOffset, long bytes) {
        checkRange(src, srcOffset, bytes);
        checkHost(dst, bytes);
        CudaStatus.check(cudart.cudaMemcpyAsync(new AddressPointer(dst.address()), new AddressPointer(src.segment().address() + srcOffset),
                bytes, cudart.cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync(" + device.name() + " to host, " + bytes + " bytes)");
    }

    /** Queues a copy between two device buffers. */
    public void copyOnDevice(DeviceBuffer dst, long dstOffset, DeviceBuffer src, long srcOffset, long bytes) {
        checkRange(dst, dstOffset, bytes);
        checkRange(src, srcOffset, bytes);
        CudaStatus.check(cudart.cudaMemcpyAsync(new AddressPointer(dst.segment().address() + dstOffset),
                new AddressPointer(src.segment().address() + srcOffset), bytes, cudart.cudaMemcpyDeviceToDevice, stream),
                "cudaMemcpyAsync(on " + device.name() + ", " + bytes + " bytes)");
    }

    /** Queues setting {@code bytes} bytes of a device buffer to {@code value}. */
    public void fill(DeviceBuffer dst, int value, long bytes) {
        checkRange(dst, 0, bytes);
        CudaStatus.check(cudart.cudaMemsetAsync(new AddressPointer(dst.segment().address()), value, bytes, stream),
                "cudaMemsetAsync(" + bytes + " bytes)");
    }

    /** A new event; with {@code timing} it can measure elapsed time. The caller closes it. */
    public CudaEvent newEvent(boolean timing) {
        return CudaEvent.create(timing ? cudart.cudaEventDefault : cudart.cudaEventDisableTiming);
    }

    /** Queues recording {@code event}: it completes when the work queued before it has. */
    public void record(CudaEvent event) {
        CudaStatus.check(cudart.cudaEventRecord(event.raw(), stream), "cudaEventRecord");
    }

    /**
     * Waits until everything queued has run.
     *
     * @throws io.statim.core.status.StatusException when queued work failed (an illegal address in a
     *         kernel surfaces here)
     */
    public void synchronize() {
        CudaStatus.check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize on " + device.name());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.bind();
        CudaStatus.check(cudart.cudaStreamDestroy(stream), "cudaStreamDestroy");
    }

    private static void checkRange(DeviceBuffer buffer, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > buffer.byteSize()) {
            throw new IllegalArgumentException(bytes + " bytes at " + offset + " do not fit a buffer of " + buffer.byteSize());
        }
    }

    private static void checkHost(MemorySegment host, long bytes) {
        if (!host.isNative()) {
            throw new IllegalArgumentException("CUDA copies need native host memory, not a heap segment");
        }
        if (bytes > host.byteSize()) {
            throw new IllegalArgumentException(bytes + " bytes do not fit a host segment of " + host.byteSize());
        }
    }
}
