package io.statim.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.Releasable;
import io.statim.core.device.SharedBuffer;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.runtime.ExecutionPhases;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session serving one version of a plain ONNX model on the CPU.
 *
 * <p>Inputs: a single request's tensor is handed to ONNX Runtime as a view of the request's own
 * off-heap memory, without a copy; the requests of a batch are concatenated into one staging buffer.
 * Outputs whose shape is known before the run (fixed-size type, concrete dims) are pinned: ONNX
 * Runtime writes them straight into a device buffer that the responses then share, each holding a
 * slice. Other outputs are copied out of ONNX Runtime's own result.
 *
 * <p>LoRA: an instance of a model served with adapters runs the rewritten graph and is fed, besides
 * the requests' inputs, the slot pools ({@link OnnxLoraInputs}, tensors bound once over the shared
 * pool memory) and a slot index per row: each request's {@link InferenceRequest#adapterSlot()},
 * repeated for its rows (0, the zero slot, for a request without an adapter).
 *
 * <p>Not thread-safe: one worker thread owns an instance (see {@link ModelInstance}).
 */
public final class OnnxModelInstance implements ModelInstance {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OnnxModelInstance.class);
    private final ModelConfig config;
    private final long version;
    private final Device device;
    private final OrtSession session;
    private final OrtEnvironment env = OnnxSessions.environment();
    private final ExecutionPhases phases = new ExecutionPhases();
    private final OnnxLoraInputs lora;

    /**
     * Takes ownership of {@code session}, whose signature was checked against {@code config}, and of
     * {@code lora} (the pool tensors of a LoRA model, or {@code null}).
     */
    OnnxModelInstance(ModelConfig config, long version, Device device, OrtSession session, OnnxLoraInputs lora) {
        this.config = config;
        this.version = version;
        this.device = device;
        this.session = session;
        this.lora = lora;
    }

    @Override
    public List<InferenceResponse> execute(List<InferenceRequest> batch) {
        if (!config.batching() && batch.size() != 1) {
            throw new StatusException(Code.INTERNAL, "model '" + config.name() + "' does not batch but got " + batch.size() + " requests");
        }
        long start = System.nanoTime();
        long rows = 0;
        for (InferenceRequest r : batch) {
            rows += r.batchSize();
        }
        List<Releasable> scratch = new ArrayList<>();
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
        Map<String, Computed> pinnedBuffers = new LinkedHashMap<>();
        List<DeviceBuffer> outputBuffers = new ArrayList<>();
        OrtSession.Result result = null;
        boolean handedOver = false;
        try {
            for (TensorConfig in : config.inputs()) {
                if (batch.get(0).input(in.name()) != null) {
                    inputs.put(in.name(), inputTensor(in, batch, rows, scratch));
                }
            }
            if (lora != null) {
                inputs.put(lora.slotInput(), slotTensor(batch, rows, scratch));
                lora.addPools(inputs);
            }
            Set<String> wanted = wantedOutputs(batch);
            for (String name : wanted) {
                TensorConfig out = config.output(name);
                if (!out.dataType().isVariableLength() && modelDims(out).isConcrete()) {
                    long[] shape = modelShape(out, rows);
                    DeviceBuffer buffer = device.allocate(Shape.of(shape).elementCount() * out.dataType().byteSize(), MemoryUse.OUTPUT);
                    outputBuffers.add(buffer);
                    pinnedBuffers.put(name, new Computed(buffer, shape));
                    pinned.put(name, OnnxTensor.createTensor(env, byteBuffer(buffer.segment()), shape, OnnxTypes.javaType(out.dataType())));
                }
            }
            // ONNX Runtime takes each output either as requested (it allocates) or as pinned, not both.
            Set<String> allocatedByOrt = new LinkedHashSet<>(wanted);
            allocatedByOrt.removeAll(pinned.keySet());
            long inferStart = System.nanoTime();
            result = session.run(inputs, allocatedByOrt, pinned);
            long inferEnd = System.nanoTime();
            List<List<Tensor>> outputs = new ArrayList<>(batch.size());
            List<List<Releasable>> memory = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                outputs.add(new ArrayList<>());
                memory.add(new ArrayList<>());
            }
            for (String name : wanted) {
                TensorConfig out = config.output(name);
                Computed computed = pinnedBuffers.get(name);
                if (computed == null) {
                    computed = copyOut(out, result, rows);
                    outputBuffers.add(computed.buffer());
                }
                split(out, computed, batch, rows, outputs, memory);
            }
            List<InferenceResponse> responses = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                InferenceRequest r = batch.get(i);
                responses.add(new InferenceResponse(config.name(), version, r.id(), ordered(r, outputs.get(i)), memory.get(i)));
            }
            handedOver = true;
            phases.set(inferStart - start, inferEnd - inferStart, System.nanoTime() - inferEnd);
            return responses;
        } catch (OrtException e) {
            LOG.debug("ONNX Runtime failed on model '{}': {}", config.name(), e.getCode());
            throw new StatusException(Code.INTERNAL, "ONNX Runtime failed on model '" + config.name() + "': " + e.getCode());
        } finally {
            for (Map.Entry<String, OnnxTensor> input : inputs.entrySet()) {
                if (lora == null || !lora.isPool(input.getKey())) {
                    input.getValue().close();
                }
            }
            for (OnnxTensor t : pinned.values()) {
                t.close();
            }
            if (result != null) {
                result.close();
            }
            if (!handedOver) {
                for (DeviceBuffer b : outputBuffers) {
                    b.release();
                }
            }
            for (Releasable r : scratch) {
                r.release();
            }
        }
    }

    @Override
    public ExecutionPhases phases() {
        return phases;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new StatusException(Code.INTERNAL, "closing the session of '" + config.name() + "' failed: " + e.getMessage());
        } finally {
            if (lora != null) {
                lora.close();
            }
        }
    }

    /** The INT64 slot of each row: every request's adapter slot, repeated for its rows. */
    private OnnxTensor slotTensor(List<InferenceRequest> batch, long rows, List<Releasable> scratch) throws OrtException {
        DeviceBuffer buffer = OnnxLoraInputs.slotBuffer(device, rows);
        scratch.add(buffer);
        long row = 0;
        for (InferenceRequest r : batch) {
            int slot = r.adapterSlot();
            for (long i = 0; i < r.batchSize(); i++) {
                OnnxLoraInputs.setSlot(buffer.segment(), row++, slot);
            }
        }
        return OnnxLoraInputs.slotTensor(env, buffer.segment());
    }

    private OnnxTensor inputTensor(TensorConfig in, List<InferenceRequest> batch, long rows, List<Releasable> scratch) throws OrtException {
        Tensor first = batch.get(0).input(in.name());
        long[] shape = inputShape(in, first, rows);
        if (in.dataType() == DataType.BYTES) {
            List<String> strings = new ArrayList<>();
            for (InferenceRequest r : batch) {
                strings.addAll(r.input(in.name()).strings());
            }
            return OnnxTensor.createTensor(env, strings.toArray(String[]::new), shape);
        }
        OnnxJavaType type = OnnxTypes.javaType(in.dataType());
        MemorySegment data = first.data();
        if (batch.size() == 1 && data.isNative() && data.address() % in.dataType().byteSize() == 0) {
            return OnnxTensor.createTensor(env, byteBuffer(data), shape, type);
        }
        long bytes = 0;
        for (InferenceRequest r : batch) {
            bytes += r.input(in.name()).byteSize();
        }
        DeviceBuffer staging = device.allocate(bytes, MemoryUse.STAGING);
        scratch.add(staging);
        long offset = 0;
        for (InferenceRequest r : batch) {
            MemorySegment src = r.input(in.name()).data();
            MemorySegment.copy(src, 0, staging.segment(), offset, src.byteSize());
            offset += src.byteSize();
        }
        return OnnxTensor.createTensor(env, byteBuffer(staging.segment()), shape, type);
    }

    private long[] inputShape(TensorConfig in, Tensor first, long rows) {
        if (in.reshape() != null) {
            return modelShape(in, rows);
        }
        long[] shape = first.shape().toArray();
        if (config.batching()) {
            shape[0] = rows;
        }
        return shape;
    }

    /** The dims the graph sees: reshape when configured, else dims. */
    private static Shape modelDims(TensorConfig t) {
        return t.reshape() != null ? t.reshape() : t.dims();
    }

    private long[] modelShape(TensorConfig t, long rows) {
        Shape dims = modelDims(t);
        return (config.batching() ? dims.withBatch(rows) : dims).toArray();
    }

    private Set<String> wantedOutputs(List<InferenceRequest> batch) {
        Set<String> wanted = new LinkedHashSet<>();
        for (InferenceRequest r : batch) {
            if (r.requestedOutputs().isEmpty()) {
                for (TensorConfig out : config.outputs()) {
                    wanted.add(out.name());
                }
            } else {
                wanted.addAll(r.requestedOutputs());
            }
        }
        return wanted;
    }

    /** An output in a device buffer, with the shape the graph gave it. */
    private record Computed(DeviceBuffer buffer, long[] shape) {
    }

    /** Copies an output that ONNX Runtime allocated into a device buffer, BYTES serialized. */
    private Computed copyOut(TensorConfig out, OrtSession.Result result, long rows) throws OrtException {
        OnnxValue value = result.get(out.name()).orElseThrow();
        OnnxTensor tensor = (OnnxTensor) value;
        long[] shape = tensor.getInfo().getShape();
        if (config.batching() && (shape.length == 0 || shape[0] != rows)) {
            throw new StatusException(Code.INTERNAL, "output '" + out.name() + "' of model '" + config.name() + "' has shape "
                    + Shape.of(shape) + " but the batch has " + rows + " rows");
        }
        if (out.dataType() == DataType.BYTES) {
            List<byte[]> elements = new ArrayList<>();
            flattenStrings(tensor.getValue(), elements);
            DeviceBuffer buffer = device.allocate(Tensor.serializedSize(elements), MemoryUse.OUTPUT);
            try {
                Tensor.writeBytesElements(elements, buffer.segment());
            } catch (RuntimeException e) {
                buffer.release();
                throw e;
            }
            return new Computed(buffer, shape);
        }
        ByteBuffer bytes = tensor.getByteBuffer();
        DeviceBuffer buffer = device.allocate(bytes.remaining(), MemoryUse.OUTPUT);
        buffer.segment().copyFrom(MemorySegment.ofBuffer(bytes));
        return new Computed(buffer, shape);
    }

    /** Gives each request its rows of an output; the requests share the buffer. */
    private void split(TensorConfig out, Computed computed, List<InferenceRequest> batch, long rows,
            List<List<Tensor>> outputs, List<List<Releasable>> memory) {
        DeviceBuffer buffer = computed.buffer();
        long[] full = computed.shape();
        if (out.reshape() != null) {
            full = (config.batching() ? out.dims().withBatch(rows) : out.dims()).toArray();
        }
        if (batch.size() == 1) {
            outputs.get(0).add(new Tensor(out.name(), out.dataType(), Shape.of(full), buffer.segment()));
            memory.get(0).add(buffer);
            return;
        }
        SharedBuffer shared = new SharedBuffer(buffer, batch.size());
        long elementsPerRow = Shape.of(full).elementCount() / Math.max(rows, 1);
        long offset = 0;
        for (int i = 0; i < batch.size(); i++) {
            long rowsHere = batch.get(i).batchSize();
            long[] shape = full.clone();
            shape[0] = rowsHere;
            long bytes = out.dataType() == DataType.BYTES
                    ? bytesOfElements(buffer.segment(), offset, rowsHere * elementsPerRow)
                    : rowsHere * elementsPerRow * out.dataType().byteSize();
            outputs.get(i).add(new Tensor(out.name(), out.dataType(), Shape.of(shape), buffer.segment().asSlice(offset, bytes)));
            memory.get(i).add(shared);
            offset += bytes;
        }
    }

    private static long bytesOfElements(MemorySegment data, long offset, long count) {
        long end = offset;
        for (long i = 0; i < count; i++) {
            end += 4 + Integer.toUnsignedLong(data.get(Tensor.LENGTH_PREFIX, end));
        }
        return end - offset;
    }

    private static List<Tensor> ordered(InferenceRequest request, List<Tensor> computed) {
        if (request.requestedOutputs().isEmpty()) {
            return computed;
        }
        List<Tensor> out = new ArrayList<>(request.requestedOutputs().size());
        for (String name : request.requestedOutputs()) {
            for (Tensor t : computed) {
                if (t.name().equals(name)) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static void flattenStrings(Object value, List<byte[]> out) {
        if (value instanceof String s) {
            out.add(s.getBytes(StandardCharsets.UTF_8));
        } else if (value instanceof Object[] array) {
            for (Object o : array) {
                flattenStrings(o, out);
            }
        } else {
            throw new StatusException(Code.INTERNAL, "unexpected string output element " + value.getClass().getSimpleName());
        }
    }

    private static ByteBuffer byteBuffer(MemorySegment segment) {
        return segment.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN || ValueLayout.JAVA_INT.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("Statim's ONNX Runtime backend needs a little-endian machine");
        }
    }
}
