package io.statim.runtime.cuda.diag;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.ResponseListener;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Runs a batch of two requests (1 and 3 rows) through an instance of {@link SelfTestModel} and checks
 * every output element: what the self-test and the GPU tests mean by "the engine runs". Inputs are
 * heap-free native memory of a confined arena; responses are released before returning.
 */
public final class SimpleModelCheck {
    private SimpleModelCheck() {
    }

    /**
     * Executes and checks.
     *
     * @throws StatusException INTERNAL naming the first wrong element
     */
    public static void run(ModelInstance instance) {
        int w = SelfTestModel.WIDTH;
        try (Arena arena = Arena.ofConfined()) {
            InferenceRequest a = request(arena, 1, 0, w);
            InferenceRequest b = request(arena, 3, 100, w);
            List<InferenceResponse> responses = instance.execute(List.of(a, b));
            try {
                check(responses.get(0), 1, 0, w);
                check(responses.get(1), 3, 100, w);
            } finally {
                responses.forEach(InferenceResponse::release);
            }
        }
    }

    private static InferenceRequest request(Arena arena, int rows, int base, int w) {
        MemorySegment in0 = arena.allocate((long) rows * w * 4, 64);
        MemorySegment in1 = arena.allocate((long) rows * w * 4, 64);
        for (int i = 0; i < rows * w; i++) {
            in0.setAtIndex(ValueLayout.JAVA_INT, i, base + i);
            in1.setAtIndex(ValueLayout.JAVA_INT, i, 2 * i + 1);
        }
        List<Tensor> inputs = List.of(new Tensor("INPUT0", DataType.INT32, Shape.of(rows, w), in0),
                new Tensor("INPUT1", DataType.INT32, Shape.of(rows, w), in1));
        return new InferenceRequest("self-test", SelfTestModel.NAME, 1, inputs, List.of(), rows, System.nanoTime(), IGNORE);
    }

    private static void check(InferenceResponse response, int rows, int base, int w) {
        MemorySegment sum = response.output("OUTPUT0").data();
        MemorySegment difference = response.output("OUTPUT1").data();
        if (sum.byteSize() != (long) rows * w * 4 || difference.byteSize() != (long) rows * w * 4) {
            throw new StatusException(Code.INTERNAL, "outputs of " + sum.byteSize() + " and " + difference.byteSize() + " bytes for "
                    + rows + " rows of " + w);
        }
        for (int i = 0; i < rows * w; i++) {
            int x = base + i;
            int y = 2 * i + 1;
            if (sum.getAtIndex(ValueLayout.JAVA_INT, i) != x + y || difference.getAtIndex(ValueLayout.JAVA_INT, i) != x - y) {
                throw new StatusException(Code.INTERNAL, "element " + i + " of a " + rows + "-row request: expected " + (x + y) + " and "
                        + (x - y) + ", got " + sum.getAtIndex(ValueLayout.JAVA_INT, i) + " and " + difference.getAtIndex(ValueLayout.JAVA_INT, i));
            }
        }
    }

    private static final ResponseListener IGNORE = new ResponseListener() {
        @Override
        public void onResponse(InferenceResponse response) {
            response.release();
        }

        @Override
        public void onError(Status status) {
        }
    };
}
