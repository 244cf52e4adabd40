package io.statim.runtime.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.lora.LoraLayout;
import io.statim.model.lora.LoraTarget;
import io.statim.runtime.lora.LoraModel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one ONNX Runtime session of a LoRA model is fed besides the request's inputs: the slot pools
 * of its {@link LoraModel}, as tensors created once, when the instance loads, over the pools' device
 * memory (ONNX Runtime uses a direct buffer in native order as it is: no copy, and every run reads
 * the slots' current contents); and per batch the INT64 slot index of each row, written into a
 * {@link MemoryUse#STAGING} buffer.
 *
 * <p>Owned by one instance and used by its worker thread; {@link #close()} closes the pool tensors
 * (the memory under them belongs to the {@link LoraModel}).
 */
public final class OnnxLoraInputs implements AutoCloseable {
    private final String slotInput;
    private final Map<String, OnnxTensor> pools;

    private OnnxLoraInputs(String slotInput, Map<String, OnnxTensor> pools) {
        this.slotInput = slotInput;
        this.pools = pools;
    }

    /**
     * Wraps the pools of {@code lora} as tensors.
     *
     * @throws StatusException INTERNAL when ONNX Runtime cannot create a tensor; nothing stays open
     */
    public static OnnxLoraInputs create(OrtEnvironment env, LoraModel lora) {
        LoraLayout layout = lora.layout();
        Map<String, OnnxTensor> pools = new LinkedHashMap<>();
        try {
            List<LoraTarget> targets = layout.targets();
            for (int t = 0; t < targets.size(); t++) {
                LoraTarget target = targets.get(t);
                pools.put(target.poolA(), wrap(env, lora.poolA(t), layout.poolAShape(target), OnnxJavaType.FLOAT));
                pools.put(target.poolB(), wrap(env, lora.poolB(t), layout.poolBShape(target), OnnxJavaType.FLOAT));
            }
        } catch (OrtException | RuntimeException e) {
            pools.values().forEach(OnnxTensor::close);
            throw e instanceof StatusException se ? se
                    : new StatusException(Code.INTERNAL, "model '" + lora.modelName() + "': cannot bind the LoRA slot pools: " + e.getMessage());
        }
        return new OnnxLoraInputs(layout.slotInput(), pools);
    }

    /** The name of the INT64 slot-index input. */
    public String slotInput() {
        return slotInput;
    }

    /** True when {@code name} is one of the pool inputs (which a batch must not close). */
    public boolean isPool(String name) {
        return pools.containsKey(name);
    }

    /** Adds the pool tensors to a run's inputs. */
    public void addPools(Map<String, OnnxTensor> inputs) {
        inputs.putAll(pools);
    }

    /**
     * Leases a STAGING buffer of {@code rows} INT64s for the slot index; the caller fills it (row by
     * row, see {@link #setSlot}), wraps it with {@link #slotTensor} and releases it after the run.
     */
    public static DeviceBuffer slotBuffer(Device device, long rows) {
        return device.allocate(rows * Long.BYTES, MemoryUse.STAGING);
    }

    /** Writes row {@code row}'s slot. */
    public static void setSlot(MemorySegment slots, long row, long slot) {
        slots.setAtIndex(ValueLayout.JAVA_LONG, row, slot);
    }

    /** The slot-index tensor {@code [rows]} over a buffer from {@link #slotBuffer}; the caller closes it. */
    public static OnnxTensor slotTensor(OrtEnvironment env, MemorySegment slots) throws OrtException {
        return wrap(env, slots, new long[] {slots.byteSize() / Long.BYTES}, OnnxJavaType.INT64);
    }

    private static OnnxTensor wrap(OrtEnvironment env, MemorySegment data, long[] shape, OnnxJavaType type) throws OrtException {
        return OnnxTensor.createTensor(env, data.asByteBuffer().order(ByteOrder.nativeOrder()), shape, type);
    }

    @Override
    public void close() {
        pools.values().forEach(OnnxTensor::close);
    }
}
