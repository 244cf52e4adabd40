package io.statim.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

class LoraConfigTest {
    private static final String IO = "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ -1, 4 ] } ]\n"
            + "output [ { name: \"Y\" data_type: TYPE_FP32 dims: [ -1, 4 ] } ]\n";

    private static ModelConfig parse(String extra) {
        return ModelConfigParser.parse("max_batch_size: 8\n" + IO + extra, "config.pbtxt", "m");
    }

    private static String parameter(String key, String value) {
        return "parameters { key: \"" + key + "\" value { string_value: \"" + value + "\" } }\n";
    }

    private static void assertRejected(String extra, String... fragments) {
        assertThatThrownBy(() -> parse(extra))
                .isInstanceOf(StatusException.class)
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContainingAll(fragments);
    }

    @Test
    void aModelWithoutTargetModulesHasNoLora() {
        ModelConfig config = parse("");

        assertThat(config.lora()).isNull();
        assertThat(config.loraEnabled()).isFalse();
    }

    @Test
    void targetModulesAloneGiveTheDefaults() {
        LoraConfig lora = parse(parameter("lora_target_modules", "query, value")).lora();

        assertThat(lora.targetModules()).containsExactly("query", "value");
        assertThat(lora.slots()).isEqualTo(64);
        assertThat(lora.poolSlots()).isEqualTo(65);
        assertThat(lora.maxRank()).isEqualTo(16);
        assertThat(lora.hostMemoryBytes()).isEqualTo(1L << 30);
        assertThat(lora.preload()).isEmpty();
    }

    @Test
    void bindsEveryParameter() {
        LoraConfig lora = parse(parameter("lora_target_modules", "query,key,attention.output.dense")
                + parameter("lora_slots", "8")
                + parameter("lora_max_rank", "64")
                + parameter("lora_host_memory_bytes", "1048576")
                + parameter("lora_adapters", "smoking=adapters/smoking, imaging=/srv/imaging")).lora();

        assertThat(lora.targetModules()).containsExactly("query", "key", "attention.output.dense");
        assertThat(lora.slots()).isEqualTo(8);
        assertThat(lora.maxRank()).isEqualTo(64);
        assertThat(lora.hostMemoryBytes()).isEqualTo(1 << 20);
        assertThat(lora.preload()).containsExactly(Map.entry("smoking", "adapters/smoking"), Map.entry("imaging", "/srv/imaging"));
    }

    @Test
    void otherLoraParametersWithoutTargetModulesAreAnError() {
        assertRejected(parameter("lora_slots", "8"), "config.pbtxt:4", "'lora_slots' needs parameter 'lora_target_modules'");
        assertRejected(parameter("lora_adapters", "a=b"), "'lora_adapters' needs parameter 'lora_target_modules'");
    }

    @Test
    void rejectsNumbersOutOfRangeWithTheValue() {
        String targets = parameter("lora_target_modules", "query");
        assertRejected(targets + parameter("lora_slots", "0"), "config.pbtxt:5", "'lora_slots'=0 must be in [1, 4096]");
        assertRejected(targets + parameter("lora_max_rank", "x"), "'lora_max_rank' is 'x', which is not an integer");
        assertRejected(targets + parameter("lora_max_rank", "2000"), "'lora_max_rank'=2000 must be in [1, 1024]");
        assertRejected(targets + parameter("lora_host_memory_bytes", "-1"), "'lora_host_memory_bytes'=-1");
    }

    @Test
    void rejectsEmptyOrRepeatedModules() {
        assertRejected(parameter("lora_target_modules", "query,,value"), "empty module name");
        assertRejected(parameter("lora_target_modules", "query,query"), "names module 'query' twice");
    }

    @Test
    void rejectsMalformedPreloads() {
        String targets = parameter("lora_target_modules", "query");
        assertRejected(targets + parameter("lora_adapters", "nopath"), "entry 'nopath' is not name=path");
        assertRejected(targets + parameter("lora_adapters", "a b=x"), "adapter name 'a b'");
        assertRejected(targets + parameter("lora_adapters", "a="), "adapter 'a' has an empty path");
        assertRejected(targets + parameter("lora_adapters", "a=x,a=y"), "names adapter 'a' twice");
    }

    @Test
    void loraIsRefusedWithSequenceBatching() {
        assertRejected(parameter("lora_target_modules", "query") + "sequence_batching { }\n", "not supported with sequence_batching");
    }

    @Test
    void aConfigBuiltInCodeBindsLoraFromItsParameters() {
        ModelConfig config = new ModelConfig("m", "onnxruntime_onnx", "onnxruntime", 8, List.of(), List.of(), List.of(),
                Map.of("lora_target_modules", "query", "lora_slots", "3"), VersionPolicy.DEFAULT, ModelConfig.DEFAULT_MODEL_FILENAME);

        assertThat(config.lora().slots()).isEqualTo(3);
        assertThatThrownBy(() -> new ModelConfig("m", "onnxruntime_onnx", "onnxruntime", 8, List.of(), List.of(), List.of(),
                Map.of("lora_slots", "3"), VersionPolicy.DEFAULT, ModelConfig.DEFAULT_MODEL_FILENAME))
                .hasMessageContaining("model 'm': parameter 'lora_slots' needs");
    }

    @Test
    void adapterNamesAreUrlAndLabelSafe() {
        assertThat(LoraConfig.isValidAdapterName("smoking-status_v1.2")).isTrue();
        assertThat(LoraConfig.isValidAdapterName("a".repeat(128))).isTrue();
        assertThat(LoraConfig.isValidAdapterName("a".repeat(129))).isFalse();
        assertThat(LoraConfig.isValidAdapterName("")).isFalse();
        assertThat(LoraConfig.isValidAdapterName("..")).isFalse();
        assertThat(LoraConfig.isValidAdapterName("a/b")).isFalse();
        assertThat(LoraConfig.isValidAdapterName("é")).isFalse();
    }
}
