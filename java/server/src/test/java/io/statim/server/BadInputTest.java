package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.core.tensor.DataType;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad request gets a 4xx naming the problem, and the server goes on serving. */
class BadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 16 * 1024;
    private static final int MAX_ELEMENTS = 150;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(c -> c.withLimits(MAX_BODY_BYTES, MAX_ELEMENTS, 64), DataType.FP32);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @AfterEach
    void serverStillServesAndLeaksNothing() {
        HttpResponse<String> ok = fixture.postJson(fixture.http1, "/v2/models/simple/infer", Requests.simpleJson(1, false));
        assertThat(ok.statusCode()).isEqualTo(200);
        fixture.assertNoBuffersLeft();
    }

    private static final String INPUT1 = "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}";

    private static String withInput0(String input0) {
        return "{\"inputs\":[" + input0 + "," + INPUT1 + "]}";
    }

    static Stream<Arguments> badJsonRequests() {
        String sixteen = "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]";
        return Stream.of(
                Arguments.of("malformed JSON", "simple", "{\"inputs\":[{\"name\":", 400, "JSON"),
                Arguments.of("unknown model", "nope", Requests.simpleJson(1, false), 404, "nope"),
                Arguments.of("unknown version", "simple/versions/9", Requests.simpleJson(1, false), 404, "version 9"),
                Arguments.of("unknown datatype", "simple",
                        withInput0("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"FLOAT\",\"data\":" + sixteen + "}"), 400, "FLOAT"),
                Arguments.of("wrong datatype", "simple",
                        withInput0("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT64\",\"data\":" + sixteen + "}"), 400, "INT32"),
                Arguments.of("wrong shape", "simple",
                        withInput0("{\"name\":\"INPUT0\",\"shape\":[2,8],\"datatype\":\"INT32\",\"data\":" + sixteen + "}"), 400, "shape"),
                Arguments.of("element count mismatch", "simple",
                        withInput0("{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":[1,2,3]}"), 400, "INPUT0"),
                Arguments.of("duplicate input", "simple",
                        "{\"inputs\":[" + INPUT1 + "," + INPUT1 + "]}", 400, "INPUT1"),
                Arguments.of("missing input", "simple", "{\"inputs\":[" + INPUT1 + "]}", 400, "INPUT0"),
                Arguments.of("unexpected input", "simple",
                        withInput0("{\"name\":\"INPUT9\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + sixteen + "}"), 400, "INPUT9"),
                Arguments.of("unknown output", "simple",
                        Requests.simpleJson(1, false).replace("\"OUTPUT1\"", "\"OUTPUT7\""), 400, "OUTPUT7"),
                Arguments.of("batch over max_batch_size", "simple", Requests.simpleJson(9, false), 400, "batch"),
                Arguments.of("timeout not an integer", "simple",
                        Requests.simpleJson(1, false).replace("{\"id\"", "{\"parameters\":{\"timeout\":1.5},\"id\""), 400, "timeout"),
                Arguments.of("negative priority", "simple",
                        Requests.simpleJson(1, false).replace("{\"id\"", "{\"parameters\":{\"priority\":-2},\"id\""), 400, "priority"),
                Arguments.of("too many elements", "identity_fp32",
                        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,151],\"datatype\":\"FP32\",\"data\":[" + "1,".repeat(150) + "1]}]}",
                        413, "elements"),
                Arguments.of("body over the limit", "simple",
                        Requests.simpleJson(1, false).replace("{\"id\"", "{\"pad\":\"" + "x".repeat(MAX_BODY_BYTES) + "\",\"id\""), 413,
                        "limit"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badJsonRequests")
    void rejectsBadJsonRequests(String name, String model, String body, int status, String fragment) throws Exception {
        HttpResponse<String> r = fixture.postJson(fixture.http1, "/v2/models/" + model + "/infer", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains(fragment);
    }

    static Stream<Arguments> badBinaryRequests() {
        return Stream.of(
                Arguments.of("missing binary bytes", Requests.simpleBinary(0, 10), -1, "binary"),
                Arguments.of("extra binary bytes", Requests.simpleBinary(7, 0), -1, "7"),
                Arguments.of("header length beyond the body", Requests.simpleBinary(0, 0), 100_000, "Inference-Header-Content-Length"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBinaryRequests")
    void rejectsBadBinaryRequests(String name, Requests.Binary request, int headerLength, String fragment) throws Exception {
        int jsonLength = headerLength >= 0 ? headerLength : request.jsonLength();
        HttpResponse<byte[]> r = fixture.postBinary(fixture.http1, "/v2/models/simple/infer", request.body(), jsonLength);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(new String(r.body(), StandardCharsets.UTF_8)).get("error").asText()).containsIgnoringCase(fragment);
    }

    @Test
    void rejectsABinarySizeThatDoesNotMatchTheShape() throws Exception {
        Requests.Binary request = Requests.simpleBinary(0, 0);
        String header = new String(request.body(), 0, request.jsonLength(), StandardCharsets.UTF_8).replaceFirst("64", "60");
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[json.length + 124];
        System.arraycopy(json, 0, body, 0, json.length);
        HttpResponse<byte[]> r = fixture.postBinary(fixture.http1, "/v2/models/simple/infer", body, json.length);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("INPUT0");
    }

    @Test
    void rejectsANonNumericHeaderLength() {
        HttpRequest request = HttpRequest.newBuilder(fixture.uri("/v2/models/simple/infer"))
                .header("Inference-Header-Content-Length", "abc")
                .POST(HttpRequest.BodyPublishers.ofString(Requests.simpleJson(1, false))).build();
        HttpResponse<String> r = ServerFixture.send(fixture.http1, request);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("Inference-Header-Content-Length");
    }
}
