package io.statim.server;

import static io.statim.server.GrpcRequests.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.grpc.api.ModelStreamInferResponse;
import io.statim.model.onnx.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** OIP sequences over gRPC: the same sessions as REST, on unary ModelInfer and on ModelStreamInfer. */
class GrpcSessionTest {
    @RegisterExtension
    static final GrpcFixture grpc = new GrpcFixture(() -> ServerFixture.startWithSessions(c -> c));

    @AfterEach
    void noSessionLeft() {
        grpc.fixture.assertSessionsClosed();
    }

    private static ModelInferRequest add(String id, float value, Object sequenceId, boolean start, boolean end) {
        ByteBuffer raw = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            raw.putFloat(value);
        }
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(TestModels.ACCUMULATOR).setId(id)
                .addInputs(input("INPUT", "FP32", 1, 4)).addRawInputContents(ByteString.copyFrom(raw.array()));
        if (sequenceId instanceof Long n) {
            b.putParameters("sequence_id", InferParameter.newBuilder().setUint64Param(n).build());
        } else if (sequenceId instanceof String s) {
            b.putParameters("sequence_id", InferParameter.newBuilder().setStringParam(s).build());
        }
        if (start) {
            b.putParameters("sequence_start", InferParameter.newBuilder().setBoolParam(true).build());
        }
        if (end) {
            b.putParameters("sequence_end", InferParameter.newBuilder().setBoolParam(true).build());
        }
        return b.build();
    }

    private static float first(ModelInferResponse response) {
        int index = 0;
        for (int i = 0; i < response.getOutputsCount(); i++) {
            if (response.getOutputs(i).getName().equals("OUTPUT")) {
                index = i;
            }
        }
        return response.getRawOutputContents(index).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
    }

    @Test
    void unaryCallsCarryASequenceAndTheServerNamesItWhenAsked() {
        ModelInferResponse opened = grpc.blocking().modelInfer(add("1", 2, null, true, false));
        String id = opened.getParametersMap().get("sequence_id").getStringParam();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(first(opened)).isEqualTo(2f);
        assertThat(first(grpc.blocking().modelInfer(add("2", 3, id, false, false)))).isEqualTo(5f);
        ModelInferResponse last = grpc.blocking().modelInfer(add("3", 4, id, false, true));
        assertThat(first(last)).isEqualTo(9f);
        assertThat(last.getParametersMap().get("sequence_end").getBoolParam()).isTrue();
        assertThatThrownBy(() -> grpc.blocking().modelInfer(add("4", 1, id, false, false)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("was closed");
                });
    }

    @Test
    void aStreamCarriesTwoInterleavedSequencesInOrder() throws Exception {
        List<ModelStreamInferResponse> answers = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<ModelInferRequest> requests = grpc.async.modelStreamInfer(new StreamObserver<>() {
            @Override
            public void onNext(ModelStreamInferResponse value) {
                answers.add(value);
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        int steps = 6;
        for (int step = 0; step < steps; step++) {
            requests.onNext(add("a" + step, 1, 77L, step == 0, step == steps - 1));
            requests.onNext(add("b" + step, 10, "stream-b", step == 0, step == steps - 1));
        }
        requests.onCompleted();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(answers).hasSize(2 * steps);
        for (ModelStreamInferResponse answer : answers) {
            assertThat(answer.getErrorMessage()).isEmpty();
            String id = answer.getInferResponse().getId();
            int step = Integer.parseInt(id.substring(1));
            float expected = (id.startsWith("a") ? 1 : 10) * (step + 1);
            assertThat(first(answer.getInferResponse())).as(id).isEqualTo(expected);
        }
    }

    @Test
    void sequenceParametersOnAModelWithoutSessionsAreRefused() {
        ModelInferRequest request = GrpcRequests.simpleRaw("x")
                .putParameters("sequence_id", InferParameter.newBuilder().setUint64Param(5).build()).build();
        assertThatThrownBy(() -> grpc.blocking().modelInfer(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("has no sessions");
                });
    }
}
