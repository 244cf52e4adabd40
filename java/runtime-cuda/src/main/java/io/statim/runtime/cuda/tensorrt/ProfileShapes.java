package io.statim.runtime.cuda.tensorrt;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Shape;
import io.statim.model.config.DynamicBatching;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The TensorRT optimization profile of a model: for each input the smallest, the tuned-for and the
 * largest shape an engine must take. The batch dimension runs from 1 to {@code max_batch_size} and is
 * tuned for {@code tensorrt_opt_batch_size} (default: the largest preferred batch size, else
 * {@code max_batch_size}); a fixed dim is fixed; a variable ({@code -1}) dim takes its range from the
 * parameter {@code tensorrt_dims.<input>}: {@code min:opt:max} per variable dim, in order,
 * comma-separated (for {@code dims: [-1, 768]}, {@code "16:128:512"}). One profile per engine.
 *
 * <p>Immutable; any thread. Computed at load; its {@link #canonical()} text is part of the engine's
 * cache key.
 */
public record ProfileShapes(List<Input> inputs) {
    /** The prefix of the per-input dims parameter. */
    public static final String DIMS_PREFIX = "tensorrt_dims.";
    /** The parameter of the tuned-for batch size. */
    public static final String OPT_BATCH_SIZE = "tensorrt_opt_batch_size";

    /**
     * One input's range, full shapes including the batch dimension when the model batches.
     *
     * @param name the input
     * @param min  the smallest shape
     * @param opt  the shape TensorRT tunes for
     * @param max  the largest shape
     */
    public record Input(String name, long[] min, long[] opt, long[] max) {
        /** True when every request has the same shape (no range at all). */
        public boolean fixed() {
            return Arrays.equals(min, max);
        }

        /** True when {@code shape} lies within the range. */
        public boolean admits(long[] shape) {
            if (shape.length != min.length) {
                return false;
            }
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < min[i] || shape[i] > max[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Input other && name.equals(other.name) && Arrays.equals(min, other.min) && Arrays.equals(opt, other.opt)
                    && Arrays.equals(max, other.max);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(max);
        }

        @Override
        public String toString() {
            return name + " min " + Shape.of(min) + " opt " + Shape.of(opt) + " max " + Shape.of(max);
        }
    }

    public ProfileShapes {
        inputs = List.copyOf(inputs);
    }

    /**
     * The profile of a model's inputs (the execution config's, so session state and controls count).
     *
     * @throws StatusException INVALID_ARGUMENT naming the parameter when a variable dim has no range or
     *         a range is malformed
     */
    public static ProfileShapes of(ModelConfig config) {
        int optBatch = 0;
        if (config.batching()) {
            optBatch = config.maxBatchSize();
            DynamicBatching batching = config.dynamicBatching();
            if (batching != null && !batching.preferredBatchSizes().isEmpty()) {
                optBatch = Math.min(config.maxBatchSize(), batching.preferredBatchSizes().getLast());
            }
            String text = config.parameter(OPT_BATCH_SIZE, null);
            if (text != null) {
                try {
                    optBatch = Integer.parseInt(text.strip());
                } catch (NumberFormatException e) {
                    optBatch = -1;
                }
                if (optBatch < 1 || optBatch > config.maxBatchSize()) {
                    throw TensorRtOptions.invalid(config, OPT_BATCH_SIZE, text, "an integer from 1 to max_batch_size " + config.maxBatchSize());
                }
            }
        }
        List<Input> inputs = new ArrayList<>();
        for (TensorConfig in : config.inputs()) {
            inputs.add(input(config, in, optBatch));
        }
        return new ProfileShapes(inputs);
    }

    private static Input input(ModelConfig config, TensorConfig in, int optBatch) {
        long[] dims = in.modelDims().toArray();
        int variable = 0;
        for (long d : dims) {
            if (d < 0) {
                variable++;
            }
        }
        long[][] ranges = ranges(config, in.name(), variable);
        int offset = config.batching() ? 1 : 0;
        long[] min = new long[dims.length + offset];
        long[] opt = new long[dims.length + offset];
        long[] max = new long[dims.length + offset];
        if (config.batching()) {
            min[0] = 1;
            opt[0] = optBatch;
            max[0] = config.maxBatchSize();
        }
        int next = 0;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0) {
                min[i + offset] = dims[i];
                opt[i + offset] = dims[i];
                max[i + offset] = dims[i];
            } else {
                long[] range = ranges[next++];
                min[i + offset] = range[0];
                opt[i + offset] = range[1];
                max[i + offset] = range[2];
            }
        }
        return new Input(in.name(), min, opt, max);
    }

    private static long[][] ranges(ModelConfig config, String input, int variable) {
        String key = DIMS_PREFIX + input;
        String text = config.parameter(key, null);
        if (variable == 0) {
            if (text != null) {
                throw TensorRtOptions.invalid(config, key, text, "nothing: input '" + input + "' has no variable dims");
            }
            return new long[0][];
        }
        String expected = variable + " range(s) min:opt:max, comma-separated, one per variable dim of '" + input
                + "', with 1 <= min <= opt <= max";
        if (text == null) {
            throw new StatusException(Code.INVALID_ARGUMENT, "model '" + config.name() + "': input '" + input + "' has " + variable
                    + " variable dim(s); TensorRT needs their range in parameter '" + key + "' (" + expected + ")");
        }
        String[] parts = text.split(",");
        if (parts.length != variable) {
            throw TensorRtOptions.invalid(config, key, text, expected);
        }
        long[][] ranges = new long[variable][];
        for (int i = 0; i < variable; i++) {
            String[] fields = parts[i].strip().split(":");
            try {
                if (fields.length != 3) {
                    throw new NumberFormatException();
                }
                long min = Long.parseLong(fields[0].strip());
                long opt = Long.parseLong(fields[1].strip());
                long max = Long.parseLong(fields[2].strip());
                if (min < 1 || opt < min || max < opt) {
                    throw new NumberFormatException();
                }
                ranges[i] = new long[] {min, opt, max};
            } catch (NumberFormatException e) {
                throw TensorRtOptions.invalid(config, key, text, expected);
            }
        }
        return ranges;
    }

    /** The input of that name, or {@code null}. */
    public Input input(String name) {
        for (Input in : inputs) {
            if (in.name().equals(name)) {
                return in;
            }
        }
        return null;
    }

    /** True when every input has one shape only. */
    public boolean fixed() {
        return inputs.stream().allMatch(Input::fixed);
    }

    /** A stable text of the whole profile, for the engine cache key: {@code name:min/opt/max;...} in config order. */
    public String canonical() {
        StringBuilder sb = new StringBuilder();
        for (Input in : inputs) {
            sb.append(in.name()).append(':').append(dims(in.min())).append('/').append(dims(in.opt())).append('/').append(dims(in.max()))
                    .append(';');
        }
        return sb.toString();
    }

    private static String dims(long[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append('x');
            }
            sb.append(shape[i]);
        }
        return sb.toString();
    }
}
