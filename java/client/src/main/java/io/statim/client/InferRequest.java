package io.statim.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One inference request: the model (and version), the inputs, the outputs wanted, and request
 * parameters such as {@code priority} or {@code timeout}. Built with {@link #builder(String)}:
 *
 * <pre>{@code
 * InferRequest request = InferRequest.builder("simple")
 *         .inputInts("INPUT0", new long[] {1, 16}, a)
 *         .inputInts("INPUT1", new long[] {1, 16}, b)
 *         .output("OUTPUT0")
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe once built: one request may be sent many times, from many threads. To
 * send it many times without encoding it again each time, see {@link StatimClient#prepare}.
 */
public final class InferRequest {
    private final String model;
    private final String version;
    private final String id;
    private final List<InferTensor> inputs;
    private final List<String> outputs;
    private final Map<String, Object> parameters;

    private InferRequest(Builder b) {
        if (b.inputs.isEmpty()) {
            throw new IllegalArgumentException("an inference request for model '" + b.model + "' needs at least one input");
        }
        model = b.model;
        version = b.version;
        id = b.id;
        inputs = List.copyOf(b.inputs);
        outputs = List.copyOf(b.outputs);
        parameters = Map.copyOf(b.parameters);
    }

    /** A builder for a request to {@code model}. */
    public static Builder builder(String model) {
        return new Builder(model);
    }

    public String model() {
        return model;
    }

    /** The model version; empty for the server's choice (the latest). */
    public String version() {
        return version;
    }

    /** The request id echoed by the server; empty for none. */
    public String id() {
        return id;
    }

    public List<InferTensor> inputs() {
        return inputs;
    }

    /** Names of the outputs asked for, in order; empty for all of the model's outputs. */
    public List<String> outputs() {
        return outputs;
    }

    /** Request parameters: values are String, Boolean, Long/Integer or Double. */
    public Map<String, Object> parameters() {
        return parameters;
    }

    @Override
    public String toString() {
        return "InferRequest[" + model + (version.isEmpty() ? "" : " v" + version) + ", inputs=" + inputs + "]";
    }

    /** Builds an {@link InferRequest}. Not thread-safe. */
    public static final class Builder {
        private final String model;
        private String version = "";
        private String id = "";
        private final List<InferTensor> inputs = new ArrayList<>();
        private final List<String> outputs = new ArrayList<>();
        private final Map<String, Object> parameters = new LinkedHashMap<>();

        private Builder(String model) {
            if (model == null || model.isEmpty()) {
                throw new IllegalArgumentException("a request needs a model name");
            }
            this.model = model;
        }

        /** A specific model version (a positive integer as a string); the latest by default. */
        public Builder version(String version) {
            this.version = version == null ? "" : version;
            return this;
        }

        /** An id the server echoes in the response. */
        public Builder id(String id) {
            this.id = id == null ? "" : id;
            return this;
        }

        /** Adds an input tensor. */
        public Builder input(InferTensor tensor) {
            inputs.add(tensor);
            return this;
        }

        /** Adds an INT32 input. */
        public Builder inputInts(String name, long[] shape, int... values) {
            return input(InferTensor.ofInts(name, shape, values));
        }

        /** Adds an INT64 input. */
        public Builder inputLongs(String name, long[] shape, long... values) {
            return input(InferTensor.ofLongs(name, shape, values));
        }

        /** Adds an FP32 input. */
        public Builder inputFloats(String name, long[] shape, float... values) {
            return input(InferTensor.ofFloats(name, shape, values));
        }

        /** Adds an FP64 input. */
        public Builder inputDoubles(String name, long[] shape, double... values) {
            return input(InferTensor.ofDoubles(name, shape, values));
        }

        /** Adds a BOOL input. */
        public Builder inputBooleans(String name, long[] shape, boolean... values) {
            return input(InferTensor.ofBooleans(name, shape, values));
        }

        /** Adds a BYTES input of UTF-8 strings. */
        public Builder inputStrings(String name, long[] shape, List<String> values) {
            return input(InferTensor.ofStrings(name, shape, values));
        }

        /** Adds a BYTES input of byte strings. */
        public Builder inputByteStrings(String name, long[] shape, List<byte[]> values) {
            return input(InferTensor.ofByteStrings(name, shape, values));
        }

        /** Asks for an output by name; without any, the server returns all outputs. */
        public Builder output(String name) {
            outputs.add(name);
            return this;
        }

        /**
         * Sets a request parameter ({@code priority}, {@code timeout} in microseconds, ...).
         *
         * @param value a String, Boolean, Integer, Long or Double
         */
        public Builder parameter(String name, Object value) {
            if (!(value instanceof String || value instanceof Boolean || value instanceof Integer || value instanceof Long
                    || value instanceof Double)) {
                throw new IllegalArgumentException("parameter '" + name + "' must be a String, Boolean, Integer, Long or Double");
            }
            parameters.put(name, value);
            return this;
        }

        public InferRequest build() {
            return new InferRequest(this);
        }
    }
}
