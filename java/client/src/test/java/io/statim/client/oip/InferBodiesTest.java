package io.statim.client.oip;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.Protocol;
import io.statim.client.http.HttpCall;
import io.statim.client.http.HttpReply;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class InferBodiesTest {

    private static final InferRequest REQUEST = InferRequest.builder("m").id("7").inputInts("A", new long[] {1, 2}, 3, 4)
            .inputStrings("T", new long[] {1}, List.of("hi")).build();

    @Test
    void encodesJsonWithDataInline() {
        HttpCall call = InferBodies.encode(REQUEST, Encoding.JSON);

        assertThat(call.path()).isEqualTo("/v2/models/m/infer");
        assertThat(call.jsonLength()).isEqualTo(-1);
        assertThat(new String(call.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"7\",\"inputs\":["
                + "{\"name\":\"A\",\"shape\":[1,2],\"datatype\":\"INT32\",\"data\":[3,4]},"
                + "{\"name\":\"T\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}");
    }

    @Test
    void encodesBinaryWithTheHeaderLengthAndRawTail() {
        HttpCall call = InferBodies.encode(REQUEST, Encoding.BINARY);

        String json = new String(call.body(), 0, call.jsonLength(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"binary_data_output\":true").contains("{\"binary_data_size\":8}").contains("{\"binary_data_size\":6}");
        assertThat(Arrays.copyOfRange(call.body(), call.jsonLength(), call.body().length))
                .containsExactly(3, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 'h', 'i');
    }

    @Test
    void decodesJsonOutputsWhoseDataComesBeforeTheirShape() {
        byte[] body = ("{\"model_name\":\"m\",\"model_version\":\"1\",\"outputs\":["
                + "{\"data\":[[1.5,2.5]],\"name\":\"Y\",\"shape\":[1,2],\"datatype\":\"FP32\"}]}").getBytes(StandardCharsets.UTF_8);

        InferResult result = InferBodies.decode(new HttpReply(200, -1, body), Protocol.H2C);

        assertThat(result.output("Y").asFloats()).containsExactly(1.5f, 2.5f);
        assertThat(result.modelVersion()).isEqualTo("1");
    }

    @Test
    void decodesBinaryOutputsInOrderFromTheTail() {
        String json = "{\"model_name\":\"m\",\"outputs\":["
                + "{\"name\":\"A\",\"datatype\":\"INT64\",\"shape\":[1],\"parameters\":{\"binary_data_size\":8}},"
                + "{\"name\":\"B\",\"datatype\":\"INT32\",\"shape\":[1],\"data\":[9]},"
                + "{\"name\":\"C\",\"datatype\":\"INT32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":4}}]}";
        ByteBuffer b = ByteBuffer.allocate(json.length() + 12).order(ByteOrder.LITTLE_ENDIAN);
        b.put(json.getBytes(StandardCharsets.UTF_8)).putLong(42).putInt(-1);

        InferResult result = InferBodies.decode(new HttpReply(200, json.length(), b.array()), Protocol.HTTP1);

        assertThat(result.output("A").asLongs()).containsExactly(42L);
        assertThat(result.output("B").asInts()).containsExactly(9);
        assertThat(result.output("C").asInts()).containsExactly(-1);
    }
}
