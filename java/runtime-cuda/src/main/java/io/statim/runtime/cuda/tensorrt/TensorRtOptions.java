package io.statim.runtime.cuda.tensorrt;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.config.ModelConfig;
import java.util.Locale;

/**
 * How TensorRT builds and runs one model, from the model's config parameters; validated once at load,
 * each error naming the parameter and the value.
 *
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>parameter</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code tensorrt_precision}</td><td>{@code fp32}</td><td>{@code fp32}, {@code tf32}, {@code fp16} or {@code bf16}:
 *       the lowest precision TensorRT may pick for layers (it keeps FP32 where that is faster or needed); I/O types stay
 *       as in the ONNX file</td></tr>
 *   <tr><td>{@code tensorrt_workspace_bytes}</td><td>1 GiB</td><td>scratch memory TensorRT may use per layer</td></tr>
 *   <tr><td>{@code tensorrt_optimization_level}</td><td>3</td><td>builder optimization level, 0 (fast build) to 5</td></tr>
 *   <tr><td>{@code tensorrt_cuda_graphs}</td><td>{@code false}</td><td>capture each input shape's execution as a CUDA
 *       graph and replay it (for fixed shapes; each captured shape keeps its own device buffers)</td></tr>
 *   <tr><td>{@code tensorrt_cuda_graph_limit}</td><td>8</td><td>captured shapes kept, least recently used dropped</td></tr>
 *   <tr><td>{@code tensorrt_opt_batch_size}</td><td>largest preferred batch size, else max_batch_size</td><td>the batch
 *       size TensorRT tunes for</td></tr>
 *   <tr><td>{@code tensorrt_dims.<input>}</td><td>none</td><td>{@code min:opt:max} for each variable ({@code -1})
 *       non-batch dim of the input, in order, comma-separated ({@link ProfileShapes})</td></tr>
 * </table>
 *
 * @param precision              the lowest layer precision allowed
 * @param workspaceBytes         scratch memory limit
 * @param optimizationLevel      0 to 5
 * @param cudaGraphs             replay captured CUDA graphs for shapes seen before
 * @param cudaGraphLimit         captured shapes kept
 */
public record TensorRtOptions(Precision precision, long workspaceBytes, int optimizationLevel, boolean cudaGraphs, int cudaGraphLimit) {
    /** The lowest precision TensorRT may choose for a layer. */
    public enum Precision {
        /** FP32 only (TF32 off). */
        FP32,
        /** FP32 with TF32 tensor-core math. */
        TF32,
        /** FP16 where faster, else FP32. */
        FP16,
        /** BF16 where faster, else FP32 (Ampere and later). */
        BF16
    }

    public static final String PRECISION = "tensorrt_precision";
    public static final String WORKSPACE_BYTES = "tensorrt_workspace_bytes";
    public static final String OPTIMIZATION_LEVEL = "tensorrt_optimization_level";
    public static final String CUDA_GRAPHS = "tensorrt_cuda_graphs";
    public static final String CUDA_GRAPH_LIMIT = "tensorrt_cuda_graph_limit";
    static final long DEFAULT_WORKSPACE_BYTES = 1L << 30;

    public TensorRtOptions {
        if (workspaceBytes <= 0) {
            throw new IllegalArgumentException("workspaceBytes=" + workspaceBytes + " must be > 0");
        }
        if (optimizationLevel < 0 || optimizationLevel > 5) {
            throw new IllegalArgumentException("optimizationLevel=" + optimizationLevel + " must be 0..5");
        }
        if (cudaGraphLimit < 1) {
            throw new IllegalArgumentException("cudaGraphLimit=" + cudaGraphLimit + " must be >= 1");
        }
    }

    /**
     * The options of a model.
     *
     * @throws StatusException INVALID_ARGUMENT naming the parameter when a value is wrong
     */
    public static TensorRtOptions of(ModelConfig config) {
        String precisionText = config.parameter(PRECISION, "fp32").strip();
        Precision precision;
        try {
            precision = Precision.valueOf(precisionText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid(config, PRECISION, precisionText, "fp32, tf32, fp16 or bf16");
        }
        long workspace = longParameter(config, WORKSPACE_BYTES, DEFAULT_WORKSPACE_BYTES, 1, Long.MAX_VALUE, "a positive number of bytes");
        int level = (int) longParameter(config, OPTIMIZATION_LEVEL, 3, 0, 5, "an integer from 0 to 5");
        boolean graphs = switch (config.parameter(CUDA_GRAPHS, "false").strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw invalid(config, CUDA_GRAPHS, config.parameter(CUDA_GRAPHS, ""), "true or false");
        };
        int limit = (int) longParameter(config, CUDA_GRAPH_LIMIT, 8, 1, 1024, "an integer from 1 to 1024");
        return new TensorRtOptions(precision, workspace, level, graphs, limit);
    }

    /** What changes the engine, for its cache key (CUDA graphs do not). */
    String engineDescription() {
        return "precision=" + precision.name().toLowerCase(Locale.ROOT) + ";workspace=" + workspaceBytes + ";level=" + optimizationLevel;
    }

    private static long longParameter(ModelConfig config, String key, long defaultValue, long min, long max, String expected) {
        String value = config.parameter(key, null);
        if (value == null) {
            return defaultValue;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(config, key, value, expected);
    }

    static StatusException invalid(ModelConfig config, String key, String value, String expected) {
        return new StatusException(Code.INVALID_ARGUMENT,
                "model '" + config.name() + "': parameter '" + key + "' is '" + value + "'; expected " + expected);
    }
}
