package io.statim.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.statim.core.device.HostDevice;
import io.statim.core.device.LeakCheck;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.InstanceSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped {@code minilm} pipeline, checked against langchain4j's AllMiniLmL6V2EmbeddingModel. */
class TextEmbeddingInstanceTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TextEmbeddingInstanceTest.class);

    private static final double AGREEMENT = 0.999;
    private static final InstanceSpec SPEC = new InstanceSpec("minilm_0", 0, 2);
    private static final String PARAGRAPH = "The patient is a 64-year-old man with hypertension, type 2 diabetes and chronic "
            + "kidney disease who presents with two weeks of worsening shortness of breath, orthopnea and bilateral "
            + "leg swelling. Examination shows jugular venous distension, bibasilar crackles and pitting edema to the "
            + "knees; an echocardiogram shows an ejection fraction of 35 percent. ";

    @TempDir
    static Path repository;
    private static HostDevice device;
    private static TextEmbeddingInstance instance;
    private static AllMiniLmL6V2EmbeddingModel reference;

    @BeforeAll
    static void load() {
        device = LeakCheck.trackingHostDevice();
        instance = new TextEmbeddingInstance(MiniLm.source(repository, MiniLm.shippedConfig()), 1, SPEC, device);
        reference = new AllMiniLmL6V2EmbeddingModel();
    }

    @AfterEach
    void nothingLeaks() {
        LeakCheck.assertNoLeaks(device);
    }

    @AfterAll
    static void close() {
        instance.close();
        device.close();
    }

    @Test
    void agreesWithLangchain4jOnClinicalTexts() {
        assumeTrue(ClinicalTexts.available(), "no " + ClinicalTexts.FILE + " beside the repository");
        List<String> texts = new ArrayList<>(ClinicalTexts.of("short", 15));
        texts.addAll(ClinicalTexts.of("long", 15));

        assertThat(minCosineToLangchain4j("clinical", texts)).isGreaterThanOrEqualTo(AGREEMENT);
    }

    @Test
    void agreesWithLangchain4jOnGeneralTextsAndTextsLongerThan512Tokens() {
        List<String> texts = List.of(
                "The quick brown fox jumps over the lazy dog.",
                "How do I reset my password?",
                "It's raining cats and dogs; don't forget your umbrella!",
                "Café, naïve, façade: accents are stripped by BERT's normalizer.",
                "東京は日本の首都です。",
                "Emoji 🙂 and symbols ™ © become unknown tokens or vanish.",
                "   leading and trailing spaces   ",
                "UPPER CASE and lower case give the same tokens.",
                PARAGRAPH.repeat(7),
                (PARAGRAPH + "Her daughter-in-law's pharmacist reconciled twelve medications. ").repeat(9));

        assertThat(minCosineToLangchain4j("general and long", texts)).isGreaterThanOrEqualTo(AGREEMENT);
    }

    @Test
    void batchOfTextsOfDifferentLengthsGivesTheSameEmbeddingsAsEachTextAlone() {
        List<String> texts = List.of("Diffuse hepatic steatosis.", PARAGRAPH, "Normal alignment of the cervical spine.",
                PARAGRAPH.repeat(3), "Yes.");
        float[][] together = embedInRequests(texts, 2);

        for (int i = 0; i < texts.size(); i++) {
            float[] alone = embed(List.of(texts.get(i)))[0];
            for (int j = 0; j < MiniLm.SIZE; j++) {
                assertThat(together[i][j]).as("text %d, dimension %d", i, j).isCloseTo(alone[j], within(1e-5f));
            }
        }
    }

    @Test
    void embeddingsHaveUnitLength() {
        for (float[] embedding : embed(List.of("Tear of the posterior horn of the medial meniscus.", PARAGRAPH))) {
            assertThat(MiniLm.norm(embedding)).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void embedsAnEmptyString() {
        float[] embedding = embed(List.of(""))[0];

        assertThat(MiniLm.norm(embedding)).isCloseTo(1.0, within(1e-5));
        assertThat(MiniLm.cosine(embedding, embed(List.of("Diffuse hepatic steatosis."))[0])).isLessThan(0.9);
    }

    @Test
    void answersEachRequestWithItsRowsOfOneSharedOutputBuffer() {
        List<InferenceResponse> responses = instance.execute(List.of(
                MiniLm.request("a", List.of("first", "second")), MiniLm.request("b", List.of("third"))));

        assertThat(responses).extracting(InferenceResponse::id).containsExactly("a", "b");
        assertThat(responses).allSatisfy(r -> {
            assertThat(r.modelName()).isEqualTo("minilm");
            assertThat(r.modelVersion()).isEqualTo(1);
        });
        Tensor first = responses.get(0).output("EMBEDDING");
        Tensor second = responses.get(1).output("EMBEDDING");
        assertThat(first.dataType()).isEqualTo(DataType.FP32);
        assertThat(first.shape()).isEqualTo(Shape.of(2, MiniLm.SIZE));
        assertThat(second.shape()).isEqualTo(Shape.of(1, MiniLm.SIZE));
        assertThat(first.data().address() + first.byteSize()).isEqualTo(second.data().address());

        responses.get(0).release();
        assertThat(device.usedBytes(MemoryUse.OUTPUT)).isPositive();
        responses.get(1).release();
        assertThat(device.usedBytes(MemoryUse.OUTPUT)).isZero();
        assertThat(device.usedBytes(MemoryUse.STAGING)).isZero();
    }

    @Test
    void leavesTheEmbeddingOutWhenTheRequestAsksOnlyForOtherOutputs() {
        List<InferenceResponse> responses = instance.execute(List.of(
                MiniLm.request("a", List.of("text"), List.of("OTHER")), MiniLm.request("b", List.of("text"), List.of("EMBEDDING"))));

        assertThat(responses.get(0).outputs()).isEmpty();
        assertThat(responses.get(1).outputs()).extracting(Tensor::name).containsExactly("EMBEDDING");
        responses.forEach(InferenceResponse::release);
    }

    @Test
    void failsWithNothingLeasedWhenTheStagingBudgetIsSpent(@TempDir Path otherRepository) {
        HostDevice small = new HostDevice(new HostDevice.Config(1L << 20, Map.of(MemoryUse.STAGING, 0L), true));
        try (TextEmbeddingInstance starved = new TextEmbeddingInstance(
                MiniLm.source(otherRepository, MiniLm.shippedConfig()), 1, SPEC, small)) {
            assertThatThrownBy(() -> starved.execute(List.of(MiniLm.request("a", List.of("text")))))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.RESOURCE_EXHAUSTED));
            LeakCheck.assertNoLeaks(small);
        } finally {
            small.close();
        }
    }

    /** Embeds the texts in one batch of requests and returns the lowest cosine to langchain4j's. */
    private static double minCosineToLangchain4j(String what, List<String> texts) {
        float[][] ours = embedInRequests(texts, 10);
        double min = 1;
        for (int i = 0; i < texts.size(); i++) {
            min = Math.min(min, MiniLm.cosine(ours[i], reference.embed(texts.get(i)).content().vector()));
        }
        LOG.info("min cosine to langchain4j over {} {} texts: 1 - {}", texts.size(), what, String.format("%.2e", 1 - min));
        return min;
    }

    private static float[][] embed(List<String> texts) {
        return embedInRequests(texts, texts.size());
    }

    /** Embeds the texts in one batch of requests of up to {@code perRequest} texts each. */
    private static float[][] embedInRequests(List<String> texts, int perRequest) {
        List<InferenceRequest> batch = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += perRequest) {
            batch.add(MiniLm.request("r" + from, texts.subList(from, Math.min(texts.size(), from + perRequest))));
        }
        List<float[]> rows = new ArrayList<>();
        for (InferenceResponse response : instance.execute(batch)) {
            rows.addAll(List.of(MiniLm.rows(response.output("EMBEDDING"))));
            response.release();
        }
        return rows.toArray(float[][]::new);
    }
}
