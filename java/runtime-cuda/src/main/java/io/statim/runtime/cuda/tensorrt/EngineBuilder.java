package io.statim.runtime.cuda.tensorrt;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITimingCache;
import org.bytedeco.tensorrt.nvonnxparser.IParser;
import org.bytedeco.tensorrt.nvonnxparser.IParserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a TensorRT engine from an ONNX file: parse, one optimization profile, precision flags,
 * workspace limit, the shared timing cache, then TensorRT's build (minutes for a large model), with
 * a progress line logged every {@value #PROGRESS_SECONDS} seconds. The engine is written to the
 * {@link EngineCache}; the caller deserializes it from there.
 *
 * <p>Runs on the loading thread, which must have the GPU bound ({@code CudaDevice.bind()}). Never run
 * on a GPU so far: written against the TensorRT 10.12 API as JavaCPP binds it.
 */
final class EngineBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(EngineBuilder.class);
    static final int PROGRESS_SECONDS = 15;

    private EngineBuilder() {
    }

    /**
     * Builds and caches the engine of {@code key}.
     *
     * @param label     {@code model 'x' v1}, for logs and errors
     * @return the cached engine file
     * @throws StatusException INVALID_ARGUMENT when TensorRT cannot parse the model or the profile does
     *         not fit it; INTERNAL when the build fails
     */
    // TensorRT 10 deprecates kFP16/kBF16 (weak typing) in favour of strongly typed networks whose ONNX file carries the
    // precision; they still work in 10.x and let one FP32 ONNX file be served at FP16 or BF16 without a converted copy.
    @SuppressWarnings("deprecation")
    static Path build(String label, String model, long version, Path modelFile, ProfileShapes profile, TensorRtOptions options,
            EngineKey key, EngineCache cache, io.statim.runtime.cuda.GpuInfo gpu, String tensorRtVersion) {
        TrtLogger logger = TrtLogger.get();
        IBuilder builder = null;
        INetworkDefinition network = null;
        IParser parser = null;
        IBuilderConfig config = null;
        IOptimizationProfile optimizationProfile = null;
        ITimingCache timingCache = null;
        IHostMemory plan = null;
        IHostMemory timing = null;
        List<Dims64> dims = new ArrayList<>();
        ScheduledExecutorService progress = null;
        try {
            builder = nvinfer.createInferBuilder(logger);
            if (builder == null || builder.isNull()) {
                throw new StatusException(Code.INTERNAL, label + ": TensorRT could not create a builder: " + logger.last());
            }
            network = builder.createNetworkV2(0);
            parser = nvonnxparser.createParser(network, logger);
            if (!parser.parseFromFile(modelFile.toString(), ILogger.Severity.kWARNING.value)) {
                throw new StatusException(Code.INVALID_ARGUMENT, label + ": TensorRT cannot parse " + modelFile.getFileName() + ": "
                        + parserErrors(parser));
            }
            Set<String> inputs = new HashSet<>();
            for (int i = 0; i < network.getNbInputs(); i++) {
                String name = network.getInput(i).getName();
                inputs.add(name);
                if (profile.input(name) == null) {
                    throw new StatusException(Code.INVALID_ARGUMENT, label + ": the graph has an input '" + name
                            + "' that config.pbtxt does not declare");
                }
            }
            config = builder.createBuilderConfig();
            config.setMemoryPoolLimit(nvinfer.MemoryPoolType.kWORKSPACE, options.workspaceBytes());
            config.setBuilderOptimizationLevel(options.optimizationLevel());
            switch (options.precision()) {
                case FP32 -> config.clearFlag(nvinfer.BuilderFlag.kTF32);
                case TF32 -> config.setFlag(nvinfer.BuilderFlag.kTF32);
                case FP16 -> config.setFlag(nvinfer.BuilderFlag.kFP16);
                case BF16 -> config.setFlag(nvinfer.BuilderFlag.kBF16);
            }
            optimizationProfile = builder.createOptimizationProfile();
            for (ProfileShapes.Input in : profile.inputs()) {
                if (!inputs.contains(in.name())) {
                    throw new StatusException(Code.INVALID_ARGUMENT, label + ": config.pbtxt declares input '" + in.name()
                            + "' that the graph does not have");
                }
                boolean ok = optimizationProfile.setDimensions(in.name(), nvinfer.OptProfileSelector.kMIN, track(dims, in.min()))
                        && optimizationProfile.setDimensions(in.name(), nvinfer.OptProfileSelector.kOPT, track(dims, in.opt()))
                        && optimizationProfile.setDimensions(in.name(), nvinfer.OptProfileSelector.kMAX, track(dims, in.max()));
                if (!ok) {
                    throw new StatusException(Code.INVALID_ARGUMENT, label + ": TensorRT refused the profile of input " + in + ": "
                            + logger.last());
                }
            }
            if (!optimizationProfile.isValid() || config.addOptimizationProfile(optimizationProfile) < 0) {
                throw new StatusException(Code.INVALID_ARGUMENT, label + ": TensorRT refused the optimization profile " + profile.canonical()
                        + ": " + logger.last());
            }
            byte[] cached = cache.loadTimingCache(gpu, tensorRtVersion).orElse(new byte[0]);
            try (BytePointer blob = new BytePointer(cached)) {
                timingCache = config.createTimingCache(cached.length == 0 ? null : blob, cached.length);
            }
            if (timingCache == null || timingCache.isNull() || !config.setTimingCache(timingCache, false)) {
                LOG.warn("{}: the TensorRT timing cache could not be used; building without it", label);
            }
            long start = System.nanoTime();
            LOG.info("{}: building a TensorRT {} engine ({}, {}) on {}; this can take minutes", label, tensorRtVersion,
                    options.precision(), profile.canonical(), gpu.name());
            progress = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "statim-trt-progress");
                t.setDaemon(true);
                return t;
            });
            progress.scheduleAtFixedRate(() -> LOG.info("{}: still building the TensorRT engine, {} s so far; TensorRT: {}", label,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), logger.last()), PROGRESS_SECONDS, PROGRESS_SECONDS,
                    TimeUnit.SECONDS);
            plan = builder.buildSerializedNetwork(network, config);
            progress.shutdownNow();
            if (plan == null || plan.isNull() || plan.size() == 0) {
                throw new StatusException(Code.INTERNAL, label + ": TensorRT could not build the engine: " + logger.last());
            }
            Path engine = cache.store(model, version, key, segment(plan.data(), plan.size()));
            LOG.info("{}: TensorRT engine built in {} s, {} MiB, cached as {}", label,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), plan.size() >> 20, engine);
            ITimingCache used = config.getTimingCache();
            if (used != null && !used.isNull()) {
                timing = used.serialize();
                if (timing != null && !timing.isNull()) {
                    cache.storeTimingCache(gpu, tensorRtVersion, segment(timing.data(), timing.size()));
                }
            }
            return engine;
        } finally {
            if (progress != null) {
                progress.shutdownNow();
            }
            for (Pointer p : new Pointer[] {timing, plan, timingCache, config, parser, network, builder}) {
                if (p != null && !p.isNull()) {
                    p.deallocate();
                }
            }
            for (Dims64 d : dims) {
                d.deallocate();
            }
            // The profile is owned by the builder (freed with it).
        }
    }

    /** A Dims64 of {@code shape}, remembered for freeing. */
    private static Dims64 track(List<Dims64> all, long[] shape) {
        Dims64 d = dims(shape);
        all.add(d);
        return d;
    }

    static Dims64 dims(long[] shape) {
        Dims64 d = new Dims64();
        d.nbDims(shape.length);
        for (int i = 0; i < shape.length; i++) {
            d.d(i, shape[i]);
        }
        return d;
    }

    @SuppressWarnings("restricted") // TensorRT's host memory, read before it is freed
    private static MemorySegment segment(Pointer data, long size) {
        return MemorySegment.ofAddress(data.address()).reinterpret(size);
    }

    private static String parserErrors(IParser parser) {
        StringBuilder sb = new StringBuilder();
        int n = parser.getNbErrors();
        for (int i = 0; i < n && i < 5; i++) {
            IParserError error = parser.getError(i);
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(error.desc());
            String node = error.nodeName();
            if (node != null && !node.isEmpty()) {
                sb.append(" (node ").append(node).append(", ").append(error.nodeOperator()).append(')');
            }
        }
        if (n > 5) {
            sb.append("; and ").append(n - 5).append(" more");
        }
        return n == 0 ? "no error reported" : sb.toString();
    }
}
