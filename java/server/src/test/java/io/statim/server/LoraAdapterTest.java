package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.grpc.api.InferParameter;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.lora.LoraFixtures;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import com.google.protobuf.ByteString;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LoRA over the wire: the adapter API of {@code lora_toy}, requests naming adapters by the OIP
 * parameter, SageMaker's header and gRPC, mixed in one batch, each row answered as the model with that
 * adapter's weights merged in answers it; unknown adapters refused, never served by the base model.
 */
class LoraAdapterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADAPTERS = "/v2/models/lora_toy/adapters";
    /**
     * A copy of lora_toy whose batches wait {@link ServerFixture#HOLD_US} to fill: only full batches
     * of {@link #FULL} requests run, however fast the requests arrive.
     */
    private static final String BATCHED = "lora_toy_batched";
    /** lora_toy's max_batch_size. */
    private static final int FULL = 8;
    private static final int SEQ = 3;
    private static ServerFixture fixture;
    private static Path adapters;
    private static float[] x;
    private static float[] baseY;
    /** Buffers lora_toy holds while loaded: its slot pools. */
    private static long held;

    @BeforeAll
    static void start() throws Exception {
        // 8 slots and ranks up to 64 for both; lora_toy runs every request at once, lora_toy_batched
        // only full batches.
        // Uploaded adapters live outside the repository, in a folder the server is told it may read.
        adapters = Files.createTempDirectory("statim-adapters");
        fixture = ServerFixture.start(c -> c.withAdapterRoots(List.of(adapters)), repo -> {
            TestModels.writeLoraToy(repo, 8, 64, 0);
            ServerFixture.copyModel(repo, TestModels.LORA_TOY, BATCHED, config -> {
                String held = config.replaceFirst("dynamic_batching \\{[^}]*}",
                        "dynamic_batching { max_queue_delay_microseconds: " + ServerFixture.HOLD_US + " }");
                if (held.equals(config)) {
                    throw new IllegalStateException("no dynamic_batching section in lora_toy's config:\n" + config);
                }
                return held;
            });
        });
        held = fixture.server.device().liveBuffers();
        int[] ranks = {4, 8, 16, 32, 64};
        for (int i = 0; i < ranks.length; i++) {
            LoraFixtures.adapter(adapters, "a" + i, ranks[i], 100 + i, LoraFixtures.toyLayers());
        }
        x = LoraFixtures.input(1, SEQ, 9);
        baseY = LoraFixtures.run(TestModels.loraToy(), x, 1, SEQ)[0];
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @AfterEach
    void leavesNothingBehind() {
        for (String model : new String[] {TestModels.LORA_TOY, BATCHED}) {
            for (JsonNode a : json(fixture.get(fixture.http1, adaptersOf(model))).get("adapters")) {
                delete(model, a.get("name").asText());
            }
        }
        fixture.assertBuffersBackTo(held);
    }

    @Test
    void registeredAdaptersServeMixedBatchesRowByRowAsTheirMergedModels() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = register(BATCHED, "a" + i, adapters.resolve("a" + i).toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            assertThat(json(r).get("rank").asInt()).isEqualTo(new int[] {4, 8, 16, 32, 64}[i]);
        }
        assertThat(json(fixture.get(fixture.http1, adaptersOf(BATCHED))).get("adapters")).hasSize(5);

        // Two full batches' worth of concurrent requests over h2c: two per adapter, the rest base rows.
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < 2 * FULL; k++) {
            String name = k < 10 ? "a" + (k % 5) : null;
            names.add(name);
            HttpRequest request = HttpRequest.newBuilder(fixture.uri("/v2/models/" + BATCHED + "/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(body(name == null ? "" : ",\"parameters\":{\"adapter\":\"" + name + "\"}")))
                    .header("Content-Type", "application/json").build();
            pending.add(fixture.http2.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        for (int k = 0; k < pending.size(); k++) {
            HttpResponse<String> r = pending.get(k).get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            float[] expected = names.get(k) == null ? baseY : merged(names.get(k));
            assertThat(LoraFixtures.relativeError(output(r), expected)).as("row %d (%s)", k, names.get(k)).isLessThan(1e-4);
        }
        JsonNode stats = json(fixture.get(fixture.http1, "/v2/models/" + BATCHED + "/stats")).get("model_stats").get(0);
        assertThat(stats.get("batch_stats").findValues("batch_size")).as("requests shared batches, only full ones")
                .singleElement().satisfies(b -> assertThat(b.asInt()).isEqualTo(FULL));
        assertThat(stats.get("execution_count").asLong()).as("executions").isEqualTo(2);
        String metrics = fixture.get(fixture.http1, fixture.metricsUri("/metrics")).body();
        assertThat(metrics).contains("statim_lora_loads_total{model=\"" + BATCHED + "\",tier=\"device\",version=\"1\"}");
    }

    @Test
    void sageMakersAdapterHeaderAndGrpcNameTheAdapterToo() throws Exception {
        register("a1", adapters.resolve("a1").toString());
        HttpResponse<String> viaHeader = fixture.postJson(fixture.http1, "/invocations", body(""),
                "X-Amzn-SageMaker-Target-Model", "lora_toy", "X-Amzn-SageMaker-Adapter-Identifier", "a1");
        assertThat(viaHeader.statusCode()).as(viaHeader.body()).isEqualTo(200);
        assertThat(LoraFixtures.relativeError(output(viaHeader), merged("a1"))).isLessThan(1e-4);

        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", fixture.server.grpcPort(), InsecureChannelCredentials.create())
                .build();
        try {
            ByteBuffer raw = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : x) {
                raw.putFloat(v);
            }
            ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("lora_toy")
                    .addInputs(GrpcRequests.input("X", "FP32", 1, SEQ, TestModels.LORA_TOY_HIDDEN))
                    .addRawInputContents(ByteString.copyFrom(raw.array()))
                    .putParameters("adapter", InferParameter.newBuilder().setStringParam("a1").build()).build();
            ModelInferResponse response = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .modelInfer(request);
            ByteBuffer out = response.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] y = new float[out.remaining() / 4];
            out.asFloatBuffer().get(y);
            assertThat(LoraFixtures.relativeError(y, merged("a1"))).isLessThan(1e-4);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void unknownAdaptersAreRefusedNeverServedByTheBaseModel() {
        HttpResponse<String> unknown = infer("nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("adapter 'nope' is not registered");
        HttpResponse<String> onSimple = fixture.postJson(fixture.http1, "/v2/models/simple/infer",
                Requests.simpleJson(1, false).replace("\"id\":\"r1\",", "\"id\":\"r1\",\"parameters\":{\"adapter\":\"a0\"},"));
        assertThat(onSimple.statusCode()).isEqualTo(400);
        assertThat(onSimple.body()).contains("serves no LoRA adapters");

        register("a0", adapters.resolve("a0").toString());
        assertThat(delete("a0").statusCode()).isEqualTo(200);
        HttpResponse<String> afterDelete = infer("a0");
        assertThat(afterDelete.statusCode()).isEqualTo(404);
        assertThat(infer(null).statusCode()).as("the base model still serves").isEqualTo(200);
    }

    @Test
    void theApiDescribesPinsAndRefusesBadRegistrations() throws Exception {
        register("a2", adapters.resolve("a2").toString());
        assertThat(register("a2", adapters.resolve("a2").toString()).statusCode()).isEqualTo(409);
        assertThat(register("missing", adapters.resolve("nowhere").toString()).statusCode()).isEqualTo(404);
        assertThat(fixture.postJson(fixture.http1, ADAPTERS, "{\"name\": 3}").statusCode()).isEqualTo(400);

        Path corrupt = Files.createDirectories(adapters.resolve("corrupt"));
        Files.copy(adapters.resolve("a3/adapter_config.json"), corrupt.resolve("adapter_config.json"));
        byte[] weights = Files.readAllBytes(adapters.resolve("a3/adapter_model.safetensors"));
        Files.write(corrupt.resolve("adapter_model.safetensors"), java.util.Arrays.copyOf(weights, weights.length - 100));
        HttpResponse<String> bad = register("corrupt", corrupt.toString());
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);

        HttpResponse<String> pinned = fixture.postJson(fixture.http1, ADAPTERS + "/a2/pin", "");
        assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
        assertThat(json(pinned).get("pinned").asBoolean()).isTrue();
        assertThat(json(pinned).get("tier").asText()).isEqualTo("device");
        JsonNode described = json(fixture.get(fixture.http1, ADAPTERS + "/a2"));
        assertThat(described.get("target_modules")).isNotEmpty();
        assertThat(json(fixture.postJson(fixture.http1, ADAPTERS + "/a2/unpin", "")).get("pinned").asBoolean()).isFalse();
        assertThat(fixture.get(fixture.http1, ADAPTERS + "/nope").statusCode()).isEqualTo(404);
        assertThat(fixture.get(fixture.http1, "/v2/models/simple/adapters").statusCode()).isEqualTo(404);
    }

    @Test
    void registrationsOutsideTheModelsDirectoryAreRefusedBeforeAnythingIsRead() throws Exception {
        Path outside = Files.createTempDirectory("statim-outside");
        LoraFixtures.adapter(outside, "o", 4, 300, LoraFixtures.toyLayers());
        HttpResponse<String> absolute = register("o", outside.resolve("o").toString());
        assertThat(absolute.statusCode()).as(absolute.body()).isEqualTo(403);
        assertThat(absolute.body()).contains("--adapter-root");
        assertThat(register("up", "../../" + outside.getFileName() + "/o").statusCode()).isEqualTo(403);
        Files.createSymbolicLink(adapters.resolve("link-out"), outside.resolve("o"));
        assertThat(register("linked", adapters.resolve("link-out").toString()).statusCode()).isEqualTo(403);
        assertThat(register("etc", "/etc").statusCode()).as("no hint whether it exists").isEqualTo(403);
        assertThat(register("nowhere", "/no/such/folder").statusCode()).isEqualTo(403);
        assertThat(json(fixture.get(fixture.http1, ADAPTERS)).get("adapters").findValuesAsText("name"))
                .doesNotContain("o", "up", "linked", "etc", "nowhere");
        LoraFixtures.adapter(fixture.repository.resolve(TestModels.LORA_TOY).resolve("own"), "r", 4, 301, LoraFixtures.toyLayers());
        HttpResponse<String> relative = register("rel", "own/r");
        assertThat(relative.statusCode()).as("a path relative to the model's directory").isEqualTo(201);
        assertThat(delete("rel").statusCode()).isEqualTo(200);
    }

    private static String body(String parameters) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            data.append(i == 0 ? "" : ",").append(x[i]);
        }
        return "{\"inputs\":[{\"name\":\"X\",\"shape\":[1," + SEQ + "," + TestModels.LORA_TOY_HIDDEN + "],\"datatype\":\"FP32\",\"data\":["
                + data + "]}]" + parameters + "}";
    }

    private static HttpResponse<String> infer(String adapter) {
        return fixture.postJson(fixture.http1, "/v2/models/lora_toy/infer",
                body(adapter == null ? "" : ",\"parameters\":{\"adapter\":\"" + adapter + "\"}"));
    }

    private static HttpResponse<String> register(String name, String path) {
        return register(TestModels.LORA_TOY, name, path);
    }

    private static HttpResponse<String> register(String model, String name, String path) {
        return fixture.postJson(fixture.http1, adaptersOf(model), "{\"name\":\"" + name + "\",\"path\":" + JSON.valueToTree(path) + "}");
    }

    private static HttpResponse<String> delete(String name) {
        return delete(TestModels.LORA_TOY, name);
    }

    private static HttpResponse<String> delete(String model, String name) {
        return ServerFixture.send(fixture.http1, HttpRequest.newBuilder(fixture.uri(adaptersOf(model) + "/" + name)).DELETE().build());
    }

    private static String adaptersOf(String model) {
        return "/v2/models/" + model + "/adapters";
    }

    private static float[] merged(String name) {
        return LoraFixtures.run(LoraFixtures.merged(adapters.resolve(name)), x, 1, SEQ)[0];
    }

    private static float[] output(HttpResponse<String> r) {
        JsonNode data = json(r).get("outputs").get(0).get("data");
        float[] out = new float[data.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }
}
