package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.ServedModel;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dynamic batching and load shedding on the real server, seen through statistics, HTTP and metrics. */
class BatchingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServerFixture fixture;

    /**
     * Both batching models wait {@link ServerFixture#HOLD_US} for a batch to fill, so what the tests
     * see does not depend on how fast requests arrive: simple_batched runs only full batches of 8 rows;
     * variable_cost holds two requests at its default level (which is then full) until a request of its
     * second level fills their batch.
     */
    @BeforeAll
    static void start() throws Exception {
        fixture = ServerFixture.start();
        ServerFixture.copyModel(fixture.repository, TestModels.SIMPLE, "simple_batched",
                config -> config + "\ndynamic_batching { max_queue_delay_microseconds: " + ServerFixture.HOLD_US + " }\n");
        fixture.server.models().load("simple_batched");
        Path costly = TestModels.writeVariableCost(fixture.repository);
        Files.writeString(costly.resolve("config.pbtxt"), Files.readString(costly.resolve("config.pbtxt")) + """
                dynamic_batching {
                  max_queue_delay_microseconds: %d
                  priority_levels: 2
                  default_priority_level: 1
                  default_queue_policy { max_queue_size: 2 }
                }
                """.formatted(ServerFixture.HOLD_US));
        fixture.server.models().load(TestModels.VARIABLE_COST);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static List<Integer> batchSizes(String model) throws Exception {
        JsonNode stats = JSON.readTree(fixture.get(fixture.http1, "/v2/models/" + model + "/stats").body()).get("model_stats").get(0);
        List<Integer> sizes = new ArrayList<>();
        stats.get("batch_stats").forEach(b -> sizes.add(b.get("batch_size").asInt()));
        return sizes;
    }

    private static void concurrentLoad(String model) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            inFlight.add(fixture.http2.sendAsync(HttpRequest.newBuilder(fixture.uri("/v2/models/" + model + "/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(Requests.simpleJson(1, false))).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void batchesConcurrentRequestsWhereTheConfigAsksForIt() throws Exception {
        // 64 one-row requests: each batch waits until it is full (8 rows), so 8 of them run, all full.
        concurrentLoad("simple_batched");
        assertThat(batchSizes("simple_batched")).containsExactly(8);
    }

    @Test
    void neverBatchesWhereTheConfigDoesNotAskForIt() throws Exception {
        concurrentLoad("simple");
        assertThat(batchSizes("simple")).containsExactly(1);
    }

    @Test
    void aFullQueueAnswers503AtOnceAndTheServerStaysResponsive() throws Exception {
        ServedModel model = fixture.server.models().resolve(TestModels.VARIABLE_COST, InferenceRequest.LATEST);
        ModelStatistics.Snapshot before = model.statistics().snapshot();
        // Two one-row requests fill the default level's queue; their batch (2 of 8 rows) waits to fill.
        List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            accepted.add(fixture.http2.sendAsync(HttpRequest.newBuilder(fixture.uri("/v2/models/variable_cost/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(Requests.variableCostJson(1))).build(), HttpResponse.BodyHandlers.ofString()));
        }
        ServerFixture.await(() -> model.scheduler().queuedRequests() == 2, "the queue is full");
        HttpResponse<String> refused = fixture.postJson(fixture.http1, "/v2/models/variable_cost/infer", Requests.variableCostJson(1));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.body()).contains("queue of model 'variable_cost' is full");
        // Refused at once: not after waiting for a place, as none can free before the flush below.
        assertThat(accepted).as("the accepted requests, when the third was refused").noneMatch(CompletableFuture::isDone);
        assertThat(model.scheduler().queuedRequests()).isEqualTo(2);
        assertThat(fixture.postJson(fixture.http1, "/v2/models/simple/infer", Requests.simpleJson(1, false)).statusCode()).isEqualTo(200);
        String metrics = fixture.get(fixture.http1, fixture.metricsUri("/metrics")).body();
        assertThat(metrics).containsPattern("statim_inference_request_failure_total\\{[^}]*model=\"variable_cost\"[^}]*reason=\"REJECTED\"[^}]*} 1\\.0"
                + "|statim_inference_request_failure_total\\{[^}]*reason=\"REJECTED\"[^}]*model=\"variable_cost\"[^}]*} 1\\.0");

        // The flush: 6 rows at the second level (its own queue has room) complete the held batch.
        HttpResponse<String> filler = fixture.postJson(fixture.http1, "/v2/models/variable_cost/infer",
                Requests.variableCostJson(6, 1, "{\"priority\":2}"));
        assertThat(filler.statusCode()).as(filler.body()).isEqualTo(200);
        for (CompletableFuture<HttpResponse<String>> f : accepted) {
            assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        ModelStatistics.Snapshot after = model.statistics().snapshot();
        assertThat(after.executionCount() - before.executionCount()).as("executions: the accepted requests waited for the flush").isEqualTo(1);
        assertThat(after.inferenceCount() - before.inferenceCount()).as("rows executed").isEqualTo(8);
    }
}
