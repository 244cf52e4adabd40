package io.statim.runtime.lora;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.statim.model.lora.LoraMerge;
import io.statim.model.lora.PeftAdapter;
import io.statim.model.lora.PeftAdapterWriter;
import io.statim.model.lora.SafeTensorsDType;
import io.statim.model.onnx.TestModels;
import io.statim.runtime.AdapterBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Test fixtures for LoRA serving: random PEFT adapters over {@code lora_toy}'s layers, reference
 * outputs of the base and merged-weight models on ONNX Runtime, and a binding with a fixed slot.
 * Shared with the scheduler's tests through the test jar.
 */
public final class LoraFixtures {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private LoraFixtures() {
    }

    /**
     * Writes a random adapter of rank {@code rank} over {@code layers} into {@code dir/name} and
     * returns the folder; the dtype cycles F32, F16, BF16 with the seed so every format is served.
     */
    public static Path adapter(Path dir, String name, int rank, long seed, List<TestModels.Linear> layers) {
        Random random = new Random(seed);
        SafeTensorsDType dtype = List.of(SafeTensorsDType.F32, SafeTensorsDType.F16, SafeTensorsDType.BF16).get((int) Math.floorMod(seed, 3));
        PeftAdapterWriter writer = new PeftAdapterWriter(rank, 2.0 * rank).dtype(dtype);
        for (TestModels.Linear layer : layers) {
            writer.randomModule(layer.modulePath(), layer.in(), layer.out(), random);
        }
        Path folder = dir.resolve(name);
        try {
            writer.write(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return folder;
    }

    /** The layers of {@code lora_toy} whose module path ends with one of {@code suffixes}. */
    public static List<TestModels.Linear> toyLayers(String... suffixes) {
        return TestModels.loraToyLayers().stream()
                .filter(l -> suffixes.length == 0 || List.of(suffixes).stream().anyMatch(s -> l.modulePath().endsWith("." + s)))
                .toList();
    }

    /** Gaussian input values for {@code rows x seq x LORA_TOY_HIDDEN}. */
    public static float[] input(int rows, int seq, long seed) {
        Random random = new Random(seed);
        float[] x = new float[rows * seq * TestModels.LORA_TOY_HIDDEN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** {@code lora_toy}'s base model with the adapter in {@code folder} merged into its weights. */
    public static ModelProto merged(Path folder) {
        try (PeftAdapter adapter = PeftAdapter.open(folder)) {
            return LoraMerge.merge(TestModels.loraToy(), adapter);
        }
    }

    /** Runs a {@code lora_toy}-shaped model on {@code x} ({@code [rows, seq, hidden]}): one flat output row per input row. */
    public static float[][] run(ModelProto model, float[] x, int rows, int seq) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = ENV.createSession(model.toByteArray(), options);
                 OnnxTensor input = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x),
                         new long[] {rows, seq, TestModels.LORA_TOY_HIDDEN});
                 OrtSession.Result result = session.run(Map.of(TestModels.LORA_TOY_INPUT, input))) {
                float[] flat = new float[rows * seq * TestModels.LORA_TOY_HIDDEN];
                ((OnnxTensor) result.get(0)).getFloatBuffer().get(flat);
                return split(flat, rows);
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Splits a flat array into {@code rows} equal rows. */
    public static float[][] split(float[] flat, int rows) {
        int width = flat.length / rows;
        float[][] out = new float[rows][width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * width, out[r], 0, width);
        }
        return out;
    }

    /** {@code max |actual - expected| / max |expected|}. */
    public static double relativeError(float[] actual, float[] expected) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    /** A binding that always reports the same slot and counts its releases. */
    public static final class FixedSlot implements AdapterBinding {
        private final String name;
        private final int slot;
        public final java.util.concurrent.atomic.AtomicInteger releases = new java.util.concurrent.atomic.AtomicInteger();

        public FixedSlot(String name, int slot) {
            this.name = name;
            this.slot = slot;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int slot() {
            return slot;
        }

        @Override
        public void release() {
            releases.incrementAndGet();
        }
    }
}
