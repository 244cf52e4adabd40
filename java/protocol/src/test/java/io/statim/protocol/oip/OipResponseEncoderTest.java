package io.statim.protocol.oip;

import static io.statim.protocol.oip.OipFixtures.binaryOf;
import static io.statim.protocol.oip.OipFixtures.int32s;
import static io.statim.protocol.oip.OipFixtures.jsonOf;
import static io.statim.protocol.oip.OipFixtures.output;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.statim.core.device.Releasable;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.runtime.InferenceResponse;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OipResponseEncoderTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
    private final OipResponseEncoder encoder = new OipResponseEncoder();

    @AfterEach
    void noBuffersLeft() {
        assertThat(alloc.metric().usedHeapMemory()).isZero();
    }

    private static Tensor tensor(String name, DataType type, byte[] bytes, long... dims) {
        return new Tensor(name, type, Shape.of(dims), MemorySegment.ofArray(bytes));
    }

    private static InferenceResponse response(String id, Tensor... outputs) {
        return new InferenceResponse("m", 1, id, List.of(outputs), List.<Releasable>of());
    }

    private static DecodedRequest request(boolean binaryDefault, RequestedOutput... outputs) {
        return new DecodedRequest("", List.of(), List.of(outputs), binaryDefault, Map.of(), 1, List.of());
    }

    /** Encodes one JSON output and returns its {@code data}. */
    @SuppressWarnings("unchecked")
    private List<Object> jsonData(Tensor t) {
        EncodedResponse encoded = encoder.encode(response("", t), request(false), alloc);
        try {
            return (List<Object>) output(jsonOf(encoded), 0).get("data");
        } finally {
            encoded.body().release();
        }
    }

    @Test
    void writesJsonOutputsInTheOrderRequested() {
        InferenceResponse response = response("42",
                tensor("OUTPUT0", DataType.INT32, int32s(1, 2), 1, 2),
                tensor("OUTPUT1", DataType.INT32, int32s(3, 4), 1, 2));

        EncodedResponse encoded = encoder.encode(response, request(false,
                new RequestedOutput("OUTPUT1", false), new RequestedOutput("OUTPUT0", false)), alloc);

        Map<String, Object> json = jsonOf(encoded);
        assertThat(encoded.jsonLength()).isEqualTo(-1);
        assertThat(json).containsEntry("model_name", "m").containsEntry("model_version", "1").containsEntry("id", "42");
        assertThat(output(json, 0)).isEqualTo(Map.of(
                "name", "OUTPUT1", "datatype", "INT32", "shape", List.of(1, 2), "data", List.of(3, 4)));
        assertThat(output(json, 1)).containsEntry("name", "OUTPUT0").containsEntry("data", List.of(1, 2));
        encoded.body().release();
    }

    @Test
    void writesEveryOutputInResponseOrderWhenNoneWereRequested() {
        InferenceResponse response = response("",
                tensor("B", DataType.INT32, int32s(1), 1),
                tensor("A", DataType.INT32, int32s(2), 1));

        EncodedResponse encoded = encoder.encode(response, request(false), alloc);

        Map<String, Object> json = jsonOf(encoded);
        assertThat(output(json, 0)).containsEntry("name", "B");
        assertThat(output(json, 1)).containsEntry("name", "A");
        encoded.body().release();
    }

    @Test
    void leavesOutTheIdWhenTheRequestHadNone() {
        EncodedResponse encoded = encoder.encode(response("", tensor("A", DataType.INT32, int32s(1), 1)), request(false), alloc);

        assertThat(jsonOf(encoded)).doesNotContainKey("id");
        encoded.body().release();
    }

    @Test
    void appendsBinaryOutputsAfterTheJsonInOutputOrder() {
        InferenceResponse response = response("",
                tensor("OUTPUT0", DataType.INT32, int32s(1, 2), 2),
                tensor("OUTPUT1", DataType.INT32, int32s(3), 1),
                tensor("OUTPUT2", DataType.INT32, int32s(4), 1));

        EncodedResponse encoded = encoder.encode(response, request(true,
                new RequestedOutput("OUTPUT2", true), new RequestedOutput("OUTPUT1", false),
                new RequestedOutput("OUTPUT0", true)), alloc);

        Map<String, Object> json = jsonOf(encoded);
        assertThat(encoded.hasBinaryPart()).isTrue();
        assertThat(output(json, 0)).containsEntry("parameters", Map.of("binary_data_size", 4)).doesNotContainKey("data");
        assertThat(output(json, 1)).containsEntry("data", List.of(3));
        assertThat(output(json, 2)).containsEntry("parameters", Map.of("binary_data_size", 8));
        assertThat(binaryOf(encoded)).isEqualTo(int32s(4, 1, 2));
        encoded.body().release();
    }

    @Test
    void writesHalfFloatsAsTheFloatsTheyHold() {
        MemorySegment fp16 = MemorySegment.ofArray(new short[] {Float.floatToFloat16(1.5f), Float.floatToFloat16(-0.25f)});
        MemorySegment bf16 = MemorySegment.ofArray(new short[] {(short) 0x3F80, (short) 0xC060});

        assertThat(jsonData(new Tensor("H", DataType.FP16, Shape.of(2), fp16))).containsExactly(1.5, -0.25);
        assertThat(jsonData(new Tensor("B", DataType.BF16, Shape.of(2), bf16))).containsExactly(1.0, -3.5);
    }

    @Test
    void writesFloatsInAFormThatReadsBackExactly() {
        float[] values = {0.1f, 1f / 3, Float.MIN_VALUE, Float.MAX_VALUE, -123.456f};

        List<Object> data = jsonData(new Tensor("F", DataType.FP32, Shape.of(values.length), MemorySegment.ofArray(values)));

        for (int i = 0; i < values.length; i++) {
            assertThat((float) (double) (Double) data.get(i)).isEqualTo(values[i]);
        }
    }

    @Test
    void writesDoublesInAFormThatReadsBackExactly() {
        double[] values = {0.1, Math.PI, Double.MIN_VALUE, -1e300};

        assertThat(jsonData(new Tensor("D", DataType.FP64, Shape.of(values.length), MemorySegment.ofArray(values))))
                .containsExactly(0.1, Math.PI, Double.MIN_VALUE, -1e300);
    }

    @Test
    void writesNonFiniteFloatsAsStrings() {
        float[] values = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

        assertThat(jsonData(new Tensor("F", DataType.FP32, Shape.of(3), MemorySegment.ofArray(values))))
                .containsExactly("NaN", "Infinity", "-Infinity");
    }

    @Test
    void writesUnsignedIntegersAsUnsignedNumbers() {
        assertThat(jsonData(tensor("U8", DataType.UINT8, new byte[] {(byte) 255}, 1))).containsExactly(255);
        assertThat(jsonData(new Tensor("U16", DataType.UINT16, Shape.of(1), MemorySegment.ofArray(new short[] {-1}))))
                .containsExactly(65535);
        assertThat(jsonData(tensor("U32", DataType.UINT32, int32s(-1), 1))).containsExactly(4294967295L);
        assertThat(jsonData(new Tensor("U64", DataType.UINT64, Shape.of(2), MemorySegment.ofArray(new long[] {-1, 7}))))
                .containsExactly(new BigInteger("18446744073709551615"), 7);
    }

    @Test
    void writesSignedIntegersWithTheirSign() {
        assertThat(jsonData(tensor("I8", DataType.INT8, new byte[] {-128, 127}, 2))).containsExactly(-128, 127);
        assertThat(jsonData(new Tensor("I64", DataType.INT64, Shape.of(1), MemorySegment.ofArray(new long[] {Long.MIN_VALUE}))))
                .containsExactly(Long.MIN_VALUE);
    }

    @Test
    void writesBoolAsTrueAndFalse() {
        assertThat(jsonData(tensor("B", DataType.BOOL, new byte[] {1, 0, 1}, 3))).containsExactly(true, false, true);
    }

    @Test
    void writesBytesAsStringsReplacingMalformedUtf8() {
        byte[] text = "héllo 😀".getBytes(StandardCharsets.UTF_8);
        byte[] serialized = bytesElements(text, new byte[] {'a', (byte) 0xFF, 'b'}, new byte[0]);

        assertThat(jsonData(tensor("S", DataType.BYTES, serialized, 3))).containsExactly("héllo 😀", "a\uFFFDb", "");
    }

    @Test
    void writesTheSerializedSizeOfBinaryBytesOutputs() {
        byte[] serialized = bytesElements("ab".getBytes(StandardCharsets.UTF_8));

        EncodedResponse encoded = encoder.encode(response("", tensor("S", DataType.BYTES, serialized, 1)), request(true), alloc);

        assertThat(output(jsonOf(encoded), 0)).containsEntry("parameters", Map.of("binary_data_size", 6));
        assertThat(binaryOf(encoded)).isEqualTo(serialized);
        encoded.body().release();
    }

    @Test
    void failsWithInternalWhenTheResponseLacksARequestedOutput() {
        InferenceResponse response = response("", tensor("OUTPUT0", DataType.INT32, int32s(1), 1));

        assertThatThrownBy(() -> encoder.encode(response, request(false, new RequestedOutput("OUTPUT1", false)), alloc))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INTERNAL))
                .hasMessageContaining("did not produce the requested output 'OUTPUT1'");
    }

    @Test
    void releasesTheBodyWhenABytesOutputIsMalformed() {
        InferenceResponse response = response("", tensor("S", DataType.BYTES, new byte[] {5, 0, 0, 0, 'a'}, 1));

        assertThatThrownBy(() -> encoder.encode(response, request(false), alloc))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INTERNAL))
                .hasMessageContaining("output 'S' is malformed");
    }

    private static byte[] bytesElements(byte[]... elements) {
        byte[] out = new byte[(int) Tensor.serializedSize(Arrays.asList(elements))];
        Tensor.writeBytesElements(Arrays.asList(elements), MemorySegment.ofArray(out));
        return out;
    }
}
