package io.statim.model.config;

import io.statim.model.pbtxt.PbField;
import io.statim.model.pbtxt.PbLocation;
import io.statim.model.pbtxt.PbMessage;
import io.statim.model.pbtxt.PbTextParser;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads Triton's {@code config.pbtxt} into a {@link ModelConfig}: text to tree
 * ({@link PbTextParser}), tree to drafts (one {@link FieldTable} per message kind), then one
 * validation step that builds the records.
 *
 * <p>Supported fields, with Triton's names: {@code name} (defaults to the directory name; must equal
 * it), {@code platform} ({@code onnxruntime_onnx}), {@code backend} ({@code onnxruntime}),
 * {@code max_batch_size}, {@code input}, {@code output}, {@code instance_group}, {@code parameters},
 * {@code version_policy}, {@code default_model_filename}, {@code dynamic_batching} (see
 * {@link DynamicBatching}), {@code sequence_batching} (see {@link SequenceBatching}; with the
 * {@code session_cached_inputs} and {@code session_ttl_seconds} parameters), the {@code lora_*}
 * parameters (see {@link LoraConfig}), and
 * {@code response_cache} with {@code enable: false}. {@code dynamic_batching} and
 * {@code sequence_batching} exclude each other, as in Triton's {@code scheduling_choice}.
 *
 * <p>Accepted and ignored with a warning, since they only affect startup or observability:
 * {@code model_warmup}, {@code metric_tags}, {@code cc_model_filenames}.
 *
 * <p>Every other field is an {@code INVALID_ARGUMENT} error naming the field and its line, never
 * dropped: among them {@code ensemble_scheduling}, {@code optimization}, {@code model_transaction_policy},
 * {@code batch_input}, {@code batch_output}, {@code model_repository_agents}, {@code model_operations},
 * {@code runtime}, and {@code label_filename} in an output. Stateless; safe for any thread.
 */
public final class ModelConfigParser {
    /** The only platform Statim serves. */
    public static final String PLATFORM = "onnxruntime_onnx";
    /** The only backend Statim serves. */
    public static final String BACKEND = "onnxruntime";

    private static final FieldTable<Draft> RESPONSE_CACHE = new FieldTable<Draft>("response_cache")
            .bind("enable", (d, f) -> {
                if (f.asBoolean()) {
                    throw f.location().error("response_cache is not supported by Statim; remove it or set enable: false");
                }
            });

    private static final FieldTable<Parameter> PARAMETER_VALUE = new FieldTable<Parameter>("parameters.value")
            .bind("string_value", (p, f) -> p.value = f.asString());

    private static final FieldTable<Parameter> PARAMETER = new FieldTable<Parameter>("parameters")
            .bind("key", (p, f) -> p.key = f.asString())
            .bind("value", (p, f) -> PARAMETER_VALUE.apply(f.asMessage(), p));

    private static final FieldTable<Draft> MODEL = new FieldTable<Draft>("")
            .bind("name", (d, f) -> {
                d.name = f.asString();
                d.nameAt = f.location();
            })
            .bind("platform", (d, f) -> d.platform = checkServed("platform", PLATFORM, f))
            .bind("backend", (d, f) -> d.backend = checkServed("backend", BACKEND, f))
            .bind("max_batch_size", (d, f) -> {
                d.maxBatchSize = f.asInt();
                d.maxBatchSizeAt = f.location();
            })
            .bind("input", (d, f) -> f.asMessages().forEach(
                    m -> d.inputs.add(TensorBinder.bind(TensorBinder.INPUT, "input", m))))
            .bind("output", (d, f) -> f.asMessages().forEach(
                    m -> d.outputs.add(TensorBinder.bind(TensorBinder.OUTPUT, "output", m))))
            .bind("instance_group", (d, f) -> f.asMessages().forEach(
                    m -> d.groups.add(InstanceGroupBinder.bind(m))))
            .bind("parameters", (d, f) -> f.asMessages().forEach(m -> bindParameter(d, m)))
            .bind("version_policy", (d, f) -> d.versionPolicy = VersionPolicyBinder.bind(f.asMessage()))
            .bind("default_model_filename", (d, f) -> {
                d.defaultModelFilename = f.asString();
                d.defaultModelFilenameAt = f.location();
            })
            .bind("response_cache", (d, f) -> RESPONSE_CACHE.apply(f.asMessage(), d))
            .bind("dynamic_batching", (d, f) -> {
                d.dynamicBatching = f.asMessage();
                d.dynamicBatchingAt = f.location();
            })
            .bind("sequence_batching", (d, f) -> {
                d.sequenceBatching = f.asMessage();
                d.sequenceBatchingAt = f.location();
            })
            .ignore("model_warmup")
            .ignore("metric_tags")
            .ignore("cc_model_filenames");

    private ModelConfigParser() {
    }

    /**
     * Parses, binds and validates a config.
     *
     * @param text the content of {@code config.pbtxt}
     * @param sourceName the name errors start with, e.g. {@code "simple/config.pbtxt"}
     * @param directoryName the model's directory name, which is its name
     * @throws io.statim.core.status.StatusException INVALID_ARGUMENT with the source, line and reason
     */
    public static ModelConfig parse(String text, String sourceName, String directoryName) {
        Objects.requireNonNull(directoryName, "directoryName");
        PbMessage root = PbTextParser.parse(text, sourceName);
        Draft draft = new Draft(PbLocation.wholeSource(sourceName));
        MODEL.apply(root, draft);
        return draft.validate(directoryName);
    }

    private static String checkServed(String field, String served, PbField f) {
        String value = f.asString();
        if (!value.equals(served)) {
            throw f.location().error(field + " '" + value + "' is not supported; Statim serves ONNX models (onnxruntime)");
        }
        return value;
    }

    private static void bindParameter(Draft draft, PbMessage entry) {
        Parameter parameter = new Parameter();
        PARAMETER.apply(entry, parameter);
        if (parameter.key == null) {
            throw entry.location().error("parameters entry has no key");
        }
        if (draft.parameters.putIfAbsent(parameter.key, parameter.value) != null) {
            throw entry.location().error("parameter '" + parameter.key + "' is given twice");
        }
        draft.parameterAt.put(parameter.key, entry.location());
    }

    /** One {@code parameters} map entry as written; the value defaults to "" as in protobuf. */
    private static final class Parameter {
        String key;
        String value = "";
    }

    /** A config as written, before validation; not thread-safe. */
    private static final class Draft {
        final PbLocation file;
        String name;
        PbLocation nameAt;
        String platform = PLATFORM;
        String backend = BACKEND;
        int maxBatchSize;
        PbLocation maxBatchSizeAt;
        final List<TensorBinder.Draft> inputs = new ArrayList<>();
        final List<TensorBinder.Draft> outputs = new ArrayList<>();
        final List<InstanceGroupBinder.Draft> groups = new ArrayList<>();
        final Map<String, String> parameters = new LinkedHashMap<>();
        final Map<String, PbLocation> parameterAt = new HashMap<>();
        VersionPolicy versionPolicy = VersionPolicy.DEFAULT;
        String defaultModelFilename = ModelConfig.DEFAULT_MODEL_FILENAME;
        PbLocation defaultModelFilenameAt;
        PbMessage dynamicBatching;
        PbLocation dynamicBatchingAt;
        PbMessage sequenceBatching;
        PbLocation sequenceBatchingAt;

        Draft(PbLocation file) {
            this.file = file;
        }

        /** The validation step: every rule that needs the whole config, with the numbers in the message. */
        ModelConfig validate(String directoryName) {
            if (name != null && !name.equals(directoryName)) {
                throw nameAt.error("name '" + name + "' must equal the model's directory name '" + directoryName + "'");
            }
            if (maxBatchSize < 0) {
                throw maxBatchSizeAt.error("max_batch_size=" + maxBatchSize + " must be >= 0");
            }
            if (defaultModelFilename.isEmpty() || defaultModelFilename.equals(".") || defaultModelFilename.equals("..")
                    || defaultModelFilename.contains("/") || defaultModelFilename.contains("\\")) {
                throw defaultModelFilenameAt.error("default_model_filename '" + defaultModelFilename
                        + "' must be a plain file name");
            }
            List<TensorConfig> in = tensors("input", inputs);
            List<TensorConfig> out = tensors("output", outputs);
            List<InstanceGroup> instanceGroups = new ArrayList<>();
            for (int i = 0; i < groups.size(); i++) {
                instanceGroups.add(groups.get(i).validate(directoryName + "_" + i));
            }
            if (instanceGroups.isEmpty()) {
                instanceGroups.add(new InstanceGroup(directoryName, 1, InstanceGroup.Kind.KIND_AUTO, List.of()));
            }
            if (dynamicBatching != null && sequenceBatching != null) {
                PbLocation later = dynamicBatchingAt.line() > sequenceBatchingAt.line() ? dynamicBatchingAt : sequenceBatchingAt;
                throw later.error("dynamic_batching and sequence_batching exclude each other (Triton's scheduling_choice); "
                        + "sequence_batching batches the requests of different sequences itself, so keep one");
            }
            DynamicBatching batching = dynamicBatching == null ? null
                    : DynamicBatchingBinder.bind(dynamicBatching, maxBatchSize, dynamicBatchingAt);
            SequenceBatching sequences;
            if (sequenceBatching == null) {
                SequenceBatchingBinder.rejectSessionParameters(parameterAt);
                sequences = null;
            } else {
                sequences = SequenceBatchingBinder.bind(sequenceBatching, maxBatchSize, in, out, parameters, parameterAt);
            }
            LoraConfig lora = LoraConfigBinder.bind(parameters, parameterAt, sequences != null, file);
            return new ModelConfig(directoryName, platform, backend, maxBatchSize, in, out, instanceGroups,
                    parameters, versionPolicy, defaultModelFilename, batching, sequences, lora);
        }

        private List<TensorConfig> tensors(String kind, List<TensorBinder.Draft> drafts) {
            if (drafts.isEmpty()) {
                throw file.error("the model declares no " + kind + "; it needs at least one");
            }
            List<TensorConfig> out = new ArrayList<>(drafts.size());
            Set<String> names = new HashSet<>();
            for (TensorBinder.Draft draft : drafts) {
                TensorConfig tensor = draft.validate();
                if (!names.add(tensor.name())) {
                    throw draft.location.error(kind + " '" + tensor.name() + "' is declared twice");
                }
                out.add(tensor);
            }
            return out;
        }
    }
}
