package io.statim.runtime.cuda.tensorrt;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.Releasable;
import io.statim.core.device.SharedBuffer;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import io.statim.runtime.ExecutionPhases;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.cuda.AddressPointer;
import io.statim.runtime.cuda.CudaDevice;
import io.statim.runtime.cuda.CudaEvent;
import io.statim.runtime.cuda.CudaStatus;
import io.statim.runtime.cuda.CudaStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TensorRT execution context of one engine on one GPU stream: a model instance owned by one
 * worker thread.
 *
 * <p>An execution: the requests' inputs are concatenated into pinned STAGING buffers (one host copy
 * each), copied to pooled device buffers, the context's shapes and tensor addresses are set, the
 * engine runs with {@code enqueueV3} on this instance's stream, outputs are copied back into pinned
 * OUTPUT buffers that the responses share (each holds its rows, as on the CPU), and the stream is
 * synchronized once. CUDA events time the three phases on the GPU's clock. Device buffers go back to
 * the pool before execute returns; the pinned outputs go back when the last response is released.
 *
 * <p>With {@code tensorrt_cuda_graphs}, each distinct set of input shapes gets device buffers of its
 * own and, after a first normal run, a captured CUDA graph of the engine's kernels that later runs of
 * that shape replay in one launch; the least recently used shapes are dropped past
 * {@code tensorrt_cuda_graph_limit}. A shape whose capture fails runs without a graph.
 *
 * <p>Not thread-safe: one worker thread (the {@link ModelInstance} contract). Never run on a GPU so
 * far: written against CUDA 12.9 and TensorRT 10.12 as JavaCPP 1.5.12 binds them.
 */
final class TensorRtInstance implements ModelInstance {
    private static final Logger LOG = LoggerFactory.getLogger(TensorRtInstance.class);

    private final String label;
    private final ModelConfig config;
    private final long version;
    private final CudaDevice device;
    private final Device pinned;
    private final TensorRtOptions options;
    private final ProfileShapes profile;
    private final Arena engineArena;
    private final IRuntime runtime;
    private final ICudaEngine engine;
    private final IExecutionContext context;
    private final CudaStream stream;
    private final CudaEvent start;
    private final CudaEvent inferStart;
    private final CudaEvent inferEnd;
    private final CudaEvent end;
    private final ExecutionPhases phases = new ExecutionPhases();
    /** Every I/O tensor of the engine, inputs first, in engine order. */
    private final List<Binding> bindings;
    private final LinkedHashMap<ShapeKey, GraphSlot> graphs;
    /** Shapes whose capture failed: they run without a graph from then on. */
    private final Set<ShapeKey> uncapturable = new java.util.HashSet<>();

    /** One engine I/O tensor: its name as TensorRT takes it, reusable dims and pointer, and its config. */
    private static final class Binding {
        final String name;
        final BytePointer nativeName;
        final boolean input;
        final TensorConfig config;
        final Dims64 dims = new Dims64();
        final AddressPointer address = new AddressPointer(0);

        Binding(String name, boolean input, TensorConfig config) {
            this.name = name;
            this.nativeName = new BytePointer(name);
            this.input = input;
            this.config = config;
        }
    }

    private TensorRtInstance(String label, ModelConfig config, long version, CudaDevice device, TensorRtOptions options,
            ProfileShapes profile, Arena engineArena, IRuntime runtime, ICudaEngine engine, IExecutionContext context, CudaStream stream) {
        this.label = label;
        this.config = config;
        this.version = version;
        this.device = device;
        this.pinned = device.pinned();
        this.options = options;
        this.profile = profile;
        this.engineArena = engineArena;
        this.runtime = runtime;
        this.engine = engine;
        this.context = context;
        this.stream = stream;
        this.start = stream.newEvent(true);
        this.inferStart = stream.newEvent(true);
        this.inferEnd = stream.newEvent(true);
        this.end = stream.newEvent(true);
        this.bindings = bindings(label, config, engine);
        int limit = options.cudaGraphLimit();
        this.graphs = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ShapeKey, GraphSlot> eldest) {
                if (size() > limit) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };
    }

    /**
     * Deserializes a cached engine and makes an instance of it.
     *
     * @throws StatusException INTERNAL when TensorRT cannot load the engine, INVALID_ARGUMENT when its
     *         tensors do not match config.pbtxt
     */
    static TensorRtInstance open(String label, ModelConfig config, long version, CudaDevice device, Path engineFile,
            TensorRtBackend.Plan plan) {
        device.bind();
        Arena arena = Arena.ofShared();
        IRuntime runtime = null;
        ICudaEngine engine = null;
        IExecutionContext context = null;
        CudaStream stream = null;
        try {
            MemorySegment bytes = EngineCache.map(engineFile, arena);
            runtime = nvinfer.createInferRuntime(TrtLogger.get());
            engine = runtime.deserializeCudaEngine(new AddressPointer(bytes.address()), bytes.byteSize());
            if (engine == null || engine.isNull()) {
                throw new StatusException(Code.INTERNAL, label + ": TensorRT could not load the engine " + engineFile + ": "
                        + TrtLogger.get().last() + " (delete the file to rebuild it)");
            }
            context = engine.createExecutionContext();
            if (context == null || context.isNull()) {
                throw new StatusException(Code.RESOURCE_EXHAUSTED, label + ": TensorRT could not create an execution context: "
                        + TrtLogger.get().last());
            }
            stream = device.newStream();
            return new TensorRtInstance(label, config, version, device, plan.options(), plan.profile(), arena, runtime, engine, context, stream);
        } catch (RuntimeException e) {
            if (stream != null) {
                stream.close();
            }
            if (context != null && !context.isNull()) {
                context.deallocate();
            }
            if (engine != null && !engine.isNull()) {
                engine.deallocate();
            }
            if (runtime != null && !runtime.isNull()) {
                runtime.deallocate();
            }
            arena.close();
            throw e;
        }
    }

    private static List<Binding> bindings(String label, ModelConfig config, ICudaEngine engine) {
        List<Binding> inputs = new ArrayList<>();
        List<Binding> outputs = new ArrayList<>();
        for (int i = 0; i < engine.getNbIOTensors(); i++) {
            String name = engine.getIOTensorName(i);
            boolean input = engine.getTensorIOMode(name).intern() == nvinfer.TensorIOMode.kINPUT;
            TensorConfig declared = input ? config.input(name) : config.output(name);
            if (input && declared == null) {
                throw new StatusException(Code.INVALID_ARGUMENT, label + ": the engine takes input '" + name
                        + "', which config.pbtxt does not declare");
            }
            if (declared != null) {
                int expected = TrtTypes.of(declared.dataType());
                int actual = engine.getTensorDataType(name).intern().value;
                if (expected != actual) {
                    throw new StatusException(Code.INVALID_ARGUMENT, label + ": " + (input ? "input" : "output") + " '" + name + "' is "
                            + declared.dataType() + " in config.pbtxt but " + TrtTypes.name(actual) + " in the engine");
                }
                int rank = declared.modelDims().rank() + (config.batching() ? 1 : 0);
                int engineRank = engine.getTensorShape(name).nbDims();
                if (engineRank != rank) {
                    throw new StatusException(Code.INVALID_ARGUMENT, label + ": " + (input ? "input" : "output") + " '" + name + "' has rank "
                            + rank + " in config.pbtxt (with the batch dimension) but " + engineRank + " in the engine");
                }
            }
            (input ? inputs : outputs).add(new Binding(name, input, declared));
        }
        for (TensorConfig out : config.outputs()) {
            if (outputs.stream().noneMatch(b -> b.name.equals(out.name()))) {
                throw new StatusException(Code.INVALID_ARGUMENT, label + ": config.pbtxt declares output '" + out.name()
                        + "', which the engine does not produce");
            }
        }
        List<Binding> all = new ArrayList<>(inputs);
        all.addAll(outputs);
        return List.copyOf(all);
    }

    @Override
    public List<InferenceResponse> execute(List<InferenceRequest> batch) {
        if (!config.batching() && batch.size() != 1) {
            throw new StatusException(Code.INTERNAL, label + " does not batch but got " + batch.size() + " requests");
        }
        device.bind();
        long rows = 0;
        for (InferenceRequest r : batch) {
            rows += r.batchSize();
        }
        List<Releasable> scratch = new ArrayList<>();
        List<DeviceBuffer> hostOutputs = new ArrayList<>();
        boolean handedOver = false;
        try {
            long[][] shapes = new long[bindings.size()][];
            for (int i = 0; i < bindings.size(); i++) {
                Binding b = bindings.get(i);
                if (b.input) {
                    shapes[i] = inputShape(b.config, batch.get(0), rows);
                    ProfileShapes.Input range = profile.input(b.name);
                    if (range != null && !range.admits(shapes[i])) {
                        throw new StatusException(Code.INVALID_ARGUMENT, label + ": input '" + b.name + "' of shape " + Shape.of(shapes[i])
                                + " is outside the engine's profile (" + range + ")");
                    }
                }
            }
            GraphSlot slot = options.cudaGraphs() ? graphs.get(new ShapeKey(inputShapes(shapes))) : null;
            stream.record(start);
            DeviceBuffer[] onDevice = new DeviceBuffer[bindings.size()];
            for (int i = 0; i < bindings.size(); i++) {
                Binding b = bindings.get(i);
                if (!b.input) {
                    continue;
                }
                long bytes = Shape.of(shapes[i]).elementCount() * b.config.dataType().byteSize();
                DeviceBuffer host = pinned.allocate(bytes, MemoryUse.STAGING);
                scratch.add(host);
                gather(b.name, batch, host.segment());
                DeviceBuffer target = slot != null ? slot.buffers[i] : device.allocate(bytes, MemoryUse.STAGING);
                if (slot == null) {
                    scratch.add(target);
                }
                onDevice[i] = target;
                stream.copyToDevice(target, 0, host.segment(), bytes);
            }
            stream.record(inferStart);
            if (slot != null) {
                CudaStatus.check(cudart.cudaGraphLaunch(slot.exec, stream.raw()), "cudaGraphLaunch of " + label);
                System.arraycopy(slot.buffers, 0, onDevice, 0, onDevice.length);
                for (int i = 0; i < bindings.size(); i++) {
                    if (!bindings.get(i).input) {
                        shapes[i] = slot.outputShapes[i];
                    }
                }
            } else {
                bindAndRun(shapes, onDevice, scratch);
            }
            stream.record(inferEnd);
            Map<String, Computed> computed = new LinkedHashMap<>();
            for (String name : wantedOutputs(batch)) {
                int i = indexOf(name);
                long bytes = Shape.of(shapes[i]).elementCount() * bindings.get(i).config.dataType().byteSize();
                DeviceBuffer host = pinned.allocate(bytes, MemoryUse.OUTPUT);
                hostOutputs.add(host);
                stream.copyToHost(host.segment(), onDevice[i], 0, bytes);
                computed.put(name, new Computed(host, shapes[i]));
            }
            stream.record(end);
            stream.synchronize();
            long synced = System.nanoTime();
            if (options.cudaGraphs() && slot == null) {
                capture(shapes);
            }
            List<InferenceResponse> responses = responses(batch, rows, computed);
            handedOver = true;
            // Input: host packing and copies in (the GPU's start event is queued before the packing);
            // infer: the engine on the GPU's clock; output: copies out and slicing.
            phases.set(inferStart.nanosSince(start), inferEnd.nanosSince(inferStart),
                    end.nanosSince(inferEnd) + (System.nanoTime() - synced));
            return responses;
        } finally {
            if (!handedOver) {
                for (DeviceBuffer b : hostOutputs) {
                    b.release();
                }
            }
            for (Releasable r : scratch) {
                r.release();
            }
        }
    }

    /** Sets every shape and address and queues the engine; output shapes are filled in. */
    private void bindAndRun(long[][] shapes, DeviceBuffer[] onDevice, List<Releasable> scratch) {
        for (int i = 0; i < bindings.size(); i++) {
            Binding b = bindings.get(i);
            if (b.input) {
                setDims(b.dims, shapes[i]);
                if (!context.setInputShape(b.nativeName, b.dims)) {
                    throw new StatusException(Code.INVALID_ARGUMENT, label + ": TensorRT refused shape " + Shape.of(shapes[i]) + " of input '"
                            + b.name + "': " + TrtLogger.get().last());
                }
                bindAddress(b, onDevice[i]);
            }
        }
        for (int i = 0; i < bindings.size(); i++) {
            Binding b = bindings.get(i);
            if (b.input) {
                continue;
            }
            Dims64 dims = context.getTensorShape(b.nativeName);
            long[] shape = new long[dims.nbDims()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = dims.d(d);
                if (shape[d] < 0) {
                    throw new StatusException(Code.UNIMPLEMENTED, label + ": output '" + b.name + "' has a data-dependent shape "
                            + Shape.of(shape) + ", which the TensorRT backend does not serve");
                }
            }
            dims.deallocate();
            shapes[i] = shape;
            if (onDevice[i] == null) {
                int elementBytes = b.config != null ? b.config.dataType().byteSize() : engine.getTensorBytesPerComponent(b.nativeName);
                DeviceBuffer out = device.allocate(Math.max(1, Shape.of(shape).elementCount() * elementBytes), MemoryUse.OUTPUT);
                scratch.add(out);
                onDevice[i] = out;
            }
            bindAddress(b, onDevice[i]);
        }
        if (!context.enqueueV3(stream.raw())) {
            throw new StatusException(Code.INTERNAL, label + ": TensorRT enqueueV3 failed: " + TrtLogger.get().last());
        }
    }

    private void bindAddress(Binding b, DeviceBuffer buffer) {
        if (!context.setTensorAddress(b.nativeName, b.address.at(buffer.segment().address()))) {
            throw new StatusException(Code.INTERNAL, label + ": TensorRT refused the address of '" + b.name + "': " + TrtLogger.get().last());
        }
    }

    /**
     * After a normal run of a new shape: gives the shape device buffers of its own, binds them, and
     * captures the engine's launch as a CUDA graph (capture does not run anything).
     */
    private void capture(long[][] shapes) {
        ShapeKey key = new ShapeKey(inputShapes(shapes));
        if (uncapturable.contains(key)) {
            return;
        }
        DeviceBuffer[] buffers = new DeviceBuffer[bindings.size()];
        CUgraph_st graph = new CUgraph_st();
        CUgraphExec_st exec = new CUgraphExec_st();
        try {
            for (int i = 0; i < bindings.size(); i++) {
                Binding b = bindings.get(i);
                int elementBytes = b.config != null ? b.config.dataType().byteSize() : engine.getTensorBytesPerComponent(b.nativeName);
                buffers[i] = device.allocate(Math.max(1, Shape.of(shapes[i]).elementCount() * elementBytes),
                        b.input ? MemoryUse.STAGING : MemoryUse.OUTPUT);
                bindAddress(b, buffers[i]);
            }
            CudaStatus.check(cudart.cudaStreamBeginCapture(stream.raw(), cudart.cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
            boolean queued = context.enqueueV3(stream.raw());
            int endStatus = cudart.cudaStreamEndCapture(stream.raw(), graph);
            if (!queued) {
                throw new StatusException(Code.INTERNAL, "enqueueV3 during capture failed: " + TrtLogger.get().last());
            }
            CudaStatus.check(endStatus, "cudaStreamEndCapture");
            CudaStatus.check(cudart.cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
            long[][] outputShapes = shapes.clone();
            graphs.put(key, new GraphSlot(buffers, exec, outputShapes));
            LOG.debug("{}: captured a CUDA graph for input shapes {}", label, key);
        } catch (StatusException e) {
            for (DeviceBuffer b : buffers) {
                if (b != null) {
                    b.release();
                }
            }
            LOG.warn("{}: CUDA graph capture failed for input shapes {}; that shape runs without a graph: {}", label, key, e.getMessage());
            cudart.cudaGetLastError();
            uncapturable.add(key);
        } finally {
            if (!graph.isNull()) {
                cudart.cudaGraphDestroy(graph);
            }
        }
    }

    /** Concatenates the requests' rows of one input into {@code host}. */
    private static void gather(String name, List<InferenceRequest> batch, MemorySegment host) {
        long offset = 0;
        for (InferenceRequest r : batch) {
            MemorySegment src = r.input(name).data();
            MemorySegment.copy(src, 0, host, offset, src.byteSize());
            offset += src.byteSize();
        }
    }

    private long[] inputShape(TensorConfig in, InferenceRequest first, long rows) {
        long[] shape;
        if (in.reshape() != null) {
            Shape dims = in.reshape();
            shape = (config.batching() ? dims.withBatch(rows) : dims).toArray();
        } else {
            shape = first.input(in.name()).shape().toArray();
            if (config.batching()) {
                shape[0] = rows;
            }
        }
        return shape;
    }

    private long[][] inputShapes(long[][] shapes) {
        long[][] in = new long[bindings.size()][];
        for (int i = 0; i < bindings.size(); i++) {
            if (bindings.get(i).input) {
                in[i] = shapes[i];
            }
        }
        return in;
    }

    private int indexOf(String name) {
        for (int i = 0; i < bindings.size(); i++) {
            if (!bindings.get(i).input && bindings.get(i).name.equals(name)) {
                return i;
            }
        }
        throw new StatusException(Code.INVALID_ARGUMENT, label + " has no output '" + name + "'");
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

    /** An output in a pinned host buffer, with the engine's shape. */
    private record Computed(DeviceBuffer buffer, long[] shape) {
    }

    /** Gives each request its rows of every output it asked for; the requests of a batch share the buffers. */
    private List<InferenceResponse> responses(List<InferenceRequest> batch, long rows, Map<String, Computed> computed) {
        List<List<Tensor>> outputs = new ArrayList<>(batch.size());
        List<List<Releasable>> memory = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            outputs.add(new ArrayList<>());
            memory.add(new ArrayList<>());
        }
        for (Map.Entry<String, Computed> e : computed.entrySet()) {
            TensorConfig out = config.output(e.getKey());
            long[] full = e.getValue().shape();
            if (out.reshape() != null) {
                full = (config.batching() ? out.dims().withBatch(rows) : out.dims()).toArray();
            }
            DeviceBuffer buffer = e.getValue().buffer();
            if (batch.size() == 1) {
                outputs.get(0).add(new Tensor(out.name(), out.dataType(), Shape.of(full), buffer.segment()));
                memory.get(0).add(buffer);
                continue;
            }
            SharedBuffer shared = new SharedBuffer(buffer, batch.size());
            long bytesPerRow = Shape.of(full).elementCount() / Math.max(rows, 1) * out.dataType().byteSize();
            long offset = 0;
            for (int i = 0; i < batch.size(); i++) {
                long rowsHere = batch.get(i).batchSize();
                long[] shape = full.clone();
                shape[0] = rowsHere;
                outputs.get(i).add(new Tensor(out.name(), out.dataType(), Shape.of(shape), buffer.segment().asSlice(offset, rowsHere * bytesPerRow)));
                memory.get(i).add(shared);
                offset += rowsHere * bytesPerRow;
            }
        }
        List<InferenceResponse> responses = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            InferenceRequest r = batch.get(i);
            List<Tensor> ordered = outputs.get(i);
            if (!r.requestedOutputs().isEmpty()) {
                List<Tensor> picked = new ArrayList<>();
                for (String name : r.requestedOutputs()) {
                    for (Tensor t : ordered) {
                        if (t.name().equals(name)) {
                            picked.add(t);
                        }
                    }
                }
                ordered = picked;
            }
            responses.add(new InferenceResponse(config.name(), version, r.id(), ordered, memory.get(i)));
        }
        return responses;
    }

    private static void setDims(Dims64 dims, long[] shape) {
        dims.nbDims(shape.length);
        for (int i = 0; i < shape.length; i++) {
            dims.d(i, shape[i]);
        }
    }

    @Override
    public ExecutionPhases phases() {
        return phases;
    }

    @Override
    public void close() {
        device.bind();
        for (GraphSlot slot : graphs.values()) {
            slot.close();
        }
        graphs.clear();
        for (CudaEvent e : new CudaEvent[] {start, inferStart, inferEnd, end}) {
            e.close();
        }
        stream.close();
        context.deallocate();
        engine.deallocate();
        runtime.deallocate();
        for (Binding b : bindings) {
            b.nativeName.deallocate();
            b.dims.deallocate();
        }
        engineArena.close();
    }

    /** The input shapes of an execution, as a map key. */
    record ShapeKey(long[][] shapes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ShapeKey other && Arrays.deepEquals(shapes, other.shapes);
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(shapes);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (long[] s : shapes) {
                if (s != null) {
                    sb.append(Shape.of(s));
                }
            }
            return sb.toString();
        }
    }

    /** The device buffers and the instantiated graph of one input shape. */
    private static final class GraphSlot {
        final DeviceBuffer[] buffers;
        final CUgraphExec_st exec;
        final long[][] outputShapes;

        GraphSlot(DeviceBuffer[] buffers, CUgraphExec_st exec, long[][] outputShapes) {
            this.buffers = buffers;
            this.exec = exec;
            this.outputShapes = outputShapes;
        }

        void close() {
            cudart.cudaGraphExecDestroy(exec);
            for (DeviceBuffer b : buffers) {
                b.release();
            }
        }
    }
}
