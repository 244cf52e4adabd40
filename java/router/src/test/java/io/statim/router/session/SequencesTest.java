package io.statim.router.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferRequest.InferInputTensor;
import io.statim.router.session.Sequences.Sequence;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SequencesTest {
    private static ByteBuf json(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    private static final String INPUTS = "\"inputs\":[{\"name\":\"INPUT\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]";

    @Test
    void readsANumericSequenceIdAndStart() {
        assertThat(Sequences.fromJson(json("{\"parameters\":{\"sequence_id\":42,\"sequence_start\":true}," + INPUTS + "}")))
                .isEqualTo(new Sequence("42", true));
    }

    @Test
    void readsAStringSequenceIdAfterTheInputs() {
        assertThat(Sequences.fromJson(json("{" + INPUTS + ",\"id\":\"r\",\"parameters\":{\"priority\":1,\"sequence_id\":\"visit-7\"}}")))
                .isEqualTo(new Sequence("visit-7", false));
    }

    @Test
    void readsUint64IdsAboveTheLongRangeAsTheServerDoes() {
        assertThat(Sequences.fromJson(json("{\"parameters\":{\"sequence_id\":18446744073709551615}}")).id())
                .isEqualTo("18446744073709551615");
    }

    @Test
    void zeroAndEmptyMeanNoSequence() {
        assertThat(Sequences.fromJson(json("{\"parameters\":{\"sequence_id\":0}," + INPUTS + "}"))).isNull();
        assertThat(Sequences.fromJson(json("{\"parameters\":{\"sequence_id\":\"\"}}"))).isNull();
    }

    @Test
    void ignoresSequenceIdOutsideTheRequestParameters() {
        assertThat(Sequences.fromJson(json("{\"inputs\":[{\"name\":\"X\",\"parameters\":{\"sequence_id\":5},\"data\":[\"sequence_id\"]}]}")))
                .isNull();
    }

    @Test
    void bodiesWithoutTheWordAreNotParsed() {
        assertThat(Sequences.fromJson(json("{not json at all"))).isNull();
        assertThat(Sequences.fromJson(json("{\"parameters\":{\"sequence_id\":7"))).as("truncated").isNull();
    }

    private static ByteBuf grpcFrame(ModelInferRequest request) {
        byte[] message = request.toByteArray();
        ByteBuffer frame = ByteBuffer.allocate(5 + message.length);
        frame.put((byte) 0).putInt(message.length).put(message).flip();
        return Unpooled.wrappedBuffer(frame);
    }

    private static ModelInferRequest.Builder accumulator() {
        return ModelInferRequest.newBuilder().setModelName("accumulator").setId("r1")
                .addInputs(InferInputTensor.newBuilder().setName("INPUT").setDatatype("FP32").addShape(4))
                .addRawInputContents(ByteString.copyFrom(new byte[4096]));
    }

    @Test
    void readsTheSequenceOfAGrpcInferRequest() {
        ModelInferRequest r = accumulator()
                .putParameters("sequence_id", InferParameter.newBuilder().setInt64Param(42).build())
                .putParameters("sequence_start", InferParameter.newBuilder().setBoolParam(true).build()).build();
        assertThat(Sequences.fromGrpc(grpcFrame(r), true)).isEqualTo(new Sequence("42", true));
        ModelInferRequest s = accumulator()
                .putParameters("sequence_id", InferParameter.newBuilder().setStringParam("visit-7").build()).build();
        assertThat(Sequences.fromGrpc(grpcFrame(s), true)).isEqualTo(new Sequence("visit-7", false));
        ModelInferRequest u = accumulator()
                .putParameters("sequence_id", InferParameter.newBuilder().setUint64Param(-1L).build()).build();
        assertThat(Sequences.fromGrpc(grpcFrame(u), true).id()).isEqualTo("18446744073709551615");
    }

    @Test
    void aGrpcRequestWithoutParametersHasNoSequence() {
        assertThat(Sequences.fromGrpc(grpcFrame(accumulator().build()), true)).isNull();
        assertThat(Sequences.fromGrpc(grpcFrame(accumulator().putParameters("priority",
                InferParameter.newBuilder().setInt64Param(1).build()).build()), true)).isNull();
    }

    @Test
    void asksForMoreBytesUntilItSeesPastTheParameters() {
        ModelInferRequest r = accumulator()
                .putParameters("sequence_id", InferParameter.newBuilder().setInt64Param(42).build()).build();
        ByteBuf whole = grpcFrame(r);
        // Fields 1-4 come first on the wire: the head through the parameters is the message without inputs.
        int head = 5 + r.toBuilder().clearInputs().clearRawInputContents().build().getSerializedSize();
        for (int n = 0; n <= head; n++) {
            assertThat(Sequences.fromGrpc(whole.slice(0, n), false)).as("head of %d bytes", n).isSameAs(Sequences.NEED_MORE);
        }
        assertThat(Sequences.fromGrpc(whole.slice(0, head + 1), false)).as("the first input has begun")
                .isEqualTo(new Sequence("42", false));
        assertThat(Sequences.fromGrpc(whole.slice(0, 3), true)).as("the stream ended").isNull();
    }

    @Test
    void doesNotReadCompressedMessages() {
        ByteBuf frame = grpcFrame(accumulator().putParameters("sequence_id", InferParameter.newBuilder().setInt64Param(42).build()).build());
        frame.setByte(0, 1);
        assertThat(Sequences.fromGrpc(frame, true)).isNull();
    }
}
