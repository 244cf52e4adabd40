package io.statim.model.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Writes a LoRA adapter folder in PEFT's format ({@value PeftAdapter#CONFIG_FILE} with the fields
 * PEFT saves, and {@value PeftAdapter#WEIGHTS_FILE} with keys
 * {@code base_model.model.<module>.lora_A.weight} {@code [r, in]} and {@code ...lora_B.weight}
 * {@code [out, r]}), for tests and benchmarks that need adapters; {@link PeftAdapter} reads them back.
 * One writer per adapter; not thread-safe.
 */
public final class PeftAdapterWriter {
    private record Module(float[] a, float[] b, int in, int out) {
    }

    private final int rank;
    private final double loraAlpha;
    private boolean useRslora;
    private SafeTensorsDType dtype = SafeTensorsDType.F32;
    private String baseModel;
    private List<String> targetModules;
    private final Map<String, Module> modules = new LinkedHashMap<>();

    /** An adapter of rank {@code r} and {@code lora_alpha}. */
    public PeftAdapterWriter(int rank, double loraAlpha) {
        if (rank < 1) {
            throw new IllegalArgumentException("rank " + rank + " must be >= 1");
        }
        this.rank = rank;
        this.loraAlpha = loraAlpha;
    }

    /** {@code use_rslora} (default false). */
    public PeftAdapterWriter useRslora(boolean value) {
        this.useRslora = value;
        return this;
    }

    /** The dtype of the weights (F32, F16 or BF16; default F32). */
    public PeftAdapterWriter dtype(SafeTensorsDType value) {
        this.dtype = value;
        return this;
    }

    /** {@code base_model_name_or_path} (default null). */
    public PeftAdapterWriter baseModel(String value) {
        this.baseModel = value;
        return this;
    }

    /** {@code target_modules} (default: the last component of each module path, as PEFT users write them). */
    public PeftAdapterWriter targetModules(List<String> value) {
        this.targetModules = List.copyOf(value);
        return this;
    }

    /**
     * Adds a module's weights: {@code a} is {@code lora_A} {@code [rank, in]} and {@code b} is
     * {@code lora_B} {@code [out, rank]}, row-major.
     */
    public PeftAdapterWriter module(String modulePath, float[] a, float[] b, int in, int out) {
        if (a.length != rank * in || b.length != out * rank) {
            throw new IllegalArgumentException("module '" + modulePath + "': lora_A needs " + rank * in + " values and lora_B "
                    + out * rank + ", got " + a.length + " and " + b.length);
        }
        modules.put(modulePath, new Module(a.clone(), b.clone(), in, out));
        return this;
    }

    /**
     * Adds a module with random weights: {@code lora_A} uniform in {@code ±1/sqrt(in)} (PEFT's Kaiming
     * init has that order) and {@code lora_B} uniform in {@code ±0.5/sqrt(rank)}, not PEFT's zeros, so
     * that the adapter changes the layer's output by a few percent.
     */
    public PeftAdapterWriter randomModule(String modulePath, int in, int out, Random random) {
        float[] a = new float[rank * in];
        float[] b = new float[out * rank];
        double aBound = 1 / Math.sqrt(in);
        double bBound = 0.5 / Math.sqrt(rank);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((random.nextDouble() * 2 - 1) * aBound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) ((random.nextDouble() * 2 - 1) * bBound);
        }
        return module(modulePath, a, b, in, out);
    }

    /** Creates {@code directory} if needed and writes both files. */
    public void write(Path directory) throws IOException {
        Files.createDirectories(directory);
        SafeTensorsWriter weights = new SafeTensorsWriter().metadata("format", "pt");
        Set<String> targets = new LinkedHashSet<>();
        for (Map.Entry<String, Module> e : modules.entrySet()) {
            Module m = e.getValue();
            String key = ModulePaths.PEFT_PREFIX + e.getKey();
            weights.add(key + ".lora_A.weight", dtype, new long[] {rank, m.in}, m.a);
            weights.add(key + ".lora_B.weight", dtype, new long[] {m.out, rank}, m.b);
            targets.add(e.getKey().substring(e.getKey().lastIndexOf('.') + 1));
        }
        weights.write(directory.resolve(PeftAdapter.WEIGHTS_FILE));
        Files.writeString(directory.resolve(PeftAdapter.CONFIG_FILE),
                config(targetModules != null ? targetModules : new ArrayList<>(targets)));
    }

    /** adapter_config.json with the fields PEFT 0.1x saves. */
    private String config(List<String> targets) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("alpha_pattern", Map.of());
        c.put("auto_mapping", null);
        c.put("base_model_name_or_path", baseModel);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("layer_replication", null);
        c.put("layers_pattern", null);
        c.put("layers_to_transform", null);
        c.put("loftq_config", Map.of());
        c.put("lora_alpha", loraAlpha);
        c.put("lora_dropout", 0.0);
        c.put("megatron_config", null);
        c.put("megatron_core", "megatron.core");
        c.put("modules_to_save", null);
        c.put("peft_type", "LORA");
        c.put("r", rank);
        c.put("rank_pattern", Map.of());
        c.put("revision", null);
        c.put("target_modules", targets);
        c.put("task_type", "FEATURE_EXTRACTION");
        c.put("use_dora", false);
        c.put("use_rslora", useRslora);
        return Json.write(c, true);
    }
}
