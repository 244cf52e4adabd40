package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.InferenceRequest;
import io.statim.scheduler.ServedModel;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dynamic batching and load shedding on the real server, seen through statistics, HTTP and metrics. */
class BatchingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServerFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        fixture = ServerFixture.start();
        Path batched = fixture.repository.resolve("simple_batched");
        Files.createDirectories(batched.resolve("1"));
        Files.copy(fixture.repository.resolve("simple/1/model.onnx"), batched.resolve("1/model.onnx"));
        Files.writeString(batched.resolve("config.pbtxt"), Files.readString(fixture.repository.resolve("simple/config.pbtxt"))
                .replace("name: \"simple\"", "name: \"simple_batched\"") + "\ndynamic_batching { max_queue_delay_microseconds: 2000 }\n");
        fixture.server.models().load("simple_batched");
        Path costly = TestModels.writeVariableCost(fixture.repository);
        Files.writeString(costly.resolve("config.pbtxt"), Files.readString(costly.resolve("config.pbtxt"))
                + "\ndynamic_batching { default_queue_policy { max_queue_size: 2 } }\n");
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
        concurrentLoad("simple_batched");
        assertThat(batchSizes("simple_batched")).anySatisfy(size -> assertThat(size).isGreaterThan(1));
    }

    @Test
    void neverBatchesWhereTheConfigDoesNotAskForIt() throws Exception {
        concurrentLoad("simple");
        assertThat(batchSizes("simple")).containsExactly(1);
    }

    @Test
    void aFullQueueAnswers503AtOnceAndTheServerStaysResponsive() throws Exception {
        ServedModel model = fixture.server.models().resolve(TestModels.VARIABLE_COST, InferenceRequest.LATEST);
        List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
        accepted.add(fixture.http2.sendAsync(HttpRequest.newBuilder(fixture.uri("/v2/models/variable_cost/infer"))
                .POST(HttpRequest.BodyPublishers.ofString(Requests.variableCostJson(600_000))).build(), HttpResponse.BodyHandlers.ofString()));
        ServerFixture.await(() -> model.statistics().snapshot().queueCount() > 0, "the slow request runs");
        for (int i = 0; i < 2; i++) {
            accepted.add(fixture.http2.sendAsync(HttpRequest.newBuilder(fixture.uri("/v2/models/variable_cost/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(Requests.variableCostJson(1))).build(), HttpResponse.BodyHandlers.ofString()));
        }
        ServerFixture.await(() -> model.scheduler().queuedRequests() == 2, "the queue is full");
        long start = System.nanoTime();
        HttpResponse<String> refused = fixture.postJson(fixture.http1, "/v2/models/variable_cost/infer", Requests.variableCostJson(1));
        long refusedAfterMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.body()).contains("queue of model 'variable_cost' is full");
        assertThat(accepted.get(0).isDone()).as("refused while the slow request still ran (after %d ms)", refusedAfterMs).isFalse();
        assertThat(fixture.postJson(fixture.http1, "/v2/models/simple/infer", Requests.simpleJson(1, false)).statusCode()).isEqualTo(200);
        String metrics = fixture.get(fixture.http1, fixture.metricsUri("/metrics")).body();
        assertThat(metrics).containsPattern("statim_inference_request_failure_total\\{[^}]*model=\"variable_cost\"[^}]*reason=\"REJECTED\"[^}]*} 1\\.0"
                + "|statim_inference_request_failure_total\\{[^}]*reason=\"REJECTED\"[^}]*model=\"variable_cost\"[^}]*} 1\\.0");
        for (CompletableFuture<HttpResponse<String>> f : accepted) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
    }
}
