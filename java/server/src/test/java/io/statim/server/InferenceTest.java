package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.core.tensor.DataType;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Inference on the real server over HTTP/1.1 and HTTP/2, JSON and the binary tensor extension. */
class InferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(DataType.FP32, DataType.INT64, DataType.BOOL, DataType.FP16, DataType.BYTES);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @AfterEach
    void noLeaks() {
        fixture.assertNoBuffersLeft();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.statim.server.ServerFixture#protocols")
    void addsAndSubtractsWithSimpleOverJson(String protocol) throws Exception {
        HttpClient client = fixture.client(protocol);
        HttpResponse<String> r = fixture.postJson(client, "/v2/models/simple/infer", Requests.simpleJson(2, false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("model_name").asText()).isEqualTo("simple");
        assertThat(body.get("id").asText()).isEqualTo("r1");
        JsonNode out0 = body.get("outputs").get(0);
        assertThat(out0.get("name").asText()).isEqualTo("OUTPUT0");
        assertThat(out0.get("shape").toString()).isEqualTo("[2,16]");
        assertThat(out0.get("data").get(5).asInt()).isEqualTo(6);
        assertThat(out0.get("data").get(31).asInt()).isEqualTo(32);
        assertThat(body.get("outputs").get(1).get("data").get(5).asInt()).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.statim.server.ServerFixture#protocols")
    void addsAndSubtractsOverTheBinaryExtension(String protocol) throws Exception {
        HttpClient client = fixture.client(protocol);
        Requests.Binary request = Requests.simpleBinary(0, 0);
        HttpResponse<byte[]> r = fixture.postBinary(client, "/v2/models/simple/infer", request.body(), request.jsonLength());
        assertThat(r.statusCode()).isEqualTo(200);
        int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        JsonNode header = JSON.readTree(new String(r.body(), 0, jsonLength, StandardCharsets.UTF_8));
        assertThat(header.get("outputs").get(0).get("parameters").get("binary_data_size").asInt()).isEqualTo(64);
        ByteBuffer tail = ByteBuffer.wrap(r.body(), jsonLength, r.body().length - jsonLength).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(tail.remaining()).isEqualTo(128);
        assertThat(tail.getInt(jsonLength + 4 * 3)).isEqualTo(5);
        assertThat(tail.getInt(jsonLength + 64 + 4 * 3)).isEqualTo(1);
    }

    @Test
    void answersOnlyTheOutputsAskedFor() throws Exception {
        String json = Requests.simpleJson(1, false).replace(",{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":false}}", "");
        JsonNode body = JSON.readTree(fixture.postJson(fixture.http1, "/v2/models/simple/infer", json).body());
        assertThat(body.get("outputs")).hasSize(1);
        assertThat(body.get("outputs").get(0).get("name").asText()).isEqualTo("OUTPUT0");
    }

    @Test
    void servesAnExplicitVersion() {
        assertThat(fixture.postJson(fixture.http1, "/v2/models/simple/versions/1/infer", Requests.simpleJson(1, false)).statusCode())
                .isEqualTo(200);
    }

    static Stream<Arguments> identityCases() {
        return Stream.of(
                Arguments.of("identity_fp32", "FP32", "[1.5,-2.25,3.0]", "[1.5,-2.25,3.0]"),
                Arguments.of("identity_int64", "INT64", "[9007199254740993,-1,0]", "[9007199254740993,-1,0]"),
                Arguments.of("identity_bool", "BOOL", "[true,false,true]", "[true,false,true]"),
                Arguments.of("identity_fp16", "FP16", "[0.5,-2.0,1024.0]", "[0.5,-2.0,1024.0]"),
                Arguments.of("identity_bytes", "BYTES", "[\"héllo\",\"\",\"x\"]", "[\"héllo\",\"\",\"x\"]"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("identityCases")
    void roundTripsEveryDatatypeThroughAnIdentityModel(String model, String datatype, String data, String expected) throws Exception {
        String json = "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,3],\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]}";
        HttpResponse<String> r = fixture.postJson(fixture.http2, "/v2/models/" + model + "/infer", json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode out = JSON.readTree(r.body()).get("outputs").get(0);
        assertThat(out.get("datatype").asText()).isEqualTo(datatype);
        assertThat(out.get("shape").toString()).isEqualTo("[1,3]");
        assertThat(JSON.readTree(out.get("data").toString())).isEqualTo(JSON.readTree(expected));
    }

    @Test
    void servesManyConcurrentRequestsOnOneHttp2Connection() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inFlight.add(fixture.http2.sendAsync(java.net.http.HttpRequest.newBuilder(fixture.uri("/v2/models/simple/infer"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Requests.simpleJson(1 + i % 8, false))).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < inFlight.size(); i++) {
            HttpResponse<String> r = inFlight.get(i).get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).get("outputs").get(0).get("shape").get(0).asInt()).isEqualTo(1 + i % 8);
        }
    }
}
