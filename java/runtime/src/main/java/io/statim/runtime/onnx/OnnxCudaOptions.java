package io.statim.runtime.onnx;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.config.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The options of ONNX Runtime's CUDA execution provider for one model, from its config parameters
 * (names and values as ONNX Runtime's {@code OrtCUDAProviderOptions} takes them). Validated at load:
 * a wrong value is INVALID_ARGUMENT naming the parameter. Stateless; any thread.
 *
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>parameter</th><th>default</th><th>CUDA provider option</th></tr>
 *   <tr><td>{@code onnxruntime_cuda_mem_limit_bytes}</td><td>no limit</td><td>{@code gpu_mem_limit}</td></tr>
 *   <tr><td>{@code onnxruntime_cudnn_conv_algo_search}</td><td>{@code HEURISTIC}</td><td>{@code cudnn_conv_algo_search}
 *       ({@code EXHAUSTIVE}, {@code HEURISTIC}, {@code DEFAULT})</td></tr>
 *   <tr><td>{@code onnxruntime_cuda_graph}</td><td>{@code false}</td><td>{@code enable_cuda_graph} (fixed shapes only)</td></tr>
 *   <tr><td>{@code onnxruntime_cuda_tf32}</td><td>{@code true}</td><td>{@code use_tf32}</td></tr>
 * </table>
 */
public final class OnnxCudaOptions {
    private OnnxCudaOptions() {
    }

    /**
     * The provider options for a model on GPU {@code ordinal}, in a stable order.
     *
     * @throws StatusException INVALID_ARGUMENT naming the parameter when a value is wrong
     */
    public static Map<String, String> of(ModelConfig config, int ordinal) {
        if (ordinal < 0) {
            throw new IllegalArgumentException("ordinal=" + ordinal + " must be >= 0");
        }
        Map<String, String> options = new LinkedHashMap<>();
        options.put("device_id", Integer.toString(ordinal));
        // Grow the arena by what is asked, not by powers of two: several models share one GPU.
        options.put("arena_extend_strategy", "kSameAsRequested");
        String limit = config.parameter("onnxruntime_cuda_mem_limit_bytes", null);
        if (limit != null) {
            long bytes = positiveLong(config, "onnxruntime_cuda_mem_limit_bytes", limit);
            options.put("gpu_mem_limit", Long.toString(bytes));
        }
        String search = config.parameter("onnxruntime_cudnn_conv_algo_search", "HEURISTIC").strip().toUpperCase(Locale.ROOT);
        if (!search.equals("EXHAUSTIVE") && !search.equals("HEURISTIC") && !search.equals("DEFAULT")) {
            throw invalid(config, "onnxruntime_cudnn_conv_algo_search", search, "EXHAUSTIVE, HEURISTIC or DEFAULT");
        }
        options.put("cudnn_conv_algo_search", search);
        options.put("enable_cuda_graph", bool(config, "onnxruntime_cuda_graph", false) ? "1" : "0");
        options.put("use_tf32", bool(config, "onnxruntime_cuda_tf32", true) ? "1" : "0");
        return options;
    }

    private static long positiveLong(ModelConfig config, String key, String value) {
        try {
            long n = Long.parseLong(value.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(config, key, value, "a positive number of bytes");
    }

    private static boolean bool(ModelConfig config, String key, boolean defaultValue) {
        String value = config.parameter(key, null);
        if (value == null) {
            return defaultValue;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw invalid(config, key, value, "true or false");
        };
    }

    private static StatusException invalid(ModelConfig config, String key, String value, String expected) {
        return new StatusException(Code.INVALID_ARGUMENT,
                "model '" + config.name() + "': parameter '" + key + "' is '" + value + "'; expected " + expected);
    }
}
