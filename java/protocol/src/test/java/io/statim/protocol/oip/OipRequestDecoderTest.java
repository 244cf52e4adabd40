package io.statim.protocol.oip;

import static io.statim.protocol.oip.OipFixtures.SIMPLE;
import static io.statim.protocol.oip.OipFixtures.identity;
import static io.statim.protocol.oip.OipFixtures.int32s;
import static io.statim.protocol.oip.OipFixtures.simpleRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.protocol.oip.OipFixtures.Body;
import io.statim.runtime.RequestValidator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class OipRequestDecoderTest {
    private static final long MAX_ELEMENTS = 1 << 20;

    private final HostDevice device = LeakCheck.trackingHostDevice();
    private final OipRequestDecoder decoder = new OipRequestDecoder(new RequestValidator(MAX_ELEMENTS));

    @AfterEach
    void noLeaks() {
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    private DecodedRequest decode(Body body, ModelConfig config) {
        return decoder.decode(body.segment(), body.jsonLength(), config, device);
    }

    /** Decodes a one-input request for {@link OipFixtures#identity} and returns its input's bytes. */
    private byte[] decodeIdentity(DataType type, String shape, String data) {
        String json = "{\"inputs\":[{\"name\":\"IN\",\"shape\":" + shape + ",\"datatype\":\"" + type.wireName() + "\",\"data\":"
                + data + "}]}";
        DecodedRequest request = decode(Body.json(json), identity(type, Shape.of(parseShape(shape)).rank()));
        try {
            return request.inputs().getFirst().data().toArray(TensorLayout.I8);
        } finally {
            request.release();
        }
    }

    private static long[] parseShape(String shape) {
        String inner = shape.substring(1, shape.length() - 1).strip();
        return inner.isEmpty() ? new long[0] : Stream.of(inner.split(",")).mapToLong(s -> Long.parseLong(s.strip())).toArray();
    }

    @Test
    void decodesJsonInputsIntoStagingMemory() {
        DecodedRequest request = decode(Body.json(simpleRequest("")), SIMPLE);
        try {
            assertThat(request.id()).isEqualTo("42");
            assertThat(request.batchSize()).isEqualTo(1);
            Tensor input0 = request.inputs().get(0);
            assertThat(input0.name()).isEqualTo("INPUT0");
            assertThat(input0.dataType()).isEqualTo(DataType.INT32);
            assertThat(input0.shape()).isEqualTo(Shape.of(1, 16));
            assertThat(int32s(input0)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            assertThat(request.memory()).hasSize(2);
            assertThat(device.usedBytes(MemoryUse.STAGING)).isPositive();
        } finally {
            request.release();
        }
    }

    @Test
    void flattensNestedArraysInRowMajorOrder() {
        byte[] bytes = decodeIdentity(DataType.INT32, "[2,3]", "[[1,2,3],[4,5,6]]");

        assertThat(MemorySegment.ofArray(bytes).toArray(TensorLayout.I32)).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void storesBytesAsLengthPrefixedUtf8() {
        byte[] bytes = decodeIdentity(DataType.BYTES, "[3]", "[\"a\",\"\",\"é\\u00e9😀\"]");

        assertThat(Tensor.bytesElements(MemorySegment.ofArray(bytes), 3))
                .containsExactly("a".getBytes(StandardCharsets.UTF_8), new byte[0], "éé😀".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void growsBytesStagingForLongStrings() {
        String longText = "x".repeat(100_000);

        byte[] bytes = decodeIdentity(DataType.BYTES, "[2]", "[\"" + longText + "\",\"" + longText + "\"]");

        assertThat(Tensor.bytesElements(MemorySegment.ofArray(bytes), 2)).allSatisfy(e -> assertThat(e).hasSize(100_000));
    }

    @Test
    void storesBoolAsOneBytePerElement() {
        assertThat(decodeIdentity(DataType.BOOL, "[3]", "[true,false,true]")).containsExactly(1, 0, 1);
    }

    @Test
    void convertsFp16FromJsonNumbers() {
        byte[] bytes = decodeIdentity(DataType.FP16, "[3]", "[1.5,-2,65504]");

        assertThat(MemorySegment.ofArray(bytes).toArray(TensorLayout.I16)).containsExactly(
                Float.floatToFloat16(1.5f), Float.floatToFloat16(-2f), Float.floatToFloat16(65504f));
    }

    @Test
    void convertsBf16FromJsonNumbersRoundingToNearestEven() {
        // 1 + 2^-8 lies halfway between two BF16 values and rounds to the even one, 1.0.
        byte[] bytes = decodeIdentity(DataType.BF16, "[2]", "[1.00390625,-3.5]");

        assertThat(MemorySegment.ofArray(bytes).toArray(TensorLayout.I16)).containsExactly((short) 0x3F80, (short) 0xC060);
    }

    @Test
    void acceptsNonFiniteFloatsAsStrings() {
        byte[] bytes = decodeIdentity(DataType.FP32, "[3]", "[\"NaN\",\"Infinity\",\"-Infinity\"]");

        assertThat(MemorySegment.ofArray(bytes).toArray(TensorLayout.F32))
                .containsExactly(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
    }

    @ParameterizedTest(name = "{0} [{1}, {2}]")
    @CsvSource({
        "UINT8, 0, 255",
        "INT8, -128, 127",
        "UINT16, 0, 65535",
        "INT16, -32768, 32767",
        "UINT32, 0, 4294967295",
        "INT32, -2147483648, 2147483647",
        "UINT64, 0, 18446744073709551615",
        "INT64, -9223372036854775808, 9223372036854775807",
    })
    void acceptsTheWholeRangeOfEachIntegerType(DataType type, String min, String max) {
        byte[] bytes = decodeIdentity(type, "[2]", "[" + min + "," + max + "]");

        MemorySegment seg = MemorySegment.ofArray(bytes);
        int size = type.byteSize();
        assertThat(seg.asSlice(0, size).toArray(TensorLayout.I8)).isEqualTo(littleEndian(Long.parseLong(min), size));
        assertThat(seg.asSlice(size, size).toArray(TensorLayout.I8)).isEqualTo(littleEndian(Long.parseUnsignedLong(max), size));
    }

    private static byte[] littleEndian(long value, int size) {
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    @Test
    void slicesBinaryInputsOutOfTheBodyWithoutCopying() {
        int[] zeroTo15 = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        int[] ones = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        Body body = Body.binary("""
                {"inputs":[
                  {"name":"INPUT0","shape":[1,16],"datatype":"INT32","parameters":{"binary_data_size":64}},
                  {"name":"INPUT1","shape":[1,16],"datatype":"INT32","parameters":{"binary_data_size":64}}]}""",
                int32s(zeroTo15), int32s(ones));

        DecodedRequest request = decode(body, SIMPLE);

        assertThat(request.memory()).isEmpty();
        assertThat(int32s(request.inputs().get(0))).containsExactly(zeroTo15);
        assertThat(int32s(request.inputs().get(1))).containsExactly(ones);
        Object backing = body.segment().heapBase().orElseThrow();
        assertThat(request.inputs().get(1).data().heapBase()).containsSame(backing);
        request.release();
    }

    @Test
    void decodesJsonAndBinaryInputsInOneRequest() {
        Body body = Body.binary("""
                {"inputs":[
                  {"name":"INPUT0","shape":[1,16],"datatype":"INT32","data":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]},
                  {"name":"INPUT1","shape":[1,16],"datatype":"INT32","parameters":{"binary_data_size":64}}]}""",
                int32s(7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7));

        DecodedRequest request = decode(body, SIMPLE);

        assertThat(int32s(request.inputs().get(0))).startsWith(0, 1, 2).endsWith(15);
        assertThat(int32s(request.inputs().get(1))).containsOnly(7);
        assertThat(request.memory()).hasSize(1);
        request.release();
    }

    @Test
    void decodesABodyInNativeMemory() {
        byte[] json = simpleRequest("").getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment body = arena.allocate(json.length);
            body.copyFrom(MemorySegment.ofArray(json));

            DecodedRequest request = decoder.decode(body, -1, SIMPLE, device);

            assertThat(int32s(request.inputs().get(0))).endsWith(15);
            request.release();
        }
    }

    @Test
    void readsDataThatComesBeforeShapeAndDatatype() {
        String json = """
                {"inputs":[{"data":[[1,2],[3,4]],"name":"IN","shape":[2,2],"datatype":"INT32"}]}""";

        DecodedRequest request = decode(Body.json(json), identity(DataType.INT32, 2));

        assertThat(int32s(request.inputs().getFirst())).containsExactly(1, 2, 3, 4);
        request.release();
    }

    @Test
    void readsDataThatComesBeforeTheDatatypeFarIntoALongBody() {
        String padding = "\"padding\":\"" + "p".repeat(20_000) + "\",";
        String json = "{" + padding + "\"inputs\":[{\"name\":\"IN\",\"data\":[7,8,9],\"shape\":[3],\"datatype\":\"INT32\"}]}";

        DecodedRequest request = decode(Body.json(json), identity(DataType.INT32, 1));

        assertThat(int32s(request.inputs().getFirst())).containsExactly(7, 8, 9);
        request.release();
    }

    @Test
    void ignoresFieldsItDoesNotKnow() {
        String json = """
                {"future":{"x":[1,{"y":2}]},"inputs":[{"name":"IN","shape":[1],"datatype":"INT32","data":[5],
                 "extra":[[]],"parameters":{"hint":{"a":1}}}],"outputs":[{"name":"OUT","more":true}]}""";

        DecodedRequest request = decode(Body.json(json), identity(DataType.INT32, 1));

        assertThat(int32s(request.inputs().getFirst())).containsExactly(5);
        assertThat(request.requestedOutputs()).containsExactly(new RequestedOutput("OUT", false));
        request.release();
    }

    @Test
    void keepsRequestParametersAsScalars() {
        String json = """
                {"parameters":{"priority":2,"timeout":1.5,"sequence_id":"abc","sequence_start":true},
                 "inputs":[{"name":"IN","shape":[1],"datatype":"INT32","data":[5]}]}""";

        DecodedRequest request = decode(Body.json(json), identity(DataType.INT32, 1));

        assertThat(request.parameters()).containsExactlyInAnyOrderEntriesOf(
                Map.of("priority", 2L, "timeout", 1.5, "sequence_id", "abc", "sequence_start", true));
        request.release();
    }

    @Test
    void keepsAUint64SequenceIdAboveTheLongRangeInALongsBits() {
        String json = """
                {"parameters":{"sequence_id":18446744073709551615},
                 "inputs":[{"name":"IN","shape":[1],"datatype":"INT32","data":[5]}]}""";

        DecodedRequest request = decode(Body.json(json), identity(DataType.INT32, 1));

        assertThat(request.parameters()).containsEntry("sequence_id", -1L);
        request.release();
    }

    @Test
    void refusesANegativeSequenceId() {
        String json = """
                {"parameters":{"sequence_id":-5},
                 "inputs":[{"name":"IN","shape":[1],"datatype":"INT32","data":[5]}]}""";

        assertThatThrownBy(() -> decode(Body.json(json), identity(DataType.INT32, 1)))
                .hasMessageContaining("request parameter 'sequence_id' must not be negative");
    }

    @Test
    void makesEveryOutputBinaryWhenTheRequestAsksForBinaryOutput() {
        String json = simpleRequest("[{\"name\":\"OUTPUT1\"},{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":false}}]")
                .replace("{\"id\":\"42\",", "{\"id\":\"42\",\"parameters\":{\"binary_data_output\":true},");

        DecodedRequest request = decode(Body.json(json), SIMPLE);

        assertThat(request.binaryOutputDefault()).isTrue();
        assertThat(request.requestedOutputs()).containsExactly(new RequestedOutput("OUTPUT1", true), new RequestedOutput("OUTPUT0", false));
        assertThat(request.outputNames()).containsExactly("OUTPUT1", "OUTPUT0");
        request.release();
    }

    @Test
    void makesOneOutputBinaryWhenItAsksForBinaryData() {
        String json = simpleRequest("[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}},{\"name\":\"OUTPUT1\"}]");

        DecodedRequest request = decode(Body.json(json), SIMPLE);

        assertThat(request.isBinaryOutput("OUTPUT0")).isTrue();
        assertThat(request.isBinaryOutput("OUTPUT1")).isFalse();
        request.release();
    }

    @Test
    void returnsTheBatchSizeOfTheInputs() {
        String json = """
                {"inputs":[
                  {"name":"INPUT0","shape":[2,16],"datatype":"INT32","parameters":{"binary_data_size":128}},
                  {"name":"INPUT1","shape":[2,16],"datatype":"INT32","parameters":{"binary_data_size":128}}]}""";

        DecodedRequest request = decode(Body.binary(json, new byte[128], new byte[128]), SIMPLE);

        assertThat(request.batchSize()).isEqualTo(2);
        request.release();
    }

    /** One bad request per case: the body, the model, and what the error must say. */
    static Stream<Arguments> badRequests() {
        String in = "{\"name\":\"IN\",\"shape\":[2],\"datatype\":\"INT32\"";
        ModelConfig int32 = identity(DataType.INT32, 1);
        return Stream.of(
                bad("malformed JSON", Body.json("{\"inputs\":[\n{\"name\" \"IN\"}]}"), int32, "malformed JSON in the request at line 2, column"),
                bad("truncated JSON", Body.json("{\"inputs\":["), int32, "malformed JSON"),
                bad("not an object", Body.json("[1,2]"), int32, "must be a JSON object"),
                bad("empty body", Body.json(""), int32, "must be a JSON object"),
                bad("content after the object", Body.json("{\"inputs\":[]} {}"), int32, "content after its JSON object"),
                bad("no inputs", Body.json("{\"id\":\"1\"}"), int32, "no 'inputs' array"),
                bad("inputs not an array", Body.json("{\"inputs\":{}}"), int32, "'inputs' must be a JSON array"),
                bad("input without name", Body.json("{\"inputs\":[{\"shape\":[2],\"datatype\":\"INT32\",\"data\":[1,2]}]}"), int32,
                        "input #0 has no 'name'"),
                bad("input without shape", Body.json("{\"inputs\":[{\"name\":\"IN\",\"datatype\":\"INT32\",\"data\":[1,2]}]}"), int32,
                        "input 'IN' has no 'shape'"),
                bad("input without datatype", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[2],\"data\":[1,2]}]}"), int32,
                        "input 'IN' has no 'datatype'"),
                bad("unknown datatype", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[2],\"datatype\":\"FLOAT\",\"data\":[1,2]}]}"),
                        int32, "'FLOAT', which is not a datatype; expected one of [BOOL,UINT8,"),
                bad("negative dimension", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[-1],\"datatype\":\"INT32\"}]}"), int32,
                        "shape of input 'IN' must be an array of non-negative integers"),
                bad("too few elements", Body.json("{\"inputs\":[" + in + ",\"data\":[1]}]}"), int32,
                        "input 'IN' has 1 data elements but its shape [2] has 2"),
                bad("too many elements", Body.json("{\"inputs\":[" + in + ",\"data\":[[1,2],[3]]}]}"), int32,
                        "input 'IN' has 3 data elements but its shape [2] has 2"),
                bad("string for INT32", Body.json("{\"inputs\":[" + in + ",\"data\":[1,\"2\"]}]}"), int32,
                        "data element 1 of input 'IN' must be an integer for datatype INT32"),
                bad("fraction for INT32", Body.json("{\"inputs\":[" + in + ",\"data\":[1.5,2]}]}"), int32,
                        "data element 0 of input 'IN' must be an integer"),
                bad("object in data", Body.json("{\"inputs\":[" + in + ",\"data\":[{},2]}]}"), int32,
                        "data element 0 of input 'IN' must be an integer"),
                bad("number for BYTES", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[1]}]}"),
                        identity(DataType.BYTES, 1), "must be a string for datatype BYTES"),
                bad("number for BOOL", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[1]}]}"),
                        identity(DataType.BOOL, 1), "must be true or false for datatype BOOL"),
                bad("data not an array", Body.json("{\"inputs\":[" + in + ",\"data\":5}]}"), int32, "'data' of input 'IN' must be a JSON array"),
                bad("300 for UINT8", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[300]}]}"),
                        identity(DataType.UINT8, 1), "data element 0 of input 'IN' is out of range for datatype UINT8"),
                bad("-1 for UINT32", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"UINT32\",\"data\":[-1]}]}"),
                        identity(DataType.UINT32, 1), "out of range for datatype UINT32"),
                bad("2^63 for INT64", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"INT64\",\"data\":[9223372036854775808]}]}"),
                        identity(DataType.INT64, 1), "out of range for datatype INT64"),
                bad("2^64 for UINT64", Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"UINT64\",\"data\":[18446744073709551616]}]}"),
                        identity(DataType.UINT64, 1), "out of range for datatype UINT64"),
                bad("data and binary_data_size", Body.binary("{\"inputs\":[" + in + ",\"data\":[1,2],\"parameters\":{\"binary_data_size\":8}}]}",
                        new byte[8]), int32, "input 'IN' has both 'data' and a binary_data_size parameter"),
                bad("binary_data_size and data", Body.binary("{\"inputs\":[" + in + ",\"parameters\":{\"binary_data_size\":8},\"data\":[1,2]}]}",
                        new byte[8]), int32, "input 'IN' has both 'data' and a binary_data_size parameter"),
                bad("neither data nor binary_data_size", Body.json("{\"inputs\":[" + in + "}]}"), int32,
                        "input 'IN' has neither 'data' nor a binary_data_size parameter"),
                bad("binary_data_size not a size", Body.binary("{\"inputs\":[" + in + ",\"parameters\":{\"binary_data_size\":\"8\"}}]}",
                        new byte[8]), int32, "binary_data_size of input 'IN' must be a non-negative integer"),
                bad("binary_data_size off the shape", Body.binary("{\"inputs\":[" + in + ",\"parameters\":{\"binary_data_size\":12}}]}",
                        new byte[12]), int32, "input 'IN' has binary_data_size 12 but shape [2] of INT32 needs 8 bytes"),
                bad("binary data missing", Body.binary("{\"inputs\":[" + in + ",\"parameters\":{\"binary_data_size\":8}}]}",
                        new byte[5]), int32, "input 'IN' has binary_data_size 8 but only 5 bytes of binary data are left"),
                bad("bytes after the binary data", Body.binary("{\"inputs\":[" + in + ",\"parameters\":{\"binary_data_size\":8}}]}",
                        new byte[8], new byte[3]), int32, "the body has 3 bytes after the JSON header and the binary data"),
                bad("bytes after a JSON-only header", Body.binary("{\"inputs\":[" + in + ",\"data\":[1,2]}]}", new byte[4]), int32,
                        "the body has 4 bytes after the JSON header"),
                bad("binary data without the header", Body.json("{\"inputs\":[" + in + ",\"parameters\":{\"binary_data_size\":0}}]}"), int32,
                        "no Inference-Header-Content-Length header"),
                bad("header longer than the body", new Body(Body.json("{}").segment(), 10), int32,
                        "Inference-Header-Content-Length is 10 but the body has only 2 bytes"),
                bad("negative header", new Body(Body.json("{}").segment(), -2), int32, "Inference-Header-Content-Length is -2"),
                bad("output requested twice", Body.json(simpleRequest("[{\"name\":\"OUTPUT0\"},{\"name\":\"OUTPUT0\"}]")), SIMPLE,
                        "output 'OUTPUT0' is requested more than once"),
                bad("unknown output", Body.json(simpleRequest("[{\"name\":\"OUTPUT9\"}]")), SIMPLE,
                        "model 'simple' has no output 'OUTPUT9'"),
                bad("output without name", Body.json(simpleRequest("[{\"parameters\":{}}]")), SIMPLE, "output #0 has no 'name'"),
                bad("classification", Body.json(simpleRequest("[{\"name\":\"OUTPUT0\",\"parameters\":{\"classification\":3}}]")), SIMPLE,
                        "classification extension is not supported"),
                bad("binary_data not boolean", Body.json(simpleRequest("[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":1}}]")),
                        SIMPLE, "binary_data of output #0 must be true or false"),
                bad("binary_data_output not boolean", Body.json(simpleRequest("").replace("{\"id\":\"42\",",
                        "{\"parameters\":{\"binary_data_output\":\"yes\"},")), SIMPLE, "'binary_data_output' must be true or false"),
                bad("nested request parameter", Body.json(simpleRequest("").replace("{\"id\":\"42\",",
                        "{\"parameters\":{\"p\":{}},")), SIMPLE, "request parameter 'p' must be a string, number or boolean"),
                bad("id not a string", Body.json(simpleRequest("").replace("\"42\"", "42")), SIMPLE, "'id' must be a JSON string"),
                bad("datatype the model does not take (validator)", Body.json(simpleRequest("").replace("\"INT32\"", "\"INT64\"")),
                        SIMPLE, "input 'INPUT0' has datatype INT64 but model 'simple' expects INT32"),
                bad("batch over max_batch_size (validator)", Body.binary("""
                        {"inputs":[{"name":"INPUT0","shape":[9,16],"datatype":"INT32","parameters":{"binary_data_size":576}},
                        {"name":"INPUT1","shape":[9,16],"datatype":"INT32","parameters":{"binary_data_size":576}}]}""",
                        new byte[576], new byte[576]), SIMPLE, "accepts 1 to 8"),
                bad("BYTES binary data malformed (validator)", Body.binary(
                        "{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"BYTES\",\"parameters\":{\"binary_data_size\":3}}]}",
                        new byte[] {9, 0, 0}), identity(DataType.BYTES, 1), "missing its 4-byte length prefix"));
    }

    private static Arguments bad(String name, Body body, ModelConfig config, String message) {
        return Arguments.of(name, body, config, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void rejectsABadRequestWithInvalidArgumentAndLeaksNothing(String name, Body body, ModelConfig config, String message) {
        assertThatThrownBy(() -> decode(body, config))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining(message);
    }

    @Test
    void rejectsAnInputOverTheElementLimitBeforeAllocating() {
        OipRequestDecoder small = new OipRequestDecoder(new RequestValidator(4));
        Body body = Body.json("{\"inputs\":[{\"name\":\"IN\",\"shape\":[1000000000,1000000000],\"datatype\":\"INT32\",\"data\":[]}]}");

        assertThatThrownBy(() -> small.decode(body.segment(), -1, identity(DataType.INT32, 2), device))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.PAYLOAD_TOO_LARGE))
                .hasMessageContaining("over the limit of 4 elements per tensor");
        assertThat(device.reservedBytes()).isZero();
    }

    @Test
    void releasesWhatItStagedWhenALaterInputFails() {
        String json = simpleRequest("").replace("[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", "[1,1,1]");

        assertThatThrownBy(() -> decode(Body.json(json), SIMPLE)).isInstanceOf(StatusException.class);
        assertThat(device.liveBuffers()).isZero();
    }

    @Test
    void failsWithResourceExhaustedWhenStagingBudgetIsSpent() {
        try (HostDevice tight = new HostDevice(new HostDevice.Config(1 << 20, Map.of(MemoryUse.STAGING, 64L), true))) {
            assertThatThrownBy(() -> decoder.decode(Body.json(simpleRequest("")).segment(), -1, SIMPLE, tight))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED));
            LeakCheck.assertNoLeaks(tight);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[987654]}]}",
        "{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[\"987654\"]}]}",
        "{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[987654x]}]}",
        "{\"inputs\":[{\"name\":\"IN\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[\"987654]}]}",
    })
    void neverPutsInputValuesInItsMessages(String json) {
        assertThatThrownBy(() -> decode(Body.json(json), identity(DataType.UINT8, 1)))
                .isInstanceOf(StatusException.class)
                .message().doesNotContain("987654");
    }
}
