package io.statim.model.config;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's configuration, bound and validated from Triton's {@code config.pbtxt} by
 * {@link ModelConfigParser}. Field names follow Triton's; see the parser for which fields Statim
 * supports. Immutable; safe for any thread.
 *
 * @param name the model name, equal to its directory name
 * @param platform always {@code "onnxruntime_onnx"}
 * @param backend always {@code "onnxruntime"}
 * @param maxBatchSize the largest batch the model takes; 0 when the model does not batch, in which
 *     case tensor dims are the full shapes
 * @param inputs the inputs, in config order
 * @param outputs the outputs, in config order
 * @param instanceGroups the instance groups; one {@code KIND_AUTO} group of count 1 when the config has
 *     none
 * @param parameters the {@code parameters} map, in config order
 * @param versionPolicy which version directories are served
 * @param defaultModelFilename the model file inside each version directory
 * @param dynamicBatching the {@code dynamic_batching} section; {@code null} when absent
 * @param sequenceBatching the {@code sequence_batching} section with the session parameters;
 *     {@code null} when absent
 * @param lora how the model serves LoRA adapters, bound from the {@code lora_*} parameters;
 *     {@code null} when {@code lora_target_modules} is absent
 */
public record ModelConfig(
        String name,
        String platform,
        String backend,
        int maxBatchSize,
        List<TensorConfig> inputs,
        List<TensorConfig> outputs,
        List<InstanceGroup> instanceGroups,
        Map<String, String> parameters,
        VersionPolicy versionPolicy,
        String defaultModelFilename,
        DynamicBatching dynamicBatching,
        SequenceBatching sequenceBatching,
        LoraConfig lora) {

    /** The model file name when the config names none. */
    public static final String DEFAULT_MODEL_FILENAME = "model.onnx";

    /** The dims of a sequence control tensor per request, as in Triton. */
    private static final Shape CONTROL_DIMS = Shape.of(1);

    public ModelConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(versionPolicy, "versionPolicy");
        Objects.requireNonNull(defaultModelFilename, "defaultModelFilename");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        instanceGroups = List.copyOf(instanceGroups);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * A config whose LoRA settings are bound from {@code parameters}.
     *
     * @throws StatusException INVALID_ARGUMENT when a {@code lora_*} parameter is wrong
     */
    public ModelConfig(String name, String platform, String backend, int maxBatchSize, List<TensorConfig> inputs,
            List<TensorConfig> outputs, List<InstanceGroup> instanceGroups, Map<String, String> parameters,
            VersionPolicy versionPolicy, String defaultModelFilename, DynamicBatching dynamicBatching,
            SequenceBatching sequenceBatching) {
        this(name, platform, backend, maxBatchSize, inputs, outputs, instanceGroups, parameters, versionPolicy, defaultModelFilename,
                dynamicBatching, sequenceBatching, LoraConfigBinder.bind(name, parameters, sequenceBatching != null));
    }

    /** A config without {@code dynamic_batching}. */
    public ModelConfig(String name, String platform, String backend, int maxBatchSize, List<TensorConfig> inputs,
            List<TensorConfig> outputs, List<InstanceGroup> instanceGroups, Map<String, String> parameters,
            VersionPolicy versionPolicy, String defaultModelFilename) {
        this(name, platform, backend, maxBatchSize, inputs, outputs, instanceGroups, parameters, versionPolicy, defaultModelFilename, null);
    }

    /** A config without {@code sequence_batching}. */
    public ModelConfig(String name, String platform, String backend, int maxBatchSize, List<TensorConfig> inputs,
            List<TensorConfig> outputs, List<InstanceGroup> instanceGroups, Map<String, String> parameters,
            VersionPolicy versionPolicy, String defaultModelFilename, DynamicBatching dynamicBatching) {
        this(name, platform, backend, maxBatchSize, inputs, outputs, instanceGroups, parameters, versionPolicy, defaultModelFilename,
                dynamicBatching, null);
    }

    /** True when the config has a {@code dynamic_batching} section. */
    public boolean dynamicBatchingEnabled() {
        return dynamicBatching != null;
    }

    /** True when the model serves LoRA adapters ({@code lora_target_modules} is set). */
    public boolean loraEnabled() {
        return lora != null;
    }

    /** True when the config has a {@code sequence_batching} section. */
    public boolean sequenceBatchingEnabled() {
        return sequenceBatching != null;
    }

    /**
     * The config the backend loads: for a model with {@code sequence_batching}, this config with the
     * tensors the sequence batcher feeds and reads appended, which clients never send or see:
     * an input per state ({@code input_name}, the state's type and dims), an input per control
     * (dims {@code [1]}, the control's type), and an output per state ({@code output_name}) unless an
     * output of that name is declared. A tensor already present is not added again, so the execution
     * config of an execution config is itself. Without {@code sequence_batching}, {@code this}.
     * Clients are validated against this config, not the execution config. Builds a new record on
     * each call; meant for load time.
     */
    public ModelConfig executionConfig() {
        if (sequenceBatching == null) {
            return this;
        }
        List<TensorConfig> in = new ArrayList<>(inputs);
        for (SequenceBatching.State state : sequenceBatching.states()) {
            addIfAbsent(in, new TensorConfig(state.inputName(), state.dataType(), state.dims(), null, false));
        }
        for (SequenceBatching.ControlInput control : sequenceBatching.controlInputs()) {
            addIfAbsent(in, new TensorConfig(control.name(), control.dataType(), CONTROL_DIMS, null, false));
        }
        List<TensorConfig> out = new ArrayList<>(outputs);
        for (SequenceBatching.State state : sequenceBatching.states()) {
            addIfAbsent(out, new TensorConfig(state.outputName(), state.dataType(), state.dims(), null, false));
        }
        if (in.size() == inputs.size() && out.size() == outputs.size()) {
            return this;
        }
        return new ModelConfig(name, platform, backend, maxBatchSize, in, out, instanceGroups, parameters, versionPolicy,
                defaultModelFilename, dynamicBatching, sequenceBatching, lora);
    }

    /** The input of that name, or {@code null}. */
    public TensorConfig input(String inputName) {
        return find(inputs, inputName);
    }

    /** The output of that name, or {@code null}. */
    public TensorConfig output(String outputName) {
        return find(outputs, outputName);
    }

    /** True when the model takes batches, that is {@code max_batch_size > 0}. */
    public boolean batching() {
        return maxBatchSize > 0;
    }

    /** The value of a {@code parameters} entry, or {@code defaultValue} when there is none. */
    public String parameter(String key, String defaultValue) {
        return parameters.getOrDefault(key, defaultValue);
    }

    /**
     * The value of a {@code parameters} entry as an int, or {@code defaultValue} when there is none.
     *
     * @throws StatusException INVALID_ARGUMENT naming the key when the value is not an int
     */
    public int intParameter(String key, int defaultValue) {
        String value = parameters.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new StatusException(Code.INVALID_ARGUMENT,
                    "model '" + name + "': parameter '" + key + "' is '" + value + "', which is not an integer");
        }
    }

    private static void addIfAbsent(List<TensorConfig> tensors, TensorConfig tensor) {
        if (find(tensors, tensor.name()) == null) {
            tensors.add(tensor);
        }
    }

    private static TensorConfig find(List<TensorConfig> tensors, String tensorName) {
        for (TensorConfig tensor : tensors) {
            if (tensor.name().equals(tensorName)) {
                return tensor;
            }
        }
        return null;
    }
}
