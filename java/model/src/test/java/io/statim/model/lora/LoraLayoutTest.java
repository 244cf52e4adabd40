package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

class LoraLayoutTest {
    private static final LoraLayout LAYOUT =
            LoraGraphRewrite.rewrite(ToyBert.build(2, 3, true), List.of("query", "value", "intermediate.dense"), 4, 16).layout();
    private static final String QUERY = "encoder.layer.0.attention.self.query";

    @TempDir
    Path dir;

    private PeftAdapter adapter(int rank, String module, int in, int out) throws IOException {
        new PeftAdapterWriter(rank, rank).randomModule(module, in, out, new Random(1)).write(dir);
        return PeftAdapter.open(dir);
    }

    private static void assertInvalid(PeftAdapter adapter, String... fragments) {
        try (adapter) {
            assertThatThrownBy(() -> LAYOUT.check(adapter))
                    .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                    .hasMessageContainingAll(fragments);
        }
    }

    @Test
    void acceptsAnAdapterForSomeOfTheTargets() throws IOException {
        try (PeftAdapter adapter = adapter(16, QUERY, ToyBert.HIDDEN, ToyBert.HIDDEN)) {
            LAYOUT.check(adapter);
        }
    }

    @Test
    void mapsPathsWithABackboneOrPeftPrefix() throws IOException {
        assertThat(LAYOUT.target("bert." + QUERY)).map(LoraTarget::modulePath).contains(QUERY);
        assertThat(LAYOUT.target("base_model.model.bert." + QUERY)).map(LoraTarget::modulePath).contains(QUERY);
        try (PeftAdapter adapter = adapter(4, "bert." + QUERY, ToyBert.HIDDEN, ToyBert.HIDDEN)) {
            LAYOUT.check(adapter);
        }
    }

    @Test
    void refusesAModuleTheBaseHasNoTargetFor() throws IOException {
        assertInvalid(adapter(4, "encoder.layer.0.attention.self.key", ToyBert.HIDDEN, ToyBert.HIDDEN),
                "tensor 'base_model.model.encoder.layer.0.attention.self.key.lora_A.weight'",
                "is for module 'encoder.layer.0.attention.self.key', which base model 'toy_bert' has no LoRA target for");
        assertInvalid(adapter(4, "encoder.layer.7.attention.self.query", ToyBert.HIDDEN, ToyBert.HIDDEN),
                "module 'encoder.layer.7.attention.self.query'");
    }

    @Test
    void refusesWrongWidths() throws IOException {
        assertInvalid(adapter(4, QUERY, 48, ToyBert.HIDDEN),
                "tensor 'base_model.model." + QUERY + ".lora_A.weight' has shape [4, 48] but layer '" + QUERY + "' takes 32 inputs");
        assertInvalid(adapter(4, "encoder.layer.1.intermediate.dense", ToyBert.HIDDEN, ToyBert.HIDDEN),
                "lora_B.weight' has shape [32, 4] but layer 'encoder.layer.1.intermediate.dense' has 64 outputs");
    }

    @Test
    void refusesARankAboveTheMaxRank() throws IOException {
        assertInvalid(adapter(32, QUERY, ToyBert.HIDDEN, ToyBert.HIDDEN),
                "tensor 'base_model.model." + QUERY + ".lora_A.weight' has rank 32, more than the max rank 16");
    }
}
