package io.statim.runtime;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Status;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Builds requests over device buffers for backend and scheduler tests; the caller releases {@link #memory}. */
public final class TestRequests {
    /** Buffers backing the inputs made so far. */
    public final List<DeviceBuffer> memory = new ArrayList<>();
    private final Device device;

    public TestRequests(Device device) {
        this.device = device;
    }

    /** An INT32 tensor of the given shape holding {@code first, first+1, ...}. */
    public Tensor int32(String name, int first, long... shape) {
        Shape s = Shape.of(shape);
        DeviceBuffer buffer = device.allocate(s.elementCount() * 4, MemoryUse.STAGING);
        memory.add(buffer);
        for (int i = 0; i < s.elementCount(); i++) {
            buffer.segment().setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, first + i);
        }
        return new Tensor(name, DataType.INT32, s, buffer.segment());
    }

    /** An FP32 tensor of the given shape holding {@code values} (repeated when shorter than the shape). */
    public Tensor fp32(String name, float[] values, long... shape) {
        Shape s = Shape.of(shape);
        DeviceBuffer buffer = device.allocate(s.elementCount() * 4, MemoryUse.STAGING);
        memory.add(buffer);
        for (int i = 0; i < s.elementCount(); i++) {
            buffer.segment().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, values[i % values.length]);
        }
        return new Tensor(name, DataType.FP32, s, buffer.segment());
    }

    /** An INT64 tensor of shape [values.length]. */
    public Tensor int64(String name, long... values) {
        DeviceBuffer buffer = device.allocate(values.length * 8L, MemoryUse.STAGING);
        memory.add(buffer);
        for (int i = 0; i < values.length; i++) {
            buffer.segment().setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, values[i]);
        }
        return new Tensor(name, DataType.INT64, Shape.of(values.length), buffer.segment());
    }

    /** A BYTES tensor of one row of strings. */
    public Tensor strings(String name, List<String> values, long... shape) {
        List<byte[]> bytes = values.stream().map(v -> v.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toList();
        DeviceBuffer buffer = device.allocate(Tensor.serializedSize(bytes), MemoryUse.STAGING);
        memory.add(buffer);
        Tensor.writeBytesElements(bytes, buffer.segment());
        return new Tensor(name, DataType.BYTES, Shape.of(shape), buffer.segment());
    }

    /** A request whose outcome lands in the returned future's listener. */
    public static InferenceRequest request(String model, List<Tensor> inputs, long batchSize, Outcome outcome) {
        return new InferenceRequest("id", model, 1, inputs, List.of(), batchSize, System.nanoTime(), outcome);
    }

    /** Releases the input memory. */
    public void release() {
        memory.forEach(DeviceBuffer::release);
        memory.clear();
    }

    /** A listener that records the outcome. */
    public static final class Outcome implements ResponseListener {
        public final CompletableFuture<InferenceResponse> response = new CompletableFuture<>();
        public final CompletableFuture<Status> error = new CompletableFuture<>();
        public final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void onResponse(InferenceResponse r) {
            calls.incrementAndGet();
            response.complete(r);
        }

        @Override
        public void onError(Status status) {
            calls.incrementAndGet();
            error.complete(status);
        }
    }
}
