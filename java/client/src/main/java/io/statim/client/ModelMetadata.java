package io.statim.client;

import java.util.List;

/**
 * What a server says about a model ({@code GET /v2/models/<m>}, gRPC ModelMetadata).
 *
 * @param name     the model's name
 * @param versions the versions served
 * @param platform e.g. {@code onnxruntime_onnx}
 * @param inputs   the inputs, with -1 for a variable dimension (the batch dimension of a batching model)
 * @param outputs  the outputs, likewise
 */
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
        List<TensorMetadata> outputs) {
    public ModelMetadata {
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * One input or output of a model.
     *
     * @param shape the dimensions, -1 where any size is accepted; not copied, do not change it
     */
    public record TensorMetadata(String name, Datatype datatype, long[] shape) {
    }
}
