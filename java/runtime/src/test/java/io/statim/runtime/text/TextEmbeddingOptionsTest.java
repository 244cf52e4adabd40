package io.statim.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.text.TextPipelineConfig.LongText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline's options other than the shipped ones: chunking, CLS pooling, no normalization. */
class TextEmbeddingOptionsTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TextEmbeddingOptionsTest.class);

    private static final double AGREEMENT = 0.999;
    private static final InstanceSpec SPEC = new InstanceSpec("minilm_0", 0, 2);
    private static final String PARAGRAPH = "A 2.1 cm simple cyst is seen in the left kidney. The liver shows diffuse "
            + "steatosis without focal lesion; the gallbladder, pancreas and spleen are unremarkable. There is no "
            + "hydronephrosis, free fluid or lymphadenopathy, and the abdominal aorta is of normal caliber. ";

    @TempDir
    Path repository;
    private HostDevice device;

    @BeforeEach
    void device() {
        device = LeakCheck.trackingHostDevice();
    }

    @AfterEach
    void nothingLeaks() {
        LeakCheck.assertNoLeaks(device);
        device.close();
    }

    @Test
    void chunkingAveragesTheWindowsOfALongTextWeightedByTheirTokenCounts() throws IOException {
        String text = PARAGRAPH.repeat(4) + "Impression: benign findings.";
        List<String> windowTexts = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        // The windows the pipeline cuts, decoded back to text as langchain4j does with its partitions.
        Path tokenizerJson = MiniLm.tokenizer(repository.resolve("tokenizer.json"));
        try (WindowingTokenizer windowing = new WindowingTokenizer("minilm", tokenizerJson, 128, LongText.CHUNK);
                HuggingFaceTokenizer plain = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of())) {
            TokenWindows windows = windowing.tokenize(List.of(text));
            for (int w = 0; w < windows.windowCount(); w++) {
                windowTexts.add(plain.decode(windows.window(w).ids(), true));
                weights.add(windows.window(w).weight());
            }
        }
        float[][] pooled = embed(MiniLm.withParameter(MiniLm.shippedConfig(), "normalize", "none"), windowTexts);
        float[] expected = new float[MiniLm.SIZE];
        for (int w = 0; w < pooled.length; w++) {
            for (int j = 0; j < MiniLm.SIZE; j++) {
                expected[j] += weights.get(w) * pooled[w][j];
            }
        }

        float[] chunked = embed(MiniLm.withParameter(MiniLm.shippedConfig(), "long_text", "chunk"), List.of(text))[0];

        assertThat(windowTexts).hasSizeGreaterThan(2);
        assertThat(MiniLm.norm(chunked)).isCloseTo(1.0, within(1e-5));
        double cosine = MiniLm.cosine(chunked, expected);
        LOG.info("cosine of a chunked text to the weighted average of its windows: 1 - {}", String.format("%.2e", 1 - cosine));
        assertThat(cosine).isGreaterThanOrEqualTo(AGREEMENT);
    }

    @Test
    void clsPoolingAgreesWithLangchain4jClsMode() {
        String config = MiniLm.withParameter(MiniLm.shippedConfig(), "pooling", "cls");
        OnnxEmbeddingModel reference = new OnnxEmbeddingModel(
                MiniLm.source(repository, config).modelFile(1), repository.resolve("minilm/1/tokenizer.json"), PoolingMode.CLS);
        List<String> texts = List.of("Diffuse hepatic steatosis.", PARAGRAPH.repeat(2));

        float[][] ours = embed(config, texts);

        for (int i = 0; i < texts.size(); i++) {
            assertThat(MiniLm.cosine(ours[i], reference.embed(texts.get(i)).content().vector())).isGreaterThanOrEqualTo(AGREEMENT);
        }
    }

    @Test
    void withoutNormalizationReturnsThePooledVectorInTheSameDirection() {
        List<String> texts = List.of("Normal alignment of the cervical spine.");
        float[] raw = embed(MiniLm.withParameter(MiniLm.shippedConfig(), "normalize", "none"), texts)[0];
        float[] unit = embed(MiniLm.shippedConfig(), texts)[0];

        assertThat(MiniLm.norm(raw)).isNotCloseTo(1.0, within(0.01));
        assertThat(MiniLm.cosine(raw, unit)).isGreaterThan(0.99999);
    }

    /** Embeds the texts with a fresh instance of the given config, in one request. */
    private float[][] embed(String config, List<String> texts) {
        Path root = repository.resolve("repo-" + Integer.toHexString(config.hashCode()));
        try (TextEmbeddingInstance instance = new TextEmbeddingInstance(MiniLm.source(root, config), 1, SPEC, device)) {
            InferenceResponse response = instance.execute(List.of(MiniLm.request("r", texts))).getFirst();
            try {
                return MiniLm.rows(response.output("EMBEDDING"));
            } finally {
                response.release();
            }
        }
    }
}
