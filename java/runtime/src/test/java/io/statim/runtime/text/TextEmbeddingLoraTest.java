package io.statim.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.tensor.Tensor;
import io.statim.model.lora.LoraMerge;
import io.statim.model.lora.PeftAdapter;
import io.statim.model.lora.LoraTarget;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.lora.LoraFixtures;
import io.statim.runtime.lora.LoraModel;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text pipeline serves {@code minilm} with LoRA: a text run with an adapter gets the embedding of
 * the model with that adapter merged into its weights, a text without one the base model's, in one
 * batch.
 */
class TextEmbeddingLoraTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TextEmbeddingLoraTest.class);
    private static final double TOLERANCE = 1e-4;
    private static final List<String> TEXTS = List.of("The patient quit smoking in 2010.",
            "No prior imaging of the lumbar spine is available for comparison.");

    @TempDir
    Path loraRoot;
    @TempDir
    Path mergedRoot;
    @TempDir
    Path baseRoot;
    @TempDir
    Path adapters;
    private final HostDevice device = LeakCheck.trackingHostDevice();

    @AfterEach
    void nothingLeaks() {
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    private static String loraConfig() {
        return MiniLm.shippedConfig()
                + "parameters { key: \"lora_target_modules\" value: { string_value: \"query,key,value,attention.output.dense,"
                + "intermediate.dense,output.dense\" } }\n"
                + "parameters { key: \"lora_slots\" value: { string_value: \"2\" } }\n"
                + "parameters { key: \"lora_max_rank\" value: { string_value: \"8\" } }\n";
    }

    private static float[][] embed(ModelInstance instance, InferenceRequest request) {
        InferenceResponse response = instance.execute(List.of(request)).getFirst();
        try {
            return MiniLm.rows(response.output("EMBEDDING"));
        } finally {
            response.release();
        }
    }

    @Test
    void aTextWithAnAdapterGetsTheMergedModelsEmbedding() throws Exception {
        ModelSource source = MiniLm.source(loraRoot, loraConfig());
        float[][] withAdapter;
        float[][] withoutAdapter;
        Path folder;
        try (LoraModel lora = LoraModel.load(source, 1, device)) {
            List<TestModels.Linear> layers = lora.layout().targets().stream()
                    .map((LoraTarget t) -> new TestModels.Linear(t.modulePath(), t.in(), t.out())).toList();
            assertThat(layers).hasSize(36);
            folder = LoraFixtures.adapter(adapters, "smoking", 8, 21, layers);
            try (PeftAdapter adapter = PeftAdapter.open(folder); Arena arena = Arena.ofConfined()) {
                MemorySegment image = arena.allocate(lora.imageBytes(), 64);
                lora.writeImage(adapter, image);
                lora.loadSlot(1, image);
            }
            try (ModelInstance instance = TextPipelines.newInstance(source, 1, new InstanceSpec("minilm_0", 0, 1, lora), device)) {
                LoraFixtures.FixedSlot slot1 = new LoraFixtures.FixedSlot("smoking", 1);
                List<InferenceResponse> responses = instance.execute(List.of(
                        MiniLm.request("a", TEXTS, List.of(), slot1), MiniLm.request("b", TEXTS)));
                withAdapter = MiniLm.rows(responses.get(0).output("EMBEDDING"));
                withoutAdapter = MiniLm.rows(responses.get(1).output("EMBEDDING"));
                responses.forEach(InferenceResponse::release);
            }
        }

        ModelSource merged = MiniLm.source(mergedRoot, MiniLm.shippedConfig());
        try (InputStream in = getClass().getResourceAsStream(MiniLm.ONNX_RESOURCE); PeftAdapter adapter = PeftAdapter.open(folder)) {
            ModelProto base = ModelProto.parseFrom(in);
            Files.write(merged.modelFile(1), LoraMerge.merge(base, adapter).toByteArray());
        }
        float[][] expectedWith;
        try (ModelInstance instance = TextPipelines.newInstance(merged, 1, new InstanceSpec("minilm_0", 0, 1), device)) {
            expectedWith = embed(instance, MiniLm.request("m", TEXTS));
        }
        float[][] expectedWithout;
        try (ModelInstance instance = TextPipelines.newInstance(MiniLm.source(baseRoot, MiniLm.shippedConfig()), 1,
                new InstanceSpec("minilm_0", 0, 1), device)) {
            expectedWithout = embed(instance, MiniLm.request("p", TEXTS));
        }

        for (int i = 0; i < TEXTS.size(); i++) {
            double error = LoraFixtures.relativeError(withAdapter[i], expectedWith[i]);
            LOG.info("minilm text {}: relative error to the merged model {}, adapter moved the embedding by {}", i, String.format("%.2e", error),
                    String.format("%.2e", LoraFixtures.relativeError(expectedWithout[i], expectedWith[i])));
            assertThat(error).as("text %d with the adapter", i).isLessThan(TOLERANCE);
            assertThat(LoraFixtures.relativeError(withoutAdapter[i], expectedWithout[i])).as("text %d without", i).isLessThan(TOLERANCE);
            assertThat(LoraFixtures.relativeError(expectedWithout[i], expectedWith[i])).as("the adapter changes text %d", i)
                    .isGreaterThan(1e-3);
        }
    }
}
