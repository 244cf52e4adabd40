package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

class LoraMergeTest {
    private static final String QUERY = "encoder.layer.0.attention.self.query";

    @TempDir
    Path dir;

    private static float[] weight(ModelProto model, String name) {
        TensorProto w = model.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
        if (w.getFloatDataCount() > 0) {
            float[] values = new float[w.getFloatDataCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = w.getFloatData(i);
            }
            return values;
        }
        float[] values = new float[w.getRawData().size() / 4];
        w.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    @Test
    void addsTheTransposedProductTimesScaleToTheOnnxWeight() throws IOException {
        ModelProto base = ToyBert.build(1, 5, true);
        new PeftAdapterWriter(3, 6).randomModule(QUERY, ToyBert.HIDDEN, ToyBert.HIDDEN, new Random(4)).write(dir);
        try (PeftAdapter adapter = PeftAdapter.open(dir)) {
            LinearLayer query = LinearLayers.of(base.getGraph()).getFirst();
            ModelProto merged = LoraMerge.merge(base, adapter);
            float[] before = weight(base, query.weight());
            float[] after = weight(merged, query.weight());
            float[] a = adapter.module(QUERY).a().toFloatArray();
            float[] b = adapter.module(QUERY).b().toFloatArray();
            int in = ToyBert.HIDDEN;
            int out = ToyBert.HIDDEN;
            for (int i = 0; i < in; i++) {
                for (int o = 0; o < out; o++) {
                    double delta = 0;
                    for (int j = 0; j < 3; j++) {
                        delta += (double) b[o * 3 + j] * a[j * in + i];
                    }
                    assertThat((double) after[i * out + o]).isCloseTo(before[i * out + o] + 2 * delta, within(1e-6));
                }
            }
            LinearLayer key = LinearLayers.of(base.getGraph()).get(1);
            assertThat(weight(merged, key.weight())).containsExactly(weight(base, key.weight()));
        }
    }

    @Test
    void refusesAModuleTheBaseLacks() throws IOException {
        new PeftAdapterWriter(2, 2).randomModule("encoder.layer.3.attention.self.query", ToyBert.HIDDEN, ToyBert.HIDDEN, new Random(1))
                .write(dir);
        try (PeftAdapter adapter = PeftAdapter.open(dir)) {
            assertThatThrownBy(() -> LoraMerge.merge(ToyBert.build(1, 5, true), adapter))
                    .hasMessageContaining("is for module 'encoder.layer.3.attention.self.query', which base model 'toy_bert' has no linear layer");
        }
    }
}
