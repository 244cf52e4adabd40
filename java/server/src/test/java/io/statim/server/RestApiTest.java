package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Health, metadata, config, statistics and the repository index over HTTP/1.1 and HTTP/2. */
class RestApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start();
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
    void reportsLiveAndReady(String protocol) {
        HttpClient client = fixture.client(protocol);
        HttpResponse<String> live = fixture.get(client, "/v2/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.version()).isEqualTo(protocol.equals("HTTP/2") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
        assertThat(fixture.get(client, "/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(fixture.get(client, "/v2/models/simple/ready").statusCode()).isEqualTo(200);
        assertThat(fixture.get(client, "/v2/models/simple/versions/1/ready").statusCode()).isEqualTo(200);
        assertThat(fixture.get(client, "/v2/models/simple/versions/7/ready").statusCode()).isEqualTo(400);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.statim.server.ServerFixture#protocols")
    void describesTheServer(String protocol) throws Exception {
        HttpClient client = fixture.client(protocol);
        HttpResponse<String> r = fixture.get(client, "/v2");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("name").asText()).isEqualTo("statim");
        assertThat(body.get("extensions").toString()).contains("binary_tensor_data");
    }

    @Test
    void describesAModelWithTheBatchDimension() throws Exception {
        HttpResponse<String> r = fixture.get(fixture.http1, "/v2/models/simple");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("name").asText()).isEqualTo("simple");
        assertThat(body.get("versions").toString()).isEqualTo("[\"1\"]");
        assertThat(body.get("inputs").get(0).get("name").asText()).isEqualTo("INPUT0");
        assertThat(body.get("inputs").get(0).get("datatype").asText()).isEqualTo("INT32");
        assertThat(body.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,16]");
        assertThat(fixture.get(fixture.http1, "/v2/models/simple/versions/1").statusCode()).isEqualTo(200);
    }

    @Test
    void returnsTheModelConfigurationInTritonsForm() throws Exception {
        HttpResponse<String> r = fixture.get(fixture.http1, "/v2/models/simple/config");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("max_batch_size").asInt()).isEqualTo(8);
        assertThat(body.get("input").get(0).get("data_type").asText()).isEqualTo("TYPE_INT32");
    }

    @Test
    void answersUnknownModelsAndPathsWithAnErrorBody() throws Exception {
        HttpResponse<String> model = fixture.get(fixture.http1, "/v2/models/nope");
        assertThat(model.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(model.body()).get("error").asText()).contains("nope");
        HttpResponse<String> path = fixture.get(fixture.http1, "/v3/whatever");
        assertThat(path.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(path.body()).has("error")).isTrue();
        assertThat(fixture.get(fixture.http1, "/v2/models/simple/versions/x1").statusCode()).isEqualTo(400);
    }

    @Test
    void ignoresUnknownQueryParameters() {
        assertThat(fixture.get(fixture.http1, "/v2/models/simple?foo=bar&x=1").statusCode()).isEqualTo(200);
    }

    @Test
    void refusesTheWrongMethod() {
        assertThat(fixture.postJson(fixture.http1, "/v2/models/simple", "{}").statusCode()).isEqualTo(405);
        assertThat(fixture.get(fixture.http1, "/v2/models/simple/infer").statusCode()).isEqualTo(405);
    }

    @Test
    void countsSuccessesAndFailuresInTheStatisticsExtension() throws Exception {
        String ok = Requests.simpleJson(1, false);
        assertThat(fixture.postJson(fixture.http1, "/v2/models/simple/infer", ok).statusCode()).isEqualTo(200);
        HttpResponse<String> r = fixture.get(fixture.http1, "/v2/models/simple/stats");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode stats = JSON.readTree(r.body()).get("model_stats").get(0);
        assertThat(stats.get("name").asText()).isEqualTo("simple");
        assertThat(stats.get("inference_stats").get("success").get("count").asLong()).isPositive();
        assertThat(stats.get("inference_stats").get("success").get("ns").asLong()).isPositive();
        assertThat(stats.get("inference_count").asLong()).isPositive();
        assertThat(fixture.get(fixture.http1, "/v2/models/stats").statusCode()).isEqualTo(200);
    }

    @Test
    void listsTheRepositoryIndex() throws Exception {
        HttpResponse<String> r = fixture.postJson(fixture.http1, "/v2/repository/index", "{}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).toString()).contains("\"name\":\"simple\"").contains("\"state\":\"READY\"");
    }

    @Test
    void listsOnlyReadyModelsWhenAsked() throws Exception {
        HttpResponse<String> r = fixture.postJson(fixture.http1, "/v2/repository/index", "{\"ready\": true}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body())).allSatisfy(m -> assertThat(m.get("state").asText()).isEqualTo("READY"));
        assertThat(fixture.postJson(fixture.http1, "/v2/repository/index", "[1,").statusCode()).isEqualTo(400);
    }

    @Test
    void refusesModelControlOutsideExplicitMode() throws Exception {
        HttpResponse<String> r = fixture.postJson(fixture.http1, "/v2/repository/models/simple/unload", "{}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("--model-control-mode=explicit");
    }
}
