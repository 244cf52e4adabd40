package io.statim.runtime.cuda;

import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.global.cudart;

/**
 * A CUDA event: a mark in a stream, used to time the phases of an execution on the GPU's own clock.
 * Owned by one thread (the stream's); closed by its owner.
 */
public final class CudaEvent implements AutoCloseable {
    private final CUevent_st event;
    private boolean closed;

    private CudaEvent(CUevent_st event) {
        this.event = event;
    }

    static CudaEvent create(int flags) {
        CUevent_st event = new CUevent_st();
        CudaStatus.check(cudart.cudaEventCreateWithFlags(event, flags), "cudaEventCreateWithFlags");
        return new CudaEvent(event);
    }

    CUevent_st raw() {
        return event;
    }

    /** Waits for the event. */
    public void synchronize() {
        CudaStatus.check(cudart.cudaEventSynchronize(event), "cudaEventSynchronize");
    }

    /** Nanoseconds from {@code start} to this event, both recorded and completed (0.5 µs resolution). */
    public long nanosSince(CudaEvent start) {
        float[] ms = new float[1];
        CudaStatus.check(cudart.cudaEventElapsedTime(ms, start.event, event), "cudaEventElapsedTime");
        return (long) (ms[0] * 1_000_000.0);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            CudaStatus.check(cudart.cudaEventDestroy(event), "cudaEventDestroy");
        }
    }
}
