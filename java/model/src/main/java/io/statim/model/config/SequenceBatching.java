package io.statim.model.config;

import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;

import java.util.List;
import java.util.Objects;

/**
 * Triton's {@code sequence_batching} settings, with Triton's meanings, plus the session settings
 * Statim reads from the model's {@code parameters}. Present only when the config has a
 * {@code sequence_batching} section: requests then belong to sequences (sessions) named by a
 * correlation id; each sequence runs on one instance at a time, in order, and carries its implicit
 * {@link State state} from one request to the next. Bound by {@code SequenceBatchingBinder}; see
 * {@link ModelConfigParser} for the accepted fields. Immutable; safe for any thread.
 *
 * @param maxSequenceIdleMicros Triton's {@code max_sequence_idle_microseconds}: how long a sequence may
 *     go without a request before it is ended; 0 when the config does not set it
 * @param oldest the oldest-first strategy, the only one Statim implements; its defaults when the
 *     config gives none
 * @param controlInputs the control tensors the model takes, in config order; each kind at most once
 * @param states the implicit states, in config order
 * @param cachedInputs inputs (all declared {@code optional: true}) whose last value a session keeps, so
 *     that follow-up requests may omit them; from the {@code session_cached_inputs} parameter, in its
 *     order; empty when not set
 * @param ttlSeconds how long an idle session's cached inputs and state are kept, in seconds; from the
 *     {@code session_ttl_seconds} parameter, {@value #DEFAULT_TTL_SECONDS} when not set
 */
public record SequenceBatching(long maxSequenceIdleMicros, Oldest oldest, List<ControlInput> controlInputs, List<State> states,
        List<String> cachedInputs, long ttlSeconds) {

    /** The session time to live when {@code session_ttl_seconds} is not set, in seconds. */
    public static final long DEFAULT_TTL_SECONDS = 1200;

    public SequenceBatching {
        Objects.requireNonNull(oldest, "oldest");
        controlInputs = List.copyOf(controlInputs);
        states = List.copyOf(states);
        cachedInputs = List.copyOf(cachedInputs);
        if (maxSequenceIdleMicros < 0) {
            throw new IllegalArgumentException("maxSequenceIdleMicros=" + maxSequenceIdleMicros + " must be >= 0");
        }
        if (ttlSeconds < 1) {
            throw new IllegalArgumentException("ttlSeconds=" + ttlSeconds + " must be >= 1");
        }
    }

    /**
     * Triton's oldest strategy: each batch takes the oldest request of up to
     * {@code maxCandidateSequences} sequences. Defaults when the section is absent:
     * maxCandidateSequences 0 (= no limit), no preferred sizes, delay 0, preserveOrdering false.
     *
     * @param maxCandidateSequences how many sequences may be batched together at once; 0 = no limit
     * @param preferredBatchSizes batch sizes sent as soon as they can be formed, ascending
     * @param maxQueueDelayMicros how long the oldest request may wait for a fuller batch, in microseconds
     * @param preserveOrdering responses leave in the order requests arrived, across instances
     */
    public record Oldest(int maxCandidateSequences, List<Integer> preferredBatchSizes, long maxQueueDelayMicros,
            boolean preserveOrdering) {

        /** The strategy when the config gives no {@code oldest} section. */
        public static final Oldest DEFAULT = new Oldest(0, List.of(), 0, false);

        public Oldest {
            preferredBatchSizes = List.copyOf(preferredBatchSizes);
        }
    }

    /** What a control input tells the model; the names are Triton's. */
    public enum ControlKind {
        /** True on the first request of a sequence. */
        CONTROL_SEQUENCE_START,
        /** True when the batch slot holds a request (false on padding). */
        CONTROL_SEQUENCE_READY,
        /** True on the last request of a sequence. */
        CONTROL_SEQUENCE_END,
        /** The sequence's correlation id. */
        CONTROL_SEQUENCE_CORRID
    }

    /**
     * One control tensor, of dims {@code [1]} per request; falseValue/trueValue from int32_false_true /
     * fp32_false_true / bool_false_true (dataType INT32 / FP32 / BOOL, bool values as 0 and 1); for
     * CORRID dataType is the control's data_type (INT64, UINT64, INT32, UINT32 or BYTES for
     * TYPE_STRING) and the values are 0.
     *
     * @param name the model input that receives it
     * @param kind what it carries
     * @param dataType its element type
     * @param falseValue the value meaning false
     * @param trueValue the value meaning true
     */
    public record ControlInput(String name, ControlKind kind, DataType dataType, double falseValue, double trueValue) {

        public ControlInput {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(dataType, "dataType");
        }
    }

    /**
     * Implicit state: input_name is fed the state, output_name's value becomes the next request's
     * state; initial value zeros.
     *
     * @param inputName the model input that receives the state
     * @param outputName the model output whose value is the next state
     * @param dataType the state's element type
     * @param dims the state's dims per request, without the batch dimension when the model batches;
     *     always concrete
     */
    public record State(String inputName, String outputName, DataType dataType, Shape dims) {

        public State {
            Objects.requireNonNull(inputName, "inputName");
            Objects.requireNonNull(outputName, "outputName");
            Objects.requireNonNull(dataType, "dataType");
            Objects.requireNonNull(dims, "dims");
        }
    }

    /** The control input of that kind, or null. */
    public ControlInput control(ControlKind kind) {
        for (ControlInput control : controlInputs) {
            if (control.kind() == kind) {
                return control;
            }
        }
        return null;
    }
}
