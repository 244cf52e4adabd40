package io.statim.model.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A batch that mixes adapters (and rows without one) through the rewritten graph returns, row by row,
 * what the base model with that row's adapter merged into its weights returns: on a toy BERT and on
 * the real all-MiniLM-L6-v2.
 */
class LoraEquivalenceTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoraEquivalenceTest.class);
    private static final double TOLERANCE = 1e-4;
    private static final List<String> BERT_TARGETS =
            List.of("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense");

    @TempDir
    Path dir;

    /** Writes a random adapter over the given layers (module path → {in, out}). */
    private PeftAdapter adapter(String name, List<LinearLayer> layers, int rank, double alpha, boolean rslora,
                                SafeTensorsDType dtype, long seed) throws IOException {
        Random random = new Random(seed);
        PeftAdapterWriter writer = new PeftAdapterWriter(rank, alpha).useRslora(rslora).dtype(dtype);
        for (LinearLayer layer : layers) {
            writer.randomModule(layer.modulePath(), layer.in(), layer.out(), random);
        }
        writer.write(dir.resolve(name));
        return PeftAdapter.open(dir.resolve(name));
    }

    private static List<LinearLayer> only(List<LinearLayer> layers, String... suffixes) {
        List<LinearLayer> kept = new ArrayList<>();
        for (LinearLayer layer : layers) {
            for (String suffix : suffixes) {
                if (ModulePaths.matches(layer.modulePath(), suffix)) {
                    kept.add(layer);
                    break;
                }
            }
        }
        return kept;
    }

    private static void report(String what, LoraHarness.Comparison c) {
        LOG.info("{}: {} rows, max relative error {}, min adapter effect {}", what, c.rows(), String.format("%.3e", c.maxRelativeError()),
                String.format("%.3e", c.minAdapterEffect()));
    }

    @Test
    void mixedBatchOnToyBertMatchesMergedModelsRowByRow() throws Exception {
        ModelProto base = ToyBert.build(2, 7, true);
        List<LinearLayer> layers = LinearLayers.of(base.getGraph());
        List<PeftAdapter> adapters = List.of(
                adapter("r4", only(layers, "query", "value"), 4, 8, false, SafeTensorsDType.F32, 1),
                adapter("r16", layers, 16, 32, true, SafeTensorsDType.F16, 2),
                adapter("r64", layers, 64, 128, false, SafeTensorsDType.BF16, 3));
        try {
            LoraGraphRewrite.Result rewritten = LoraGraphRewrite.rewrite(base, BERT_TARGETS, 5, 64);
            long[] rowSlots = {1, 0, 2, 3, 2, 0, 1, 3, 3};
            int seq = 7;
            float[] hidden = new float[rowSlots.length * seq * ToyBert.HIDDEN];
            Random random = new Random(11);
            for (int i = 0; i < hidden.length; i++) {
                hidden[i] = (float) random.nextGaussian();
            }
            LoraHarness.Comparison c = LoraHarness.compare(base, rewritten, adapters, rowSlots, env -> {
                try {
                    return Map.of(ToyBert.INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(hidden),
                            new long[] {rowSlots.length, seq, ToyBert.HIDDEN}));
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            });
            report("toy BERT (2 layers, ranks 4/16/64, F32/F16/BF16)", c);
            assertThat(c.rows()).isEqualTo(rowSlots.length);
            assertThat(c.maxRelativeError()).isLessThanOrEqualTo(TOLERANCE);
            assertThat(c.minAdapterEffect()).as("adapters change the output").isGreaterThan(1e-2);
        } finally {
            adapters.forEach(PeftAdapter::close);
        }
    }

    @Test
    void mixedBatchOnToyBertWithUnscopedNodeNamesMatchesMergedModels() throws Exception {
        ModelProto base = ToyBert.build(2, 8, false);
        List<LinearLayer> layers = LinearLayers.of(base.getGraph());
        assertThat(layers).hasSize(12);
        List<PeftAdapter> adapters = List.of(adapter("r8", layers, 8, 16, false, SafeTensorsDType.F32, 4));
        try {
            LoraGraphRewrite.Result rewritten = LoraGraphRewrite.rewrite(base, BERT_TARGETS, 2, 8);
            long[] rowSlots = {0, 1, 1, 0};
            float[] hidden = new float[rowSlots.length * 5 * ToyBert.HIDDEN];
            Random random = new Random(12);
            for (int i = 0; i < hidden.length; i++) {
                hidden[i] = (float) random.nextGaussian();
            }
            LoraHarness.Comparison c = LoraHarness.compare(base, rewritten, adapters, rowSlots, env -> {
                try {
                    return Map.of(ToyBert.INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(hidden),
                            new long[] {rowSlots.length, 5, ToyBert.HIDDEN}));
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            });
            report("toy BERT, unscoped node names (rank 8)", c);
            assertThat(c.maxRelativeError()).isLessThanOrEqualTo(TOLERANCE);
            assertThat(c.minAdapterEffect()).isGreaterThan(1e-2);
        } finally {
            adapters.forEach(PeftAdapter::close);
        }
    }

    @Test
    void mixedBatchOnMiniLmMatchesMergedModelsRowByRow() throws Exception {
        ModelProto base = MiniLmOnnx.model();
        List<LinearLayer> layers = LinearLayers.of(base.getGraph());
        List<PeftAdapter> adapters = List.of(
                adapter("m4", only(layers, "query", "value"), 4, 8, false, SafeTensorsDType.F32, 21),
                adapter("m16", layers, 16, 16, true, SafeTensorsDType.F16, 22),
                adapter("m64", layers, 64, 64, false, SafeTensorsDType.BF16, 23));
        try {
            LoraGraphRewrite.Result rewritten = LoraGraphRewrite.rewrite(base, BERT_TARGETS, 4, 64);
            assertThat(rewritten.layout().targets()).hasSize(36);
            long[] rowSlots = {2, 0, 1, 3, 1, 0, 3, 2};
            int batch = rowSlots.length;
            int seq = 12;
            long[] ids = new long[batch * seq];
            long[] mask = new long[batch * seq];
            long[] types = new long[batch * seq];
            Random random = new Random(31);
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < seq; s++) {
                    int i = b * seq + s;
                    ids[i] = s == 0 ? 101 : s == seq - 1 ? 102 : 1000 + random.nextInt(20000);
                    mask[i] = 1;
                }
            }
            long[] shape = {batch, seq};
            LoraHarness.Comparison c = LoraHarness.compare(base, rewritten, adapters, rowSlots, env -> {
                try {
                    return Map.of(
                            "input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape),
                            "attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape),
                            "token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            });
            report("all-MiniLM-L6-v2 (36 targets, ranks 4/16/64, F32/F16/BF16)", c);
            assertThat(c.rows()).isEqualTo(batch);
            assertThat(c.maxRelativeError()).isLessThanOrEqualTo(TOLERANCE);
            assertThat(c.minAdapterEffect()).isGreaterThan(1e-2);
        } finally {
            adapters.forEach(PeftAdapter::close);
        }
    }
}
