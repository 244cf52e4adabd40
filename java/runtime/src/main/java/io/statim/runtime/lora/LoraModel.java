package io.statim.runtime.lora;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.config.LoraConfig;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.model.lora.LoraGraphRewrite;
import io.statim.model.lora.LoraLayout;
import io.statim.model.lora.LoraSlotWriter;
import io.statim.model.lora.LoraTarget;
import io.statim.model.lora.LoraWeights;
import io.statim.model.lora.PeftAdapter;
import io.statim.model.lora.SafeTensor;
import io.statim.model.repository.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One version of a model served with LoRA adapters: its ONNX graph rewritten once by
 * {@link LoraGraphRewrite} (for all its instances), and the slot pools that the rewritten graph reads,
 * in device memory charged to {@link MemoryUse#LORA_SLOTS}.
 *
 * <p>Pools: per target, {@code A} FP32 {@code [poolSlots, in, maxRank]} and {@code B} FP32
 * {@code [poolSlots, maxRank, out]}, slices of one device buffer, each 64-byte aligned. Slot 0 is
 * all zeros and is never written: rows without an adapter read it and get the base model. Backends
 * hand the pools to their runtime once per instance, as tensors over this memory (no copy), so
 * every run reads the slots' current contents; nothing is re-bound when a slot changes.
 *
 * <p>Slot images: an adapter's content of one slot, laid out as the pools' slot entries one after
 * the other, for each target {@code Aᵀ} {@code [in, maxRank]} then {@code Bᵀ·scale}
 * {@code [maxRank, out]}, FP32 little-endian, zero past the adapter's rank and for targets it does not
 * touch ({@link #imageBytes()} bytes; offsets {@link #imageOffsetA}, {@link #imageOffsetB}). The host
 * tier keeps images, so that filling a slot ({@link #loadSlot}) is one plain copy per pool.
 *
 * <p>Threads and ownership: the scheduler's adapter registry is the one writer of the slots; it must
 * not write a slot that a running batch reads, and publishes each write to the worker that runs the
 * next batch through its lock (or writes on that worker). Instances only read. The caller of
 * {@link #load} owns the model and closes it after every instance that reads the pools is closed.
 */
public final class LoraModel implements AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long ALIGN = 64;

    private final String modelName;
    private final long version;
    private final LoraConfig config;
    private final LoraLayout layout;
    private final DeviceBuffer memory;
    private final List<MemorySegment> poolsA;
    private final List<MemorySegment> poolsB;
    private final long[] imageOffsetsA;
    private final long[] imageOffsetsB;
    private final Map<String, Integer> targetIndex = new HashMap<>();
    private final Set<String> inputNames;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile byte[] modelBytes;

    private LoraModel(String modelName, long version, LoraConfig config, LoraLayout layout, byte[] modelBytes, DeviceBuffer memory) {
        this.modelName = modelName;
        this.version = version;
        this.config = config;
        this.layout = layout;
        this.modelBytes = modelBytes;
        this.memory = memory;
        List<LoraTarget> targets = layout.targets();
        List<MemorySegment> a = new ArrayList<>(targets.size());
        List<MemorySegment> b = new ArrayList<>(targets.size());
        imageOffsetsA = new long[targets.size()];
        imageOffsetsB = new long[targets.size()];
        long offset = 0;
        long image = 0;
        Set<String> names = new LinkedHashSet<>();
        names.add(layout.slotInput());
        for (int t = 0; t < targets.size(); t++) {
            LoraTarget target = targets.get(t);
            long bytesA = layout.slots() * layout.slotBytesA(target);
            long bytesB = layout.slots() * layout.slotBytesB(target);
            a.add(memory.segment().asSlice(offset, bytesA));
            offset = align(offset + bytesA);
            b.add(memory.segment().asSlice(offset, bytesB));
            offset = align(offset + bytesB);
            imageOffsetsA[t] = image;
            image += layout.slotBytesA(target);
            imageOffsetsB[t] = image;
            image += layout.slotBytesB(target);
            targetIndex.put(target.modulePath(), t);
            names.add(target.poolA());
            names.add(target.poolB());
        }
        this.poolsA = List.copyOf(a);
        this.poolsB = List.copyOf(b);
        this.inputNames = Set.copyOf(names);
    }

    /**
     * Reads the model file of {@code version}, rewrites it for the targets of the config's
     * {@link ModelConfig#lora()}, and allocates zeroed pools for its slots on {@code device}.
     *
     * @throws StatusException INVALID_ARGUMENT when the file is not an ONNX model, a target matches no
     *                         linear layer, a pool is too large, or a configured tensor takes a name the
     *                         rewrite needs; NOT_FOUND when the file is missing; RESOURCE_EXHAUSTED when
     *                         the LORA_SLOTS budget cannot hold the pools. Nothing stays allocated.
     */
    public static LoraModel load(ModelSource source, long version, Device device) {
        ModelConfig config = source.config();
        LoraConfig lora = config.lora();
        if (lora == null) {
            throw new IllegalArgumentException("model '" + config.name() + "' has no LoRA configuration");
        }
        Path file = source.modelFile(version);
        ModelProto base = read(config.name(), file);
        LoraGraphRewrite.Result rewritten = LoraGraphRewrite.rewrite(base, lora.targetModules(), lora.poolSlots(), lora.maxRank());
        LoraLayout layout = rewritten.layout();
        checkNames(config, layout);
        long bytes = 0;
        for (LoraTarget target : layout.targets()) {
            for (long pool : new long[] {layout.slots() * layout.slotBytesA(target), layout.slots() * layout.slotBytesB(target)}) {
                if (pool > Integer.MAX_VALUE) {
                    throw invalid(config.name(), "a slot pool of layer '" + target.modulePath() + "' would take " + pool
                            + " bytes, more than 2^31-1: lower " + LoraConfig.SLOTS + "=" + lora.slots() + " or " + LoraConfig.MAX_RANK
                            + "=" + lora.maxRank());
                }
                bytes = align(bytes + pool);
            }
        }
        byte[] model = rewritten.model().toByteArray();
        DeviceBuffer memory = device.allocate(bytes, MemoryUse.LORA_SLOTS);
        memory.segment().fill((byte) 0);
        return new LoraModel(config.name(), version, lora, layout, model, memory);
    }

    private static ModelProto read(String model, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelProto.parseFrom(in);
        } catch (NoSuchFileException e) {
            throw new StatusException(Code.NOT_FOUND, "model '" + model + "': " + file.getFileName() + " does not exist");
        } catch (InvalidProtocolBufferException e) {
            throw invalid(model, file.getFileName() + " is not an ONNX model (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new StatusException(Status.invalidArgument("model '" + model + "': " + file.getFileName() + " cannot be read: "
                    + e.getClass().getSimpleName()), e);
        }
    }

    /** The graph inputs the rewrite adds must not be tensors that clients send or receive. */
    private static void checkNames(ModelConfig config, LoraLayout layout) {
        List<String> added = new ArrayList<>();
        added.add(layout.slotInput());
        for (LoraTarget t : layout.targets()) {
            added.add(t.poolA());
            added.add(t.poolB());
        }
        for (List<TensorConfig> side : List.of(config.inputs(), config.outputs())) {
            for (TensorConfig tensor : side) {
                if (added.contains(tensor.name())) {
                    throw invalid(config.name(), "tensor '" + tensor.name() + "' of config.pbtxt has the name of an input that the"
                            + " LoRA rewrite adds; rename it");
                }
            }
        }
    }

    /** The model's name. */
    public String modelName() {
        return modelName;
    }

    /** The model's version. */
    public long version() {
        return version;
    }

    /** The LoRA settings the model was loaded with. */
    public LoraConfig config() {
        return config;
    }

    /** The rewritten graph's targets, pools and slot input. */
    public LoraLayout layout() {
        return layout;
    }

    /** Device slots for adapters: slots {@code 1..deviceSlots()} of the pools (0 is the zero slot). */
    public int deviceSlots() {
        return layout.slots() - 1;
    }

    /** The inputs the rewrite added to the graph: the slot input and every pool. */
    public Set<String> inputNames() {
        return inputNames;
    }

    /**
     * The serialized rewritten model, for backends to create their sessions from.
     *
     * @throws IllegalStateException after {@link #discardModelBytes()}
     */
    public byte[] modelBytes() {
        byte[] bytes = modelBytes;
        if (bytes == null) {
            throw new IllegalStateException("the rewritten model of '" + modelName + "' was discarded after its instances loaded");
        }
        return bytes;
    }

    /** Lets the serialized model go once every instance has loaded (it is as large as the model). */
    public void discardModelBytes() {
        modelBytes = null;
    }

    /** Target {@code t}'s A pool, {@code [poolSlots, in, maxRank]} FP32. */
    public MemorySegment poolA(int t) {
        return poolsA.get(t);
    }

    /** Target {@code t}'s B pool, {@code [poolSlots, maxRank, out]} FP32. */
    public MemorySegment poolB(int t) {
        return poolsB.get(t);
    }

    /** Bytes of one slot image: {@link LoraLayout#slotBytes()}. */
    public long imageBytes() {
        return layout.slotBytes();
    }

    /** Where target {@code t}'s {@code Aᵀ} starts in a slot image. */
    public long imageOffsetA(int t) {
        return imageOffsetsA[t];
    }

    /** Where target {@code t}'s {@code Bᵀ·scale} starts in a slot image. */
    public long imageOffsetB(int t) {
        return imageOffsetsB[t];
    }

    /**
     * Checks the adapter against the layout and writes its slot image into {@code image} (at least
     * {@link #imageBytes()} bytes). F16 and BF16 weights widen to FP32.
     *
     * @throws StatusException INVALID_ARGUMENT naming the adapter's tensor when it does not fit
     */
    public void writeImage(PeftAdapter adapter, MemorySegment image) {
        if (image.byteSize() < imageBytes()) {
            throw new IllegalArgumentException("an image of " + image.byteSize() + " bytes is smaller than " + imageBytes());
        }
        layout.check(adapter);
        image.asSlice(0, imageBytes()).fill((byte) 0);
        int maxRank = layout.maxRank();
        for (LoraWeights module : adapter.modules()) {
            int t = targetIndex.get(layout.target(module.modulePath()).orElseThrow().modulePath());
            LoraTarget target = layout.targets().get(t);
            int rank = module.rank();
            int in = target.in();
            int out = target.out();
            SafeTensor a = module.a();
            long baseA = imageOffsetsA[t];
            // A is [rank, in]: read in order, write its transpose [in, maxRank].
            for (int j = 0; j < rank; j++) {
                long row = (long) j * in;
                for (int i = 0; i < in; i++) {
                    image.set(F32, baseA + ((long) i * maxRank + j) * Float.BYTES, a.getFloat(row + i));
                }
            }
            SafeTensor b = module.b();
            float scale = module.scale();
            long baseB = imageOffsetsB[t];
            // B is [out, rank]: read in order, write its transpose [maxRank, out], scaled.
            for (int o = 0; o < out; o++) {
                long row = (long) o * rank;
                for (int j = 0; j < rank; j++) {
                    image.set(F32, baseB + ((long) j * out + o) * Float.BYTES, b.getFloat(row + j) * scale);
                }
            }
        }
    }

    /** Copies a slot image into {@code slot} (in {@code [1, deviceSlots()]}): one copy per pool. */
    public void loadSlot(int slot, MemorySegment image) {
        checkSlot(slot);
        List<LoraTarget> targets = layout.targets();
        for (int t = 0; t < targets.size(); t++) {
            LoraTarget target = targets.get(t);
            long a = layout.slotBytesA(target);
            long b = layout.slotBytesB(target);
            MemorySegment.copy(image, imageOffsetsA[t], poolsA.get(t), slot * a, a);
            MemorySegment.copy(image, imageOffsetsB[t], poolsB.get(t), slot * b, b);
        }
    }

    /** Copies {@code slot}'s content out as a slot image (the inverse of {@link #loadSlot}). */
    public void readSlot(int slot, MemorySegment image) {
        checkSlot(slot);
        List<LoraTarget> targets = layout.targets();
        for (int t = 0; t < targets.size(); t++) {
            LoraTarget target = targets.get(t);
            long a = layout.slotBytesA(target);
            long b = layout.slotBytesB(target);
            MemorySegment.copy(poolsA.get(t), slot * a, image, imageOffsetsA[t], a);
            MemorySegment.copy(poolsB.get(t), slot * b, image, imageOffsetsB[t], b);
        }
    }

    /**
     * Writes the adapter straight from its files into {@code slot}, without an image (when the host
     * tier cannot hold one).
     *
     * @throws StatusException INVALID_ARGUMENT naming the adapter's tensor when it does not fit
     */
    public void writeSlot(int slot, PeftAdapter adapter) {
        checkSlot(slot);
        LoraSlotWriter.write(layout, adapter, slot, poolsA, poolsB);
    }

    /** Zeroes {@code slot} (in {@code [1, deviceSlots()]}). */
    public void clearSlot(int slot) {
        checkSlot(slot);
        LoraSlotWriter.clear(layout, slot, poolsA, poolsB);
    }

    private void checkSlot(int slot) {
        if (slot < 1 || slot > deviceSlots()) {
            throw new IllegalArgumentException("slot " + slot + " is outside [1, " + deviceSlots() + "]; slot 0 is the zero slot");
        }
    }

    /** Releases the pools; every instance that reads them must be closed. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            modelBytes = null;
            memory.release();
        }
    }

    private static long align(long offset) {
        return (offset + ALIGN - 1) & -ALIGN;
    }

    private static StatusException invalid(String model, String message) {
        return new StatusException(Code.INVALID_ARGUMENT, "model '" + model + "': " + message);
    }

    @Override
    public String toString() {
        return "LoraModel[" + modelName + " v" + version + ", " + layout + "]";
    }
}
