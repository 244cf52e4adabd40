package io.statim.scheduler.batch;

import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.TestRequests;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** Requests and configs for batcher tests: shapes matter, data does not. */
final class Requests {
    private Requests() {
    }

    /** A model with input X FP32 [-1, -1] (so shapes can differ) and the given max_batch_size and batching section. */
    static ModelConfig config(int maxBatchSize, String batching) {
        return ModelConfigParser.parse("max_batch_size: " + maxBatchSize + "\n"
                + "input { name: \"X\" data_type: TYPE_FP32 dims: [ -1 ] }\n"
                + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ -1 ] }\n" + batching, "config.pbtxt", "m");
    }

    /** A request of {@code rows} rows of width {@code width}, arrived at {@code arrival}. */
    static InferenceRequest request(String id, long rows, long width, long arrival, int priority, long timeoutNs,
            TestRequests.Outcome outcome) {
        Tensor x = new Tensor("X", DataType.FP32, Shape.of(rows, width), MemorySegment.NULL);
        return new InferenceRequest(id, "m", 1, List.of(x), List.of(), rows, arrival, outcome, priority, timeoutNs);
    }

    static InferenceRequest request(String id, long rows, long arrival) {
        return request(id, rows, 4, arrival, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, new TestRequests.Outcome());
    }
}
