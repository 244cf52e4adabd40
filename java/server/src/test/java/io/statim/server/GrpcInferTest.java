package io.statim.server;

import static io.statim.server.GrpcRequests.input;
import static io.statim.server.GrpcRequests.intContents;
import static io.statim.server.GrpcRequests.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.statim.core.tensor.DataType;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.InferTensorContents;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferRequest.InferRequestedOutputTensor;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.model.onnx.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ModelInfer on the real server through the stock generated blocking stub. */
class GrpcInferTest {
    @RegisterExtension
    static final GrpcFixture grpc = new GrpcFixture(() -> ServerFixture.start(DataType.BYTES, DataType.FP16));

    @Test
    void addsAndSubtractsWithRawInputContents() {
        ModelInferResponse response = grpc.blocking().modelInfer(GrpcRequests.simpleRaw("r1").build());
        assertThat(response.getModelName()).isEqualTo("simple");
        assertThat(response.getModelVersion()).isEqualTo("1");
        assertThat(response.getId()).isEqualTo("r1");
        assertThat(response.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("OUTPUT0", "OUTPUT1");
        assertThat(response.getOutputs(0).getDatatype()).isEqualTo("INT32");
        assertThat(response.getOutputs(0).getShapeList()).containsExactly(1L, 16L);
        assertThat(ints(response.getRawOutputContents(0))).startsWith(1, 2, 3).endsWith(16);
        assertThat(ints(response.getRawOutputContents(1))).startsWith(-1, 0, 1).endsWith(14);
    }

    @Test
    void addsAndSubtractsWithTypedContents() {
        int[] in0 = new int[32];
        int[] in1 = new int[32];
        for (int i = 0; i < 32; i++) {
            in0[i] = i;
            in1[i] = 2;
        }
        ModelInferRequest request = ModelInferRequest.newBuilder()
                .setModelName(TestModels.SIMPLE)
                .addInputs(input("INPUT0", "INT32", 2, 16).setContents(intContents(in0)))
                .addInputs(input("INPUT1", "INT32", 2, 16).setContents(intContents(in1)))
                .build();
        ModelInferResponse response = grpc.blocking().modelInfer(request);
        assertThat(response.getOutputs(0).getShapeList()).containsExactly(2L, 16L);
        assertThat(ints(response.getRawOutputContents(0))).hasSize(32).startsWith(2, 3).endsWith(33);
        assertThat(ints(response.getRawOutputContents(1))).hasSize(32).startsWith(-2, -1).endsWith(29);
    }

    @Test
    void answersTheOutputsAskedForInTheOrderAskedFor() {
        ModelInferRequest request = GrpcRequests.simpleRaw("r2")
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("OUTPUT1"))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("OUTPUT0"))
                .build();
        ModelInferResponse response = grpc.blocking().modelInfer(request);
        assertThat(response.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("OUTPUT1", "OUTPUT0");
        assertThat(ints(response.getRawOutputContents(0))[0]).isEqualTo(-1);
        assertThat(ints(response.getRawOutputContents(1))[0]).isEqualTo(1);
    }

    @Test
    void carriesBytesElementsLengthPrefixedInRawContents() {
        byte[] first = "Tear of the medial meniscus.".getBytes(StandardCharsets.UTF_8);
        byte[] second = "Unremarkable.".getBytes(StandardCharsets.UTF_8);
        ByteBuffer raw = ByteBuffer.allocate(8 + first.length + second.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.putInt(first.length).put(first).putInt(second.length).put(second);
        ModelInferRequest request = ModelInferRequest.newBuilder()
                .setModelName(TestModels.identityName(DataType.BYTES))
                .addInputs(input("INPUT0", "BYTES", 1, 2))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build();
        ModelInferResponse response = grpc.blocking().modelInfer(request);
        assertThat(response.getOutputs(0).getDatatype()).isEqualTo("BYTES");
        assertThat(response.getRawOutputContents(0).toByteArray()).isEqualTo(raw.array());
    }

    @Test
    void refusesAWrongShapeWithInvalidArgumentNamingTheInput() {
        ModelInferRequest request = GrpcRequests.simpleRaw("bad").setInputs(0, input("INPUT0", "INT32", 1, 15)).build();
        assertThatThrownBy(() -> grpc.blocking().modelInfer(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("INPUT0").contains("[1,15]");
                });
    }

    @Test
    void refusesTypedContentsForFp16AndPointsToRawContents() {
        ModelInferRequest request = ModelInferRequest.newBuilder()
                .setModelName(TestModels.identityName(DataType.FP16))
                .addInputs(input("INPUT0", "FP16", 1, 1).setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
                .build();
        assertThatThrownBy(() -> grpc.blocking().modelInfer(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("raw_input_contents");
                });
    }

    @Test
    void answersNotFoundForAnUnknownModel() {
        ModelInferRequest request = GrpcRequests.simpleRaw("r3").setModelName("no_such_model").build();
        assertThatThrownBy(() -> grpc.blocking().modelInfer(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("no_such_model");
                });
    }

    @Test
    void refusesANegativePriorityParameter() {
        ModelInferRequest request = GrpcRequests.simpleRaw("r4")
                .putParameters("priority", InferParameter.newBuilder().setInt64Param(-1).build())
                .build();
        assertThatThrownBy(() -> grpc.blocking().modelInfer(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("priority");
                });
    }
}
