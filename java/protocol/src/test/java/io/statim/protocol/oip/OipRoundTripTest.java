package io.statim.protocol.oip;

import static io.statim.protocol.oip.OipFixtures.SIMPLE;
import static io.statim.protocol.oip.OipFixtures.binaryOf;
import static io.statim.protocol.oip.OipFixtures.echo;
import static io.statim.protocol.oip.OipFixtures.identity;
import static io.statim.protocol.oip.OipFixtures.int32s;
import static io.statim.protocol.oip.OipFixtures.jsonOf;
import static io.statim.protocol.oip.OipFixtures.output;
import static io.statim.protocol.oip.OipFixtures.simpleRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.tensor.DataType;
import io.statim.model.config.ModelConfig;
import io.statim.protocol.oip.OipFixtures.Body;
import io.statim.runtime.RequestValidator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request decoded, echoed back as the response, and encoded: what comes out is what went in. */
class OipRoundTripTest {
    private static final Map<String, String> SIMPLE_OUTPUTS = Map.of("INPUT0", "OUTPUT0", "INPUT1", "OUTPUT1", "IN", "OUT");

    private final HostDevice device = LeakCheck.trackingHostDevice();
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private final OipRequestDecoder decoder = new OipRequestDecoder(new RequestValidator(1 << 20));
    private final OipResponseEncoder encoder = new OipResponseEncoder();

    @AfterEach
    void noLeaks() {
        LeakCheck.assertNoLeaks(device);
        device.close();
        assertThat(alloc.metric().usedHeapMemory()).isZero();
    }

    /** Decodes, echoes, encodes; releases everything and returns the response's JSON and binary part. */
    private Echoed roundTrip(Body body, ModelConfig config) {
        DecodedRequest request = decoder.decode(body.segment(), body.jsonLength(), config, device);
        try {
            EncodedResponse encoded = encoder.encode(echo(request, SIMPLE_OUTPUTS), request, alloc);
            try {
                return new Echoed(jsonOf(encoded), encoded.hasBinaryPart() ? binaryOf(encoded) : new byte[0]);
            } finally {
                encoded.body().release();
            }
        } finally {
            request.release();
        }
    }

    private record Echoed(Map<String, Object> json, byte[] binary) {
    }

    private Object echoedData(DataType type, String shape, String data, int rank) {
        String json = "{\"inputs\":[{\"name\":\"IN\",\"shape\":" + shape + ",\"datatype\":\"" + type.wireName() + "\",\"data\":"
                + data + "}]}";
        return output(roundTrip(Body.json(json), identity(type, rank)).json(), 0).get("data");
    }

    @Test
    void echoesTheSimpleModelsInt32InputsAsJson() {
        Echoed echoed = roundTrip(Body.json(simpleRequest("")), SIMPLE);

        assertThat(echoed.json()).containsEntry("id", "42");
        assertThat(output(echoed.json(), 0)).containsEntry("name", "OUTPUT0").containsEntry("shape", List.of(1, 16))
                .containsEntry("data", List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
        assertThat(output(echoed.json(), 1)).containsEntry("data", List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
    }

    @Test
    void echoesNestedArraysFlat() {
        assertThat(echoedData(DataType.FP32, "[2,2]", "[[1.5,2],[3,-4.25]]", 2)).isEqualTo(List.of(1.5, 2.0, 3.0, -4.25));
    }

    @Test
    void echoesBytesAsTheSameStrings() {
        assertThat(echoedData(DataType.BYTES, "[3]", "[\"patient note\",\"\",\"ünïcødé 😀\"]", 1))
                .isEqualTo(List.of("patient note", "", "ünïcødé 😀"));
    }

    @Test
    void echoesBool() {
        assertThat(echoedData(DataType.BOOL, "[2]", "[false,true]", 1)).isEqualTo(List.of(false, true));
    }

    @Test
    void echoesFp16ValuesItCanHold() {
        assertThat(echoedData(DataType.FP16, "[3]", "[0.5,-1024,65504]", 1)).isEqualTo(List.of(0.5, -1024.0, 65504.0));
    }

    @Test
    void echoesNonFiniteFloats() {
        assertThat(echoedData(DataType.FP64, "[2]", "[NaN,\"-Infinity\"]", 1)).isEqualTo(List.of("NaN", "-Infinity"));
    }

    @Test
    void echoesBinaryInputsAsBinaryOutputs() {
        byte[] input0 = int32s(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        byte[] input1 = int32s(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9);
        Body body = Body.binary("""
                {"parameters":{"binary_data_output":true},"inputs":[
                  {"name":"INPUT0","shape":[1,16],"datatype":"INT32","parameters":{"binary_data_size":64}},
                  {"name":"INPUT1","shape":[1,16],"datatype":"INT32","parameters":{"binary_data_size":64}}]}""",
                input0, input1);

        Echoed echoed = roundTrip(body, SIMPLE);

        assertThat(output(echoed.json(), 0)).containsEntry("parameters", Map.of("binary_data_size", 64));
        assertThat(echoed.binary()).startsWith(input0).endsWith(input1).hasSize(128);
    }

    @Test
    void echoesJsonAndBinaryInputsAsAskedPerOutput() {
        byte[] input1 = int32s(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9);
        Body body = Body.binary("""
                {"inputs":[
                  {"name":"INPUT0","shape":[1,16],"datatype":"INT32","data":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]},
                  {"name":"INPUT1","shape":[1,16],"datatype":"INT32","parameters":{"binary_data_size":64}}],
                 "outputs":[{"name":"OUTPUT1"},{"name":"OUTPUT0","parameters":{"binary_data":true}}]}""", input1);

        Echoed echoed = roundTrip(body, SIMPLE);

        assertThat(output(echoed.json(), 0)).containsEntry("name", "OUTPUT1").containsEntry("data", List.of(9, 9, 9, 9, 9, 9, 9, 9,
                9, 9, 9, 9, 9, 9, 9, 9));
        assertThat(output(echoed.json(), 1)).containsEntry("name", "OUTPUT0").doesNotContainKey("data");
        assertThat(echoed.binary()).isEqualTo(int32s(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    }
}
