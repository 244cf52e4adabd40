package io.statim.runtime;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import java.util.List;

/**
 * Checks decoded inputs against a model's configuration, the same way for every protocol: names,
 * datatypes, shapes, batch size, byte sizes and element limits. Messages name the tensor and the
 * numbers, never the values.
 *
 * <p>Stateless and thread-safe; allocation-free unless it throws.
 */
public final class RequestValidator {
    private final long maxElementsPerTensor;

    /** @param maxElementsPerTensor the most elements any one input may have */
    public RequestValidator(long maxElementsPerTensor) {
        if (maxElementsPerTensor < 1) {
            throw new IllegalArgumentException("maxElementsPerTensor=" + maxElementsPerTensor + " must be >= 1");
        }
        this.maxElementsPerTensor = maxElementsPerTensor;
    }

    public long maxElementsPerTensor() {
        return maxElementsPerTensor;
    }

    /**
     * Validates the inputs and returns the request's batch size (1 when the model does not batch).
     *
     * @throws StatusException INVALID_ARGUMENT (or PAYLOAD_TOO_LARGE for the element limit)
     */
    public long validate(ModelConfig config, List<Tensor> inputs) {
        long batch = -1;
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            for (int j = 0; j < i; j++) {
                if (inputs.get(j).name().equals(t.name())) {
                    throw invalid("input '" + t.name() + "' appears more than once");
                }
            }
            TensorConfig expected = config.input(t.name());
            if (expected == null) {
                throw invalid("unexpected input '" + t.name() + "' for model '" + config.name() + "'; it expects "
                        + names(config.inputs()));
            }
            if (expected.dataType() != t.dataType()) {
                throw invalid("input '" + t.name() + "' has datatype " + t.dataType().wireName() + " but model '"
                        + config.name() + "' expects " + expected.dataType().wireName());
            }
            long rows = checkShape(config, expected, t);
            if (batch != -1 && rows != batch) {
                throw invalid("input '" + t.name() + "' has batch size " + rows + " but other inputs have " + batch);
            }
            batch = rows;
            checkBytes(t);
        }
        for (TensorConfig expected : config.inputs()) {
            if (!expected.optional() && !contains(inputs, expected.name())) {
                throw invalid("missing input '" + expected.name() + "' for model '" + config.name() + "'");
            }
        }
        return batch == -1 ? 1 : batch;
    }

    /**
     * Validates the names of the outputs a request asks for: each once, each an output of the model.
     *
     * @throws StatusException INVALID_ARGUMENT naming the output
     */
    public void validateOutputs(ModelConfig config, List<String> requested) {
        for (int i = 0; i < requested.size(); i++) {
            String name = requested.get(i);
            for (int j = 0; j < i; j++) {
                if (requested.get(j).equals(name)) {
                    throw invalid("output '" + name + "' is requested more than once");
                }
            }
            if (config.output(name) == null) {
                throw invalid("model '" + config.name() + "' has no output '" + name + "'");
            }
        }
    }

    private long checkShape(ModelConfig config, TensorConfig expected, Tensor t) {
        Shape shape = t.shape();
        if (!matches(shape, expected.dims(), config.batching())) {
            Shape pattern = config.batching() ? expected.dims().withBatch(Shape.ANY) : expected.dims();
            throw invalid("input '" + t.name() + "' has shape " + shape + " but model '" + config.name() + "' expects "
                    + pattern + (config.batching() ? " (the first dimension is the batch)" : ""));
        }
        long elements = shape.elementCount();
        if (elements < 0 || elements > maxElementsPerTensor) {
            throw new StatusException(Code.PAYLOAD_TOO_LARGE, "input '" + t.name() + "' has shape " + shape
                    + ", over the limit of " + maxElementsPerTensor + " elements per tensor");
        }
        if (!config.batching()) {
            return 1;
        }
        long rows = shape.dim(0);
        if (rows < 1 || rows > config.maxBatchSize()) {
            throw invalid("input '" + t.name() + "' has batch size " + rows + " but model '" + config.name()
                    + "' accepts 1 to " + config.maxBatchSize());
        }
        return rows;
    }

    /** True when {@code shape} fits {@code dims} (after a batch dimension when batching), wildcards matching any size. */
    private static boolean matches(Shape shape, Shape dims, boolean batching) {
        int offset = batching ? 1 : 0;
        if (shape.rank() != dims.rank() + offset) {
            return false;
        }
        for (int d = 0; d < dims.rank(); d++) {
            if (dims.dim(d) != Shape.ANY && dims.dim(d) != shape.dim(d + offset)) {
                return false;
            }
        }
        return true;
    }

    private static void checkBytes(Tensor t) {
        long elements = t.shape().elementCount();
        if (t.dataType().isVariableLength()) {
            String problem = Tensor.checkBytesElements(t.data(), elements);
            if (problem != null) {
                throw invalid("input '" + t.name() + "': " + problem);
            }
            return;
        }
        long expectedBytes = elements * t.dataType().byteSize();
        if (t.byteSize() != expectedBytes) {
            throw invalid("input '" + t.name() + "' with shape " + t.shape() + " of " + t.dataType().wireName() + " needs "
                    + expectedBytes + " bytes but has " + t.byteSize());
        }
    }

    private static boolean contains(List<Tensor> inputs, String name) {
        for (Tensor t : inputs) {
            if (t.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static String names(List<TensorConfig> tensors) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < tensors.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(tensors.get(i).name());
        }
        return sb.append(']').toString();
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
