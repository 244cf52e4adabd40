package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

class PeftAdapterTest {
    private static final String QUERY = "encoder.layer.0.attention.self.query";
    private static final String VALUE = "encoder.layer.0.attention.self.value";

    @TempDir
    Path dir;

    private Path write(PeftAdapterWriter writer) throws IOException {
        writer.write(dir);
        return dir;
    }

    private static PeftAdapterWriter twoModules(int rank, double alpha) {
        Random random = new Random(1);
        return new PeftAdapterWriter(rank, alpha)
                .randomModule(QUERY, 32, 32, random)
                .randomModule(VALUE, 32, 48, random);
    }

    /** Rewrites one field of the written adapter_config.json (a JSON fragment such as {@code "x": 1}). */
    private void setConfig(String field, String json) throws IOException {
        Path config = dir.resolve(PeftAdapter.CONFIG_FILE);
        String text = Files.readString(config);
        String replaced = text.replaceFirst("\"" + field + "\" : [^\\n]*?(,?)\\n", "\"" + field + "\" : " + json.replace("\\", "\\\\") + "$1\n");
        if (replaced.equals(text)) {
            replaced = text.replaceFirst("\\{", "{\n  \"" + field + "\" : " + json.replace("\\", "\\\\") + ",");
        }
        Files.writeString(config, replaced);
    }

    private void assertInvalid(String... fragments) {
        assertThatThrownBy(() -> PeftAdapter.open(dir).close())
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContainingAll(fragments);
    }

    @Test
    void readsModulesRankAndScale() throws IOException {
        try (PeftAdapter adapter = PeftAdapter.open(write(twoModules(8, 16).baseModel("sentence-transformers/all-MiniLM-L6-v2")))) {
            assertThat(adapter.rank()).isEqualTo(8);
            assertThat(adapter.scale()).isEqualTo(2f);
            assertThat(adapter.targetModules()).containsExactly("query", "value");
            assertThat(adapter.baseModel()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
            assertThat(adapter.modules()).extracting(LoraWeights::modulePath).containsExactly(QUERY, VALUE);
            LoraWeights value = adapter.module(VALUE);
            assertThat(value.rank()).isEqualTo(8);
            assertThat(value.in()).isEqualTo(32);
            assertThat(value.out()).isEqualTo(48);
            assertThat(value.a().name()).isEqualTo("base_model.model." + VALUE + ".lora_A.weight");
            assertThat(adapter.weightBytes()).isEqualTo(4L * (8 * 32 + 32 * 8 + 8 * 32 + 48 * 8));
        }
    }

    @Test
    void scalesByTheSquareRootOfTheRankWithRsLora() throws IOException {
        try (PeftAdapter adapter = PeftAdapter.open(write(twoModules(16, 8).useRslora(true)))) {
            assertThat(adapter.scale()).isCloseTo(2f, within(1e-7f));
        }
    }

    @Test
    void acceptsASingleExactModuleName() throws IOException {
        write(new PeftAdapterWriter(4, 4).randomModule(QUERY, 8, 8, new Random(2)));
        setConfig("target_modules", "\"" + QUERY + "\"");
        try (PeftAdapter adapter = PeftAdapter.open(dir)) {
            assertThat(adapter.targetModules()).containsExactly(QUERY);
        }
    }

    @Test
    void refusesARegularExpressionAsTargetModules() throws IOException {
        write(twoModules(4, 4));
        setConfig("target_modules", "\".*\\\\.(query|value)\"");
        assertInvalid("target_modules is the regular expression", "supports a list of module names");
    }

    @Test
    void refusesModulesToSave() throws IOException {
        write(twoModules(4, 4));
        setConfig("modules_to_save", "[\"classifier\"]");
        assertInvalid("modules_to_save", "not supported");
    }

    @Test
    void refusesRankAndAlphaPatterns() throws IOException {
        write(twoModules(4, 4));
        setConfig("rank_pattern", "{\"query\": 8}");
        assertInvalid("rank_pattern", "not supported");
        write(twoModules(4, 4));
        setConfig("alpha_pattern", "{\"query\": 8}");
        assertInvalid("alpha_pattern", "not supported");
    }

    @Test
    void refusesOtherPeftTypesAndDora() throws IOException {
        write(twoModules(4, 4));
        setConfig("peft_type", "\"IA3\"");
        assertInvalid("peft_type 'IA3' is not supported");
        write(twoModules(4, 4));
        setConfig("use_dora", "true");
        assertInvalid("use_dora (DoRA) is not supported");
    }

    @Test
    void refusesABadRank() throws IOException {
        write(twoModules(4, 4));
        setConfig("r", "0");
        assertInvalid("r must be an integer >= 1");
    }

    @Test
    void refusesWeightsWhoseRankDiffersFromR() throws IOException {
        write(twoModules(4, 4));
        setConfig("r", "8");
        assertInvalid("tensor 'base_model.model." + QUERY + ".lora_A.weight'", "shape [4, 32] does not fit lora_A [r=8, in]");
    }

    @Test
    void refusesAnAWithoutItsB() throws IOException {
        new SafeTensorsWriter()
                .add("base_model.model." + QUERY + ".lora_A.weight", SafeTensorsDType.F32, new long[] {4, 8}, new float[32])
                .write(Files.createDirectories(dir).resolve(PeftAdapter.WEIGHTS_FILE));
        new PeftAdapterWriter(4, 4).randomModule(QUERY, 8, 8, new Random(1)).write(dir.resolve("unused"));
        Files.copy(dir.resolve("unused").resolve(PeftAdapter.CONFIG_FILE), dir.resolve(PeftAdapter.CONFIG_FILE));
        assertInvalid("tensor 'base_model.model." + QUERY + ".lora_A.weight' has no matching lora_B tensor");
    }

    @Test
    void refusesABWithoutItsA() throws IOException {
        new SafeTensorsWriter()
                .add("base_model.model." + QUERY + ".lora_B.weight", SafeTensorsDType.F32, new long[] {8, 4}, new float[32])
                .write(Files.createDirectories(dir).resolve(PeftAdapter.WEIGHTS_FILE));
        new PeftAdapterWriter(4, 4).randomModule(QUERY, 8, 8, new Random(1)).write(dir.resolve("unused"));
        Files.copy(dir.resolve("unused").resolve(PeftAdapter.CONFIG_FILE), dir.resolve(PeftAdapter.CONFIG_FILE));
        assertInvalid("tensor 'base_model.model." + QUERY + ".lora_B.weight' has no matching lora_A tensor");
    }

    @Test
    void refusesIntegerWeights() throws IOException {
        write(twoModules(4, 4));
        new SafeTensorsWriter()
                .addRaw("base_model.model." + QUERY + ".lora_A.weight", SafeTensorsDType.I32, new long[] {4, 8}, new byte[128])
                .add("base_model.model." + QUERY + ".lora_B.weight", SafeTensorsDType.F32, new long[] {8, 4}, new float[32])
                .write(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        assertInvalid("lora_A.weight' dtype I32 is not supported");
    }

    @Test
    void refusesModulesThatTargetModulesDoesNotName() throws IOException {
        write(twoModules(4, 4).targetModules(List.of("query")));
        assertInvalid("module '" + VALUE + "' is not named by target_modules [query]");
    }

    @Test
    void refusesTensorsThatAreNotLoraWeights() throws IOException {
        write(twoModules(4, 4));
        new SafeTensorsWriter()
                .add("base_model.model.embeddings.word_embeddings.lora_embedding_A", SafeTensorsDType.F32, new long[] {4, 8}, new float[32])
                .write(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        assertInvalid("lora_embedding_A' LoRA on embedding layers is not supported");
        new SafeTensorsWriter()
                .add("base_model.model.classifier.weight", SafeTensorsDType.F32, new long[] {4, 8}, new float[32])
                .write(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        assertInvalid("tensor 'base_model.model.classifier.weight' is not a LoRA weight");
    }

    @Test
    void refusesPickleWeightsAndMissingFiles() throws IOException {
        Files.createDirectories(dir);
        assertInvalid("no adapter_config.json");
        write(twoModules(4, 4));
        Files.move(dir.resolve(PeftAdapter.WEIGHTS_FILE), dir.resolve(PeftAdapter.PICKLE_WEIGHTS_FILE));
        assertInvalid("adapter_model.bin (a PyTorch pickle) is not supported");
    }

    @Test
    void refusesCorruptConfigJson() throws IOException {
        write(twoModules(4, 4));
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), "{\"r\": 4,");
        assertInvalid("adapter_config.json is not valid JSON");
    }
}
