package io.statim.protocol.grpc;

import static io.statim.protocol.oip.OipFixtures.SIMPLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Tensor;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.InferTensorContents;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferRequest.InferInputTensor;
import io.statim.protocol.oip.DecodedRequest;
import io.statim.protocol.oip.TensorLayout;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.RequestValidator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import org.junit.jupiter.api.Test;

class GrpcRequestDecoderTest {
    private final GrpcRequestDecoder decoder = new GrpcRequestDecoder(new RequestValidator(1 << 20));

    private static InferInputTensor.Builder input(String name) {
        return InferInputTensor.newBuilder().setName(name).setDatatype("INT32").addShape(1).addShape(16);
    }

    private static ByteString int32s(int value) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
            b.putInt(value);
        }
        return ByteString.copyFrom(b.array());
    }

    private static InferTensorContents ints(int count, int value) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (int i = 0; i < count; i++) {
            c.addIntContents(value);
        }
        return c.build();
    }

    private static ModelInferRequest.Builder raw() {
        return ModelInferRequest.newBuilder().setModelName("simple").setId("r")
                .addInputs(input("INPUT0")).addInputs(input("INPUT1"))
                .addRawInputContents(int32s(3)).addRawInputContents(int32s(4));
    }

    private void assertInvalid(ModelInferRequest request, String... fragments) {
        assertThatThrownBy(() -> decoder.decode(request, SIMPLE)).isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(fragments);
        });
    }

    @Test
    void viewsRawInputsWithoutStagingThem() {
        DecodedRequest decoded = decoder.decode(raw().build(), SIMPLE);
        Tensor in1 = decoded.inputs().get(1);
        assertThat(in1.data().get(TensorLayout.I32, 60)).isEqualTo(4);
        assertThat(in1.data().isNative()).isFalse();
        assertThat(decoded.memory()).isEmpty();
        assertThat(decoded.batchSize()).isEqualTo(1);
        assertThat(decoded.id()).isEqualTo("r");
        decoded.release();
    }

    @Test
    void writesTypedInputsIntoHeapMemoryThatNeedsNoRelease() {
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("simple")
                .addInputs(input("INPUT0").setContents(ints(16, 7))).addInputs(input("INPUT1").setContents(ints(16, -2)))
                .build();
        DecodedRequest decoded = decoder.decode(request, SIMPLE);
        assertThat(decoded.inputs().get(0).data().get(TensorLayout.I32, 0)).isEqualTo(7);
        assertThat(decoded.inputs().get(1).data().get(TensorLayout.I32, 60)).isEqualTo(-2);
        assertThat(decoded.memory()).isEmpty();
        decoded.release();
    }

    @Test
    void readsPriorityAndTimeoutParametersAsTheRestPathDoes() {
        ModelInferRequest request = raw()
                .putParameters("priority", InferParameter.newBuilder().setUint64Param(2).build())
                .putParameters("timeout", InferParameter.newBuilder().setInt64Param(500).build())
                .build();
        DecodedRequest decoded = decoder.decode(request, SIMPLE);
        assertThat(decoded.parameters()).containsEntry("priority", 2L).containsEntry("timeout", 500L);
        decoded.release();
    }

    @Test
    void refusesRawContentsThatDoNotMatchTheInputs() {
        assertInvalid(raw().addRawInputContents(int32s(0)).build(), "3 raw_input_contents for 2 inputs");
    }

    @Test
    void refusesContentsAlongsideRawContents() {
        assertInvalid(raw().setInputs(0, input("INPUT0").setContents(ints(16, 1))).build(), "INPUT0", "raw_input_contents");
    }

    @Test
    void refusesTypedContentsOfTheWrongLength() {
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("simple")
                .addInputs(input("INPUT0").setContents(ints(16, 1))).addInputs(input("INPUT1").setContents(ints(15, 1)))
                .build();
        assertInvalid(request, "INPUT1", "15 values", "int_contents");
    }

    @Test
    void refusesAnUnknownDatatype() {
        assertInvalid(raw().setInputs(0, input("INPUT0").setDatatype("INT33")).build(), "INPUT0", "INT33");
    }

    @Test
    void refusesAnUnknownOutput() {
        ModelInferRequest request = raw().addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT9"))
                .build();
        assertInvalid(request, "OUTPUT9");
    }

    @Test
    void refusesTypedContentsOfTheWrongDatatypeForTheModel() {
        InferTensorContents floats = InferTensorContents.newBuilder().addAllFp32Contents(Collections.nCopies(16, 1f)).build();
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("simple")
                .addInputs(input("INPUT0").setContents(ints(16, 1))).addInputs(input("INPUT1").setDatatype("FP32").setContents(floats))
                .build();
        assertInvalid(request, "INPUT1", "FP32", "INT32");
    }

    @Test
    void readsVersionsAsPositiveIntegersOrLatestWhenEmpty() {
        assertThat(GrpcRequestDecoder.version("")).isEqualTo(InferenceRequest.LATEST);
        assertThat(GrpcRequestDecoder.version("3")).isEqualTo(3);
        assertThatThrownBy(() -> GrpcRequestDecoder.version("0")).isInstanceOf(StatusException.class);
        assertThatThrownBy(() -> GrpcRequestDecoder.version("v1")).isInstanceOf(StatusException.class);
    }
}
