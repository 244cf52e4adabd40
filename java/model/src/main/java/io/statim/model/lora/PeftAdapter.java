package io.statim.model.lora;

import com.fasterxml.jackson.core.JacksonException;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A LoRA adapter in PEFT's format: a folder with {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE},
 * read and validated as a whole, its weights mapped off-heap without copying.
 *
 * <p>Config fields read: {@code peft_type} (must be {@code LORA}), {@code r} (>= 1), {@code lora_alpha},
 * {@code target_modules} (a list of names, matched as PEFT does: a module is targeted when its path
 * equals a name or ends with {@code "." + name}; a single string is taken as one exact name, and one
 * that looks like a regular expression is refused), {@code use_rslora} (scale
 * {@code lora_alpha / sqrt(r)} instead of {@code lora_alpha / r}), {@code fan_in_fan_out} (accepted:
 * it changes the layout of the base layer's torch weight, not that of {@code lora_A}/{@code lora_B}),
 * {@code base_model_name_or_path} (kept for information). Refused with a message saying so:
 * non-empty {@code modules_to_save}, {@code rank_pattern}, {@code alpha_pattern} or
 * {@code layer_replication}, {@code use_dora}, {@code bias} other than {@code none}, {@code lora_bias}.
 * Other fields (dropout, init, task type, ...) do not matter for inference and are ignored.
 *
 * <p>Weights: keys {@code base_model.model.<module>.lora_A.weight} ({@code [r, in]}) and
 * {@code ...lora_B.weight} ({@code [out, r]}), F32, F16 or BF16; every A has its B and back, every
 * rank equals {@code r}, every module is one that {@code target_modules} names. Embedding LoRA,
 * DoRA magnitudes and bias tensors are refused. Whether the modules and their widths fit a base model
 * is checked by {@link LoraLayout#check}.
 *
 * <p>Every error is a {@link StatusException} with {@code INVALID_ARGUMENT} naming the folder, and
 * the tensor or field. Ownership is that of {@link SafeTensors}: {@link #open(Path, Arena)} maps into
 * the caller's arena, {@link #open(Path)} into one of its own that {@link #close()} releases. Immutable
 * once open; safe for any thread while open.
 */
public final class PeftAdapter implements AutoCloseable {
    /** PEFT's config file name. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** PEFT's safetensors weights file name. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** PEFT's pickle weights file name, refused. */
    public static final String PICKLE_WEIGHTS_FILE = "adapter_model.bin";
    /** The largest adapter_config.json read, in bytes. */
    public static final long MAX_CONFIG_BYTES = 1 << 20;

    private static final String A_SUFFIX = ".lora_A.weight";
    private static final String B_SUFFIX = ".lora_B.weight";
    /** Regular-expression syntax other than '.', which module paths use as their separator. */
    private static final Pattern REGEX_SYNTAX = Pattern.compile("[\\\\^$*+?()\\[\\]{}|]");

    private final Path directory;
    private final SafeTensors weights;
    private final int rank;
    private final double loraAlpha;
    private final boolean useRslora;
    private final boolean fanInFanOut;
    private final List<String> targetModules;
    private final String baseModel;
    private final float scale;
    private final Map<String, LoraWeights> modules;

    private PeftAdapter(Path directory, SafeTensors weights, Config config, Map<String, LoraWeights> modules) {
        this.directory = directory;
        this.weights = weights;
        this.rank = config.rank;
        this.loraAlpha = config.loraAlpha;
        this.useRslora = config.useRslora;
        this.fanInFanOut = config.fanInFanOut;
        this.targetModules = config.targetModules;
        this.baseModel = config.baseModel;
        this.scale = config.scale();
        this.modules = modules;
    }

    /** Reads and validates the adapter in {@code directory}, mapping its weights into the caller's arena. */
    public static PeftAdapter open(Path directory, Arena arena) {
        Config config = readConfig(directory);
        SafeTensors weights = SafeTensors.open(weightsFile(directory), arena);
        return new PeftAdapter(directory, weights, config, modules(directory, weights, config));
    }

    /** Reads and validates the adapter in {@code directory}, mapping its weights into an arena of its own. */
    public static PeftAdapter open(Path directory) {
        Config config = readConfig(directory);
        SafeTensors weights = SafeTensors.open(weightsFile(directory));
        try {
            return new PeftAdapter(directory, weights, config, modules(directory, weights, config));
        } catch (RuntimeException | Error e) {
            weights.close();
            throw e;
        }
    }

    private record Config(int rank, double loraAlpha, boolean useRslora, boolean fanInFanOut,
                          List<String> targetModules, String baseModel) {
        float scale() {
            return (float) (useRslora ? loraAlpha / Math.sqrt(rank) : loraAlpha / rank);
        }
    }

    private static Config readConfig(Path directory) {
        Path file = directory.resolve(CONFIG_FILE);
        Object parsed;
        try {
            if (!Files.isRegularFile(file)) {
                throw invalid(directory, "no " + CONFIG_FILE + " (is this a PEFT adapter folder?)");
            }
            if (Files.size(file) > MAX_CONFIG_BYTES) {
                throw invalid(directory, CONFIG_FILE + " is larger than " + MAX_CONFIG_BYTES + " bytes");
            }
            parsed = Json.parse(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw invalid(directory, CONFIG_FILE + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new StatusException(Status.invalidArgument("adapter " + directory + ": " + CONFIG_FILE + " cannot be read: "
                    + e.getClass().getSimpleName()), e);
        }
        if (!(parsed instanceof Map<?, ?> root)) {
            throw invalid(directory, CONFIG_FILE + " is not a JSON object");
        }
        String peftType = text(directory, root, "peft_type");
        if (!"LORA".equals(peftType)) {
            throw invalid(directory, "peft_type " + (peftType == null ? "is missing" : "'" + peftType + "' is not supported")
                    + "; Statim serves LORA adapters");
        }
        if (!(root.get("r") instanceof Long r) || r < 1 || r > Integer.MAX_VALUE) {
            throw invalid(directory, "r must be an integer >= 1");
        }
        if (!(root.get("lora_alpha") instanceof Number alpha) || !Double.isFinite(alpha.doubleValue())) {
            throw invalid(directory, "lora_alpha must be a number");
        }
        refuseNonEmpty(directory, root, "modules_to_save", "modules_to_save (fully trained extra modules) is not supported");
        refuseNonEmpty(directory, root, "rank_pattern", "rank_pattern (per-module ranks) is not supported");
        refuseNonEmpty(directory, root, "alpha_pattern", "alpha_pattern (per-module alphas) is not supported");
        refuseNonEmpty(directory, root, "layer_replication", "layer_replication is not supported");
        if (flag(directory, root, "use_dora")) {
            throw invalid(directory, "use_dora (DoRA) is not supported");
        }
        if (flag(directory, root, "lora_bias")) {
            throw invalid(directory, "lora_bias is not supported");
        }
        String bias = text(directory, root, "bias");
        if (bias != null && !bias.equals("none")) {
            throw invalid(directory, "bias '" + bias + "' is not supported; only 'none' (no bias tensors)");
        }
        return new Config(r.intValue(), alpha.doubleValue(), flag(directory, root, "use_rslora"),
                flag(directory, root, "fan_in_fan_out"), targetModules(directory, root.get("target_modules")),
                text(directory, root, "base_model_name_or_path"));
    }

    private static List<String> targetModules(Path directory, Object node) {
        if (node == null) {
            throw invalid(directory, "target_modules is missing");
        }
        List<String> names = new ArrayList<>();
        if (node instanceof String name) {
            if (REGEX_SYNTAX.matcher(name).find()) {
                throw invalid(directory, "target_modules is the regular expression '" + name
                        + "'; Statim supports a list of module names");
            }
            names.add(name);
        } else if (node instanceof List<?> list) {
            for (Object name : list) {
                if (!(name instanceof String text) || text.isEmpty()) {
                    throw invalid(directory, "target_modules must hold non-empty strings");
                }
                names.add(text);
            }
        } else {
            throw invalid(directory, "target_modules must be a list of module names");
        }
        if (names.isEmpty()) {
            throw invalid(directory, "target_modules is empty");
        }
        return List.copyOf(names);
    }

    private static Path weightsFile(Path directory) {
        Path file = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) {
            if (Files.exists(directory.resolve(PICKLE_WEIGHTS_FILE))) {
                throw invalid(directory, PICKLE_WEIGHTS_FILE + " (a PyTorch pickle) is not supported; save the adapter with"
                        + " safe_serialization=True to get " + WEIGHTS_FILE);
            }
            throw invalid(directory, "no " + WEIGHTS_FILE);
        }
        return file;
    }

    private static Map<String, LoraWeights> modules(Path directory, SafeTensors weights, Config config) {
        Map<String, SafeTensor> as = new TreeMap<>();
        Map<String, SafeTensor> bs = new TreeMap<>();
        for (SafeTensor t : weights.tensors()) {
            String key = t.name();
            String path = key.startsWith(ModulePaths.PEFT_PREFIX) ? key.substring(ModulePaths.PEFT_PREFIX.length()) : key;
            if (path.endsWith(A_SUFFIX)) {
                as.put(path.substring(0, path.length() - A_SUFFIX.length()), t);
            } else if (path.endsWith(B_SUFFIX)) {
                bs.put(path.substring(0, path.length() - B_SUFFIX.length()), t);
            } else if (path.contains(".lora_embedding_")) {
                throw invalidTensor(directory, key, "LoRA on embedding layers is not supported");
            } else if (path.contains(".lora_magnitude_vector")) {
                throw invalidTensor(directory, key, "DoRA magnitudes are not supported");
            } else if (path.endsWith(".bias")) {
                throw invalidTensor(directory, key, "bias tensors are not supported (bias must be 'none')");
            } else {
                throw invalidTensor(directory, key, "is not a LoRA weight (expected '<module>" + A_SUFFIX + "' or '<module>"
                        + B_SUFFIX + "')");
            }
        }
        if (as.isEmpty() && bs.isEmpty()) {
            throw invalid(directory, WEIGHTS_FILE + " holds no LoRA weights");
        }
        for (Map.Entry<String, SafeTensor> b : bs.entrySet()) {
            if (!as.containsKey(b.getKey())) {
                throw invalidTensor(directory, b.getValue().name(), "has no matching lora_A tensor");
            }
        }
        Map<String, LoraWeights> modules = new TreeMap<>();
        for (Map.Entry<String, SafeTensor> entry : as.entrySet()) {
            String module = entry.getKey();
            SafeTensor a = entry.getValue();
            SafeTensor b = bs.get(module);
            if (b == null) {
                throw invalidTensor(directory, a.name(), "has no matching lora_B tensor");
            }
            checkWeight(directory, a, "lora_A", "[r=" + config.rank + ", in]", config.rank, 0);
            checkWeight(directory, b, "lora_B", "[out, r=" + config.rank + "]", config.rank, 1);
            if (!ModulePaths.matchesAny(module, config.targetModules)) {
                throw invalidTensor(directory, a.name(), "module '" + module + "' is not named by target_modules "
                        + config.targetModules);
            }
            modules.put(module, new LoraWeights(module, a, b, config.scale()));
        }
        return Collections.unmodifiableMap(modules);
    }

    private static void checkWeight(Path directory, SafeTensor t, String kind, String expected, int rank, int rankDim) {
        if (t.dtype() != SafeTensorsDType.F32 && t.dtype() != SafeTensorsDType.F16 && t.dtype() != SafeTensorsDType.BF16) {
            throw invalidTensor(directory, t.name(), "dtype " + t.dtype() + " is not supported; LoRA weights must be F32, F16 or BF16");
        }
        if (t.rank() != 2 || t.dim(rankDim) != rank || t.dim(1 - rankDim) < 1 || t.dim(1 - rankDim) > Integer.MAX_VALUE) {
            throw invalidTensor(directory, t.name(), "shape " + java.util.Arrays.toString(t.shape()) + " does not fit "
                    + kind + " " + expected);
        }
    }

    private static void refuseNonEmpty(Path directory, Map<?, ?> root, String field, String message) {
        Object node = root.get(field);
        boolean empty = node == null || node instanceof Map<?, ?> m && m.isEmpty() || node instanceof List<?> l && l.isEmpty();
        if (!empty) {
            throw invalid(directory, message);
        }
    }

    private static boolean flag(Path directory, Map<?, ?> root, String field) {
        Object node = root.get(field);
        if (node == null) {
            return false;
        }
        if (!(node instanceof Boolean b)) {
            throw invalid(directory, field + " must be true or false");
        }
        return b;
    }

    private static String text(Path directory, Map<?, ?> root, String field) {
        Object node = root.get(field);
        if (node == null) {
            return null;
        }
        if (!(node instanceof String s)) {
            throw invalid(directory, field + " must be a string");
        }
        return s;
    }

    private static StatusException invalid(Path directory, String message) {
        return new StatusException(Status.invalidArgument("adapter " + directory + ": " + message));
    }

    private static StatusException invalidTensor(Path directory, String tensor, String message) {
        return invalid(directory, WEIGHTS_FILE + ": tensor '" + tensor + "' " + message);
    }

    /** The adapter's folder. */
    public Path directory() {
        return directory;
    }

    /** {@code r}: the rank of every module. */
    public int rank() {
        return rank;
    }

    /** {@code lora_alpha}. */
    public double loraAlpha() {
        return loraAlpha;
    }

    /** {@code use_rslora}. */
    public boolean useRslora() {
        return useRslora;
    }

    /** {@code fan_in_fan_out} (informational; see the class doc). */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** {@code target_modules} as written. */
    public List<String> targetModules() {
        return targetModules;
    }

    /** {@code base_model_name_or_path}, or {@code null}. */
    public String baseModel() {
        return baseModel;
    }

    /** The factor of every module's product: {@code lora_alpha / r}, or {@code / sqrt(r)} with rslora. */
    public float scale() {
        return scale;
    }

    /** The modules' weights, sorted by module path. */
    public List<LoraWeights> modules() {
        return List.copyOf(modules.values());
    }

    /** The weights of one module (path without {@code base_model.model.}), or {@code null}. */
    public LoraWeights module(String modulePath) {
        return modules.get(modulePath);
    }

    /** The size of the weights file's data, in bytes: what the host tier holds for this adapter. */
    public long weightBytes() {
        return weights.dataBytes();
    }

    /** Releases the weights' mapping when {@link #open(Path)} made the arena. */
    @Override
    public void close() {
        weights.close();
    }
}
