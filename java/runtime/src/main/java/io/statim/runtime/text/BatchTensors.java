package io.statim.runtime.text;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.runtime.onnx.OnnxLoraInputs;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ONNX Runtime tensors of one batch of token windows, over {@link MemoryUse#STAGING} buffers of the
 * device so that ONNX Runtime reads the inputs and writes the token embeddings in place, without copies:
 * {@code input_ids}, {@code attention_mask} and (when the graph takes it) {@code token_type_ids}, INT64
 * {@code [windows, length]} padded with zeros to the longest window; and the token embeddings, FP32
 * {@code [windows, length, hidden]}, pinned as the graph's output. For a LoRA graph also the slot index
 * (INT64 {@code [windows]}, each window the slot of its text's request) and the pools, which the
 * instance owns and this class never closes.
 *
 * <p>Owns its tensors and buffers: {@link #close()} closes the tensors and releases the buffers, also
 * after a failed {@link #create}. Used by one thread.
 */
final class BatchTensors implements AutoCloseable {
    private static final long LONG_BYTES = Long.BYTES;
    private static final long FLOAT_BYTES = Float.BYTES;

    private final List<OnnxTensor> tensors = new ArrayList<>(4);
    private final List<DeviceBuffer> buffers = new ArrayList<>(2);
    private final Map<String, OnnxTensor> inputs = new HashMap<>(4);
    private OnnxTensor tokenEmbeddings;
    private MemorySegment tokenEmbeddingsData;

    private BatchTensors() {
    }

    /**
     * Leases the buffers, writes the windows into them and wraps them as tensors.
     *
     * @throws OrtException when ONNX Runtime cannot create a tensor; nothing stays leased
     * @throws io.statim.core.status.StatusException RESOURCE_EXHAUSTED when the staging budget is spent
     */
    static BatchTensors create(OrtEnvironment env, Device device, TokenWindows windows, BertGraph graph, int hiddenSize)
            throws OrtException {
        return create(env, device, windows, graph, hiddenSize, null, null);
    }

    /**
     * As {@link #create(OrtEnvironment, Device, TokenWindows, BertGraph, int)}, plus the LoRA inputs:
     * {@code textSlots[i]} is the adapter slot of text {@code i}.
     *
     * @param lora      the instance's pool tensors, or {@code null} for a graph without LoRA
     * @param textSlots the slot of each text; ignored without {@code lora}
     */
    static BatchTensors create(OrtEnvironment env, Device device, TokenWindows windows, BertGraph graph, int hiddenSize,
            OnnxLoraInputs lora, int[] textSlots) throws OrtException {
        BatchTensors t = new BatchTensors();
        try {
            t.fill(env, device, windows, graph, hiddenSize);
            if (lora != null) {
                t.fillLora(env, device, windows, lora, textSlots);
            }
            return t;
        } catch (OrtException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void fill(OrtEnvironment env, Device device, TokenWindows windows, BertGraph graph, int hiddenSize)
            throws OrtException {
        int rows = windows.windowCount();
        int length = windows.maxLength();
        long[] shape = {rows, length};
        long planeBytes = (long) rows * length * LONG_BYTES;
        int planes = graph.takesTokenTypeIds() ? 3 : 2;
        MemorySegment staging = lease(device, planes * planeBytes);
        staging.fill((byte) 0);
        MemorySegment ids = staging.asSlice(0, planeBytes);
        MemorySegment mask = staging.asSlice(planeBytes, planeBytes);
        MemorySegment types = graph.takesTokenTypeIds() ? staging.asSlice(2 * planeBytes, planeBytes) : null;
        for (int w = 0; w < rows; w++) {
            TokenWindows.Window window = windows.window(w);
            long rowOffset = (long) w * length * LONG_BYTES;
            MemorySegment.copy(window.ids(), 0, ids, ValueLayout.JAVA_LONG, rowOffset, window.length());
            if (types != null) {
                MemorySegment.copy(window.typeIds(), 0, types, ValueLayout.JAVA_LONG, rowOffset, window.length());
            }
            for (int i = 0; i < window.length(); i++) {
                mask.set(ValueLayout.JAVA_LONG, rowOffset + i * LONG_BYTES, 1L);
            }
        }
        input(env, BertGraph.INPUT_IDS, ids, shape);
        input(env, BertGraph.ATTENTION_MASK, mask, shape);
        if (types != null) {
            input(env, BertGraph.TOKEN_TYPE_IDS, types, shape);
        }
        tokenEmbeddingsData = lease(device, (long) rows * length * hiddenSize * FLOAT_BYTES);
        tokenEmbeddings = wrap(env, tokenEmbeddingsData, new long[] {rows, length, hiddenSize}, OnnxJavaType.FLOAT);
    }

    private void fillLora(OrtEnvironment env, Device device, TokenWindows windows, OnnxLoraInputs lora, int[] textSlots)
            throws OrtException {
        DeviceBuffer slots = OnnxLoraInputs.slotBuffer(device, windows.windowCount());
        buffers.add(slots);
        for (int text = 0; text < windows.textCount(); text++) {
            for (int w = windows.firstWindow(text); w < windows.endWindow(text); w++) {
                OnnxLoraInputs.setSlot(slots.segment(), w, textSlots[text]);
            }
        }
        OnnxTensor slotTensor = OnnxLoraInputs.slotTensor(env, slots.segment());
        tensors.add(slotTensor);
        inputs.put(lora.slotInput(), slotTensor);
        lora.addPools(inputs);
    }

    /** The graph's inputs by name: the INT64 token tensors, and for a LoRA graph the slot index and pools. */
    Map<String, OnnxTensor> inputs() {
        return inputs;
    }

    /** The pinned output tensor for the token embeddings. */
    OnnxTensor tokenEmbeddings() {
        return tokenEmbeddings;
    }

    /** The token embeddings, FP32 in native order, {@code [windows, length, hidden]}; valid until close. */
    MemorySegment tokenEmbeddingsData() {
        return tokenEmbeddingsData;
    }

    private MemorySegment lease(Device device, long bytes) {
        DeviceBuffer buffer = device.allocate(bytes, MemoryUse.STAGING);
        buffers.add(buffer);
        return buffer.segment();
    }

    private void input(OrtEnvironment env, String name, MemorySegment data, long[] shape) throws OrtException {
        inputs.put(name, wrap(env, data, shape, OnnxJavaType.INT64));
    }

    private OnnxTensor wrap(OrtEnvironment env, MemorySegment data, long[] shape, OnnxJavaType type) throws OrtException {
        // A direct buffer in native order: ONNX Runtime uses its memory as is.
        OnnxTensor tensor = OnnxTensor.createTensor(env, data.asByteBuffer().order(ByteOrder.nativeOrder()), shape, type);
        tensors.add(tensor);
        return tensor;
    }

    /** Closes the tensors, then releases the buffers under them. */
    @Override
    public void close() {
        for (OnnxTensor tensor : tensors) {
            tensor.close();
        }
        tensors.clear();
        for (DeviceBuffer buffer : buffers) {
            buffer.release();
        }
        buffers.clear();
    }
}
