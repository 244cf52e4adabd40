package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded default repository: minilm serves sentence embeddings over OIP. */
class MinilmServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static StatimServer server;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        Path cache = Files.createTempDirectory("statim-cache");
        Path repo = DefaultRepository.materialize(cache);
        assertThat(repo.resolve("minilm/1/model.onnx")).exists();
        assertThat(DefaultRepository.materialize(cache)).isEqualTo(repo);
        fixture = ServerFixture.startOn(repo);
        server = fixture.server;
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void embedsTextsAsUnitVectorsOf384Floats() throws Exception {
        String body = "{\"inputs\":[{\"name\":\"TEXT\",\"shape\":[2,1],\"datatype\":\"BYTES\","
                + "\"data\":[\"Tear of the posterior horn of the medial meniscus.\",\"The patient uses smokeless tobacco.\"]}]}";
        HttpResponse<String> r = fixture.postJson(fixture.http2, "/v2/models/minilm/infer", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode out = JSON.readTree(r.body()).get("outputs").get(0);
        assertThat(out.get("name").asText()).isEqualTo("EMBEDDING");
        assertThat(out.get("shape").toString()).isEqualTo("[2,384]");
        double norm = 0;
        double dot = 0;
        for (int i = 0; i < 384; i++) {
            double a = out.get("data").get(i).asDouble();
            double b = out.get("data").get(384 + i).asDouble();
            norm += a * a;
            dot += a * b;
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(dot).isLessThan(0.9);
        assertThat(server.models().isReady("simple", -1)).isTrue();
        fixture.assertNoBuffersLeft();
    }
}
