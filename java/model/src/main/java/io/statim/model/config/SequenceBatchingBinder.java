package io.statim.model.config;

import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.config.SequenceBatching.ControlInput;
import io.statim.model.config.SequenceBatching.ControlKind;
import io.statim.model.config.SequenceBatching.Oldest;
import io.statim.model.config.SequenceBatching.State;
import io.statim.model.pbtxt.PbField;
import io.statim.model.pbtxt.PbLocation;
import io.statim.model.pbtxt.PbMessage;
import io.statim.model.pbtxt.PbScalar;
import io.statim.model.pbtxt.PbValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds and validates {@code sequence_batching} and the session parameters that go with it.
 *
 * <p>Accepted, with Triton's names: {@code max_sequence_idle_microseconds}; {@code oldest} with
 * {@code max_candidate_sequences}, {@code preferred_batch_size}, {@code max_queue_delay_microseconds}
 * and {@code preserve_ordering}; {@code control_input} (each with exactly one {@code control} of
 * {@code kind} START, READY or END with one of {@code int32_false_true}, {@code fp32_false_true},
 * {@code bool_false_true}, or kind CORRID with {@code data_type}); {@code state} with
 * {@code input_name}, {@code output_name}, {@code data_type}, {@code dims} and at most one
 * {@code initial_state} of {@code zero_data: true}. A state's {@code use_same_buffer_for_input_output}
 * and {@code use_growable_memory} are memory hints and are ignored with a warning.
 *
 * <p>Rejected: {@code direct} (Statim implements the oldest strategy), {@code iterative_sequence: true},
 * {@code generative_sequence}, an initial state from a {@code data_file}, and state dims with -1.
 *
 * <p>From the model's {@code parameters}: {@value #CACHED_INPUTS} (comma-separated input names, each
 * declared {@code optional: true}) and {@value #TTL_SECONDS} (a positive integer, default
 * {@value SequenceBatching#DEFAULT_TTL_SECONDS}); both need a {@code sequence_batching} section.
 * Stateless.
 */
final class SequenceBatchingBinder {
    /** The parameter listing the inputs a session keeps between requests. */
    static final String CACHED_INPUTS = "session_cached_inputs";
    /** The parameter giving how long an idle session is kept, in seconds. */
    static final String TTL_SECONDS = "session_ttl_seconds";

    private static final List<DataType> CORRID_TYPES =
            List.of(DataType.INT64, DataType.UINT64, DataType.INT32, DataType.UINT32, DataType.BYTES);

    private static final FieldTable<OldestDraft> OLDEST = new FieldTable<OldestDraft>("sequence_batching.oldest")
            .bind("max_candidate_sequences", (o, f) -> o.maxCandidates = (int) nonNegative(f, "max_candidate_sequences", Integer.MAX_VALUE))
            .bind("preferred_batch_size", (o, f) -> {
                o.preferred = f.asLongs();
                o.preferredAt = f.location();
            })
            .bind("max_queue_delay_microseconds", (o, f) -> o.delayUs = nonNegative(f, "max_queue_delay_microseconds", Long.MAX_VALUE))
            .bind("preserve_ordering", (o, f) -> o.preserveOrdering = f.asBoolean());

    private static final FieldTable<ControlDraft> CONTROL = new FieldTable<ControlDraft>("sequence_batching.control_input.control")
            .bind("kind", (c, f) -> c.kind = kind(f))
            .bind("int32_false_true", (c, f) -> c.values(f, DataType.INT32, int32s(f)))
            .bind("fp32_false_true", (c, f) -> c.values(f, DataType.FP32, fp32s(f)))
            .bind("bool_false_true", (c, f) -> c.values(f, DataType.BOOL, bools(f)))
            .bind("data_type", (c, f) -> {
                c.dataType = TensorBinder.dataType(f);
                c.dataTypeAt = f.location();
            });

    private static final FieldTable<ControlInputDraft> CONTROL_INPUT = new FieldTable<ControlInputDraft>("sequence_batching.control_input")
            .bind("name", (c, f) -> c.name = f.asString())
            .bind("control", (c, f) -> f.asMessages().forEach(m -> {
                ControlDraft control = new ControlDraft(m.location());
                CONTROL.apply(m, control);
                c.controls.add(control);
            }));

    private static final FieldTable<InitialStateDraft> INITIAL_STATE = new FieldTable<InitialStateDraft>("sequence_batching.state.initial_state")
            .bind("data_type", (i, f) -> i.dataType = TensorBinder.dataType(f))
            .bind("dims", (i, f) -> i.dims = f.asLongs())
            .bind("zero_data", (i, f) -> i.zeroData = f.asBoolean())
            .bind("data_file", (i, f) -> {
                throw f.location().error("sequence_batching.state.initial_state.data_file is not supported by Statim; "
                        + "only zero_data: true is");
            })
            .bind("name", (i, f) -> f.asString());

    private static final FieldTable<StateDraft> STATE = new FieldTable<StateDraft>("sequence_batching.state")
            .bind("input_name", (s, f) -> s.inputName = f.asString())
            .bind("output_name", (s, f) -> s.outputName = f.asString())
            .bind("data_type", (s, f) -> s.dataType = TensorBinder.dataType(f))
            .bind("dims", (s, f) -> {
                s.dims = f.asLongs();
                s.dimsAt = f.location();
            })
            .bind("initial_state", (s, f) -> f.asMessages().forEach(m -> {
                InitialStateDraft initial = new InitialStateDraft(m.location());
                INITIAL_STATE.apply(m, initial);
                s.initial.add(initial);
            }))
            .ignore("use_same_buffer_for_input_output")
            .ignore("use_growable_memory");

    private static final FieldTable<Draft> TABLE = new FieldTable<Draft>("sequence_batching")
            .bind("max_sequence_idle_microseconds", (d, f) -> d.idleUs = nonNegative(f, "max_sequence_idle_microseconds", Long.MAX_VALUE))
            .bind("direct", (d, f) -> {
                throw f.location().error("sequence_batching.direct is not supported: Statim implements the oldest strategy; "
                        + "remove direct or use oldest");
            })
            .bind("oldest", (d, f) -> {
                OldestDraft oldest = new OldestDraft();
                OLDEST.apply(f.asMessage(), oldest);
                d.oldest = oldest;
            })
            .bind("control_input", (d, f) -> f.asMessages().forEach(m -> {
                ControlInputDraft control = new ControlInputDraft(m.location());
                CONTROL_INPUT.apply(m, control);
                d.controls.add(control);
            }))
            .bind("state", (d, f) -> f.asMessages().forEach(m -> {
                StateDraft state = new StateDraft(m.location());
                STATE.apply(m, state);
                d.states.add(state);
            }))
            .bind("iterative_sequence", (d, f) -> {
                if (f.asBoolean()) {
                    throw f.location().error("sequence_batching.iterative_sequence is not supported by Statim; remove it or set it to false");
                }
            })
            .bind("generative_sequence", (d, f) -> {
                if (!isFalse(f)) {
                    throw f.location().error("sequence_batching.generative_sequence is not supported by Statim; remove it");
                }
            });

    private SequenceBatchingBinder() {
    }

    /**
     * Binds the section and the session parameters.
     *
     * @param message the {@code sequence_batching} message
     * @param maxBatchSize the model's, already bound
     * @param inputs the declared inputs, already validated
     * @param outputs the declared outputs, already validated
     * @param parameters the model's {@code parameters}
     * @param parameterAt where each parameter is written
     */
    static SequenceBatching bind(PbMessage message, int maxBatchSize, List<TensorConfig> inputs,
            List<TensorConfig> outputs, Map<String, String> parameters, Map<String, PbLocation> parameterAt) {
        Draft d = new Draft();
        TABLE.apply(message, d);
        Oldest oldest = d.oldest == null ? Oldest.DEFAULT : d.oldest.validate(maxBatchSize);

        Names names = new Names(inputs, outputs);
        Map<ControlKind, ControlInputDraft> byKind = new EnumMap<>(ControlKind.class);
        List<ControlInput> controls = new ArrayList<>();
        for (ControlInputDraft draft : d.controls) {
            ControlInput control = draft.validate();
            ControlInputDraft earlier = byKind.putIfAbsent(control.kind(), draft);
            if (earlier != null) {
                throw draft.at.error("sequence_batching control_input '" + control.name() + "' repeats kind " + control.kind()
                        + " of control_input '" + earlier.name + "'; each kind may be given once");
            }
            names.claim(control.name(), "control_input", draft.at);
            controls.add(control);
        }
        List<State> states = new ArrayList<>();
        for (StateDraft draft : d.states) {
            State state = draft.validate();
            names.claim(state.inputName(), "state input_name", draft.at);
            TensorConfig declared = find(outputs, state.outputName());
            if (declared != null) {
                if (declared.dataType() != state.dataType() || !declared.dims().equals(state.dims())) {
                    throw draft.at.error("sequence_batching state output_name '" + state.outputName() + "' is declared as an output of "
                            + declared.dataType().configName() + " " + declared.dims() + ", but the state is "
                            + state.dataType().configName() + " " + state.dims() + "; they must agree");
                }
                names.claimBesideOutput(state.outputName(), "state output_name", draft.at);
            } else {
                names.claim(state.outputName(), "state output_name", draft.at);
            }
            states.add(state);
        }
        List<String> cachedInputs = cachedInputs(inputs, parameters.get(CACHED_INPUTS), parameterAt.get(CACHED_INPUTS));
        long ttlSeconds = ttlSeconds(parameters.get(TTL_SECONDS), parameterAt.get(TTL_SECONDS));
        return new SequenceBatching(d.idleUs, oldest, controls, states, cachedInputs, ttlSeconds);
    }

    /** For a model without {@code sequence_batching}: the session parameters are errors. */
    static void rejectSessionParameters(Map<String, PbLocation> parameterAt) {
        for (String key : List.of(CACHED_INPUTS, TTL_SECONDS)) {
            PbLocation at = parameterAt.get(key);
            if (at != null) {
                throw at.error("parameter '" + key + "' needs a sequence_batching section; sessions are sequences, "
                        + "add sequence_batching { } or remove the parameter");
            }
        }
    }

    private static List<String> cachedInputs(List<TensorConfig> inputs, String value, PbLocation at) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String inputName = part.strip();
            if (inputName.isEmpty()) {
                throw at.error("parameter '" + CACHED_INPUTS + "' has an empty input name; list input names separated by commas");
            }
            TensorConfig input = find(inputs, inputName);
            if (input == null) {
                throw at.error("parameter '" + CACHED_INPUTS + "' names '" + inputName + "', which is not a declared input");
            }
            if (!input.optional()) {
                throw at.error("parameter '" + CACHED_INPUTS + "' names input '" + inputName + "', which is not optional; "
                        + "mark it optional: true so that follow-up requests of a session may omit it");
            }
            if (out.contains(inputName)) {
                throw at.error("parameter '" + CACHED_INPUTS + "' names input '" + inputName + "' twice");
            }
            out.add(inputName);
        }
        return out;
    }

    private static long ttlSeconds(String value, PbLocation at) {
        if (value == null) {
            return SequenceBatching.DEFAULT_TTL_SECONDS;
        }
        long seconds;
        try {
            seconds = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            seconds = 0;
        }
        if (seconds < 1) {
            throw at.error("parameter '" + TTL_SECONDS + "' is '" + value + "'; it must be a positive integer number of seconds");
        }
        return seconds;
    }

    private static TensorConfig find(List<TensorConfig> tensors, String name) {
        for (TensorConfig tensor : tensors) {
            if (tensor.name().equals(name)) {
                return tensor;
            }
        }
        return null;
    }

    private static ControlKind kind(PbField f) {
        String name = f.asIdentifier();
        for (ControlKind kind : ControlKind.values()) {
            if (kind.name().equals(name)) {
                return kind;
            }
        }
        throw f.location().error("control kind '" + name + "' is not known; expected one of " + Arrays.toString(ControlKind.values()));
    }

    private static long nonNegative(PbField f, String name, long max) {
        long value = f.asLong();
        if (value < 0 || value > max) {
            throw f.location().error(name + "=" + value + " must be between 0 and " + max);
        }
        return value;
    }

    private static List<Double> int32s(PbField f) {
        List<Double> out = new ArrayList<>();
        for (long v : f.asLongs()) {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw f.location().error("field '" + f.name() + "' value " + v + " is out of range for int32");
            }
            out.add((double) v);
        }
        return out;
    }

    private static List<Double> fp32s(PbField f) {
        List<Double> out = new ArrayList<>();
        for (PbValue value : f.values()) {
            double v = Double.NaN;
            if (value instanceof PbScalar s && s.kind() == PbScalar.Kind.NUMBER) {
                try {
                    v = Double.parseDouble(s.text());
                } catch (NumberFormatException notANumber) {
                    v = Double.NaN;
                }
            }
            if (!Double.isFinite(v)) {
                String found = value instanceof PbScalar s ? s.display() : "a message";
                throw value.location().error("field '" + f.name() + "' expects finite numbers, found " + found);
            }
            out.add((double) (float) v);
        }
        return out;
    }

    private static List<Double> bools(PbField f) {
        List<Double> out = new ArrayList<>();
        for (PbValue value : f.values()) {
            Boolean b = value instanceof PbScalar s && s.kind() != PbScalar.Kind.STRING ? switch (s.text()) {
                case "true", "True", "t", "1" -> Boolean.TRUE;
                case "false", "False", "f", "0" -> Boolean.FALSE;
                default -> null;
            } : null;
            if (b == null) {
                String found = value instanceof PbScalar s ? s.display() : "a message";
                throw value.location().error("field '" + f.name() + "' expects true or false, found " + found);
            }
            out.add(b ? 1.0 : 0.0);
        }
        return out;
    }

    private static boolean isFalse(PbField f) {
        return f.values().size() == 1 && f.values().getFirst() instanceof PbScalar s
                && s.kind() == PbScalar.Kind.IDENTIFIER && (s.text().equals("false") || s.text().equals("False"));
    }

    /**
     * The tensor names taken so far, so that a control or state never shadows a declared tensor or
     * another control or state.
     */
    private static final class Names {
        private final Map<String, String> owners = new HashMap<>();
        private final List<TensorConfig> outputs;

        Names(List<TensorConfig> inputs, List<TensorConfig> outputs) {
            this.outputs = outputs;
            inputs.forEach(t -> owners.put(t.name(), "input"));
            outputs.forEach(t -> owners.putIfAbsent(t.name(), "output"));
        }

        void claim(String name, String what, PbLocation at) {
            String owner = owners.putIfAbsent(name, what);
            if (owner != null) {
                throw collision(name, what, owner, at);
            }
        }

        /** A state output may also be a declared output; it must not be anything else. */
        void claimBesideOutput(String name, String what, PbLocation at) {
            String owner = owners.get(name);
            if (!"output".equals(owner) || find(outputs, name) == null) {
                throw collision(name, what, owner, at);
            }
            owners.put(name, what);
        }

        private static RuntimeException collision(String name, String what, String owner, PbLocation at) {
            String fix = owner.equals("input") || owner.equals("output")
                    ? "; the sequence batcher feeds control and state tensors itself, so they are not declared as input or output"
                    : "; each control and state tensor needs its own name";
            return at.error("sequence_batching " + what + " '" + name + "' collides with " + owner + " '" + name + "'" + fix);
        }
    }

    /** The section as written; not thread-safe. */
    private static final class Draft {
        long idleUs;
        OldestDraft oldest;
        final List<ControlInputDraft> controls = new ArrayList<>();
        final List<StateDraft> states = new ArrayList<>();
    }

    /** An {@code oldest} section as written; defaults as Triton's. */
    private static final class OldestDraft {
        int maxCandidates;
        List<Long> preferred = List.of();
        PbLocation preferredAt;
        long delayUs;
        boolean preserveOrdering;

        Oldest validate(int maxBatchSize) {
            List<Integer> sizes = new ArrayList<>();
            for (long size : preferred) {
                if (size < 1 || size > maxBatchSize) {
                    throw preferredAt.error("sequence_batching.oldest preferred_batch_size " + size
                            + " must be between 1 and max_batch_size=" + maxBatchSize);
                }
                if (sizes.contains((int) size)) {
                    throw preferredAt.error("sequence_batching.oldest preferred_batch_size " + size + " is given twice");
                }
                sizes.add((int) size);
            }
            sizes.sort(null);
            return new Oldest(maxCandidates, sizes, delayUs, preserveOrdering);
        }
    }

    /** One {@code control_input} as written. */
    private static final class ControlInputDraft {
        final PbLocation at;
        String name;
        final List<ControlDraft> controls = new ArrayList<>();

        ControlInputDraft(PbLocation at) {
            this.at = at;
        }

        ControlInput validate() {
            if (name == null || name.isEmpty()) {
                throw at.error("sequence_batching control_input has no name");
            }
            String what = "sequence_batching control_input '" + name + "'";
            if (controls.size() != 1) {
                throw at.error(what + " has " + controls.size() + " controls; Statim needs exactly one control per control_input");
            }
            return controls.getFirst().validate(what, name);
        }
    }

    /** One {@code control} as written. */
    private static final class ControlDraft {
        final PbLocation at;
        ControlKind kind;
        String valuesField;
        PbLocation valuesAt;
        DataType valuesType;
        List<Double> values;
        DataType dataType;
        PbLocation dataTypeAt;

        ControlDraft(PbLocation at) {
            this.at = at;
        }

        void values(PbField f, DataType type, List<Double> given) {
            if (valuesField != null) {
                throw f.location().error("control gives both " + valuesField + " and " + f.name() + "; give one");
            }
            valuesField = f.name();
            valuesAt = f.location();
            valuesType = type;
            values = given;
        }

        ControlInput validate(String what, String name) {
            if (kind == null) {
                throw at.error(what + " control has no kind; expected one of " + Arrays.toString(ControlKind.values()));
            }
            if (kind == ControlKind.CONTROL_SEQUENCE_CORRID) {
                if (valuesField != null) {
                    throw valuesAt.error(what + " of kind " + kind + " takes data_type, not " + valuesField);
                }
                if (dataType == null) {
                    throw at.error(what + " of kind " + kind + " has no data_type; expected one of " + corridTypes());
                }
                if (!CORRID_TYPES.contains(dataType)) {
                    throw dataTypeAt.error(what + " of kind " + kind + " has data_type " + dataType.configName()
                            + "; expected one of " + corridTypes());
                }
                return new ControlInput(name, kind, dataType, 0, 0);
            }
            if (dataType != null) {
                throw dataTypeAt.error(what + " of kind " + kind + " takes no data_type; its type comes from "
                        + "int32_false_true, fp32_false_true or bool_false_true");
            }
            if (valuesField == null) {
                throw at.error(what + " of kind " + kind + " needs one of int32_false_true, fp32_false_true or bool_false_true");
            }
            if (values.size() != 2) {
                throw valuesAt.error(what + " " + valuesField + " has " + values.size() + " values; it needs two: [ false, true ]");
            }
            return new ControlInput(name, kind, valuesType, values.get(0), values.get(1));
        }

        private static String corridTypes() {
            return CORRID_TYPES.stream().map(DataType::configName).toList().toString();
        }
    }

    /** One {@code state} as written. */
    private static final class StateDraft {
        final PbLocation at;
        String inputName;
        String outputName;
        DataType dataType;
        List<Long> dims;
        PbLocation dimsAt;
        final List<InitialStateDraft> initial = new ArrayList<>();

        StateDraft(PbLocation at) {
            this.at = at;
        }

        State validate() {
            if (inputName == null || inputName.isEmpty()) {
                throw at.error("sequence_batching state has no input_name");
            }
            String what = "sequence_batching state '" + inputName + "'";
            if (outputName == null || outputName.isEmpty()) {
                throw at.error(what + " has no output_name");
            }
            if (outputName.equals(inputName)) {
                throw at.error(what + " has output_name equal to its input_name; they must differ");
            }
            if (dataType == null) {
                throw at.error(what + " has no data_type");
            }
            if (dataType == DataType.BYTES) {
                throw at.error(what + " has data_type TYPE_STRING; Statim supports states of fixed-size types only");
            }
            if (dims == null || dims.isEmpty()) {
                throw at.error(what + " has no dims");
            }
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i);
                if (shape[i] < 1) {
                    throw dimsAt.error(what + " dims[" + i + "]=" + shape[i] + " must be >= 1; Statim needs fixed state dims, "
                            + "since a sequence's first state is zeros of that shape");
                }
            }
            Shape stateDims = Shape.of(shape);
            if (initial.size() > 1) {
                throw initial.get(1).at.error(what + " has " + initial.size() + " initial_state entries; give at most one");
            }
            if (!initial.isEmpty()) {
                initial.getFirst().check(what, dataType, stateDims);
            }
            return new State(inputName, outputName, dataType, stateDims);
        }
    }

    /** One {@code initial_state} as written. */
    private static final class InitialStateDraft {
        final PbLocation at;
        DataType dataType;
        List<Long> dims;
        boolean zeroData;

        InitialStateDraft(PbLocation at) {
            this.at = at;
        }

        void check(String what, DataType stateType, Shape stateDims) {
            if (!zeroData) {
                throw at.error(what + " initial_state needs zero_data: true; Statim supports only zero initial states");
            }
            if (dataType != null && dataType != stateType) {
                throw at.error(what + " initial_state data_type " + dataType.configName() + " differs from the state's "
                        + stateType.configName());
            }
            if (dims != null) {
                long[] given = new long[dims.size()];
                for (int i = 0; i < given.length; i++) {
                    given[i] = dims.get(i);
                }
                if (!Arrays.equals(given, stateDims.toArray())) {
                    throw at.error(what + " initial_state dims " + Arrays.toString(given).replace(" ", "")
                            + " differ from the state's dims " + stateDims);
                }
            }
        }
    }
}
