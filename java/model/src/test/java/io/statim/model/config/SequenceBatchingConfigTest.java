package io.statim.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.config.SequenceBatching.ControlInput;
import io.statim.model.config.SequenceBatching.ControlKind;
import io.statim.model.config.SequenceBatching.Oldest;
import io.statim.model.config.SequenceBatching.State;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

class SequenceBatchingConfigTest {
    /** Lines 2 and 3: inputs X and the optional CACHE, output Y; the text under test starts on line 4. */
    private static final String IO = "input [ { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }, "
            + "{ name: \"CACHE\" data_type: TYPE_FP32 dims: [ -1 ] optional: true } ]\n"
            + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }\n";

    private static final String STATE = "state { input_name: \"S_IN\" output_name: \"S_OUT\" data_type: TYPE_FP32 dims: [ 2, 3 ] ";

    private static ModelConfig parse(int maxBatchSize, String extra) {
        return ModelConfigParser.parse("max_batch_size: " + maxBatchSize + "\n" + IO + extra, "config.pbtxt", "m");
    }

    private static SequenceBatching sequences(String section) {
        return parse(8, section).sequenceBatching();
    }

    private static String control(String name, String control) {
        return "sequence_batching { control_input { name: \"" + name + "\" control { " + control + " } } }";
    }

    private static String state(String rest) {
        return "sequence_batching { " + STATE + rest + " } }";
    }

    private static void assertRejected(int maxBatchSize, String extra, String message) {
        assertThatThrownBy(() -> parse(maxBatchSize, extra))
                .isInstanceOf(StatusException.class)
                .hasMessage(message)
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
    }

    private static void assertRejected(String extra, String message) {
        assertRejected(8, extra, message);
    }

    @Test
    void anEmptySectionUsesTheOldestStrategyWithDefaults() {
        ModelConfig config = parse(8, "sequence_batching { }");

        assertThat(config.sequenceBatchingEnabled()).isTrue();
        assertThat(config.sequenceBatching()).isEqualTo(new SequenceBatching(0, new Oldest(0, List.of(), 0, false),
                List.of(), List.of(), List.of(), SequenceBatching.DEFAULT_TTL_SECONDS));
        assertThat(config.sequenceBatching().ttlSeconds()).isEqualTo(1200);
    }

    @Test
    void withoutTheSectionTheModelHasNoSequenceBatching() {
        ModelConfig config = parse(8, "");

        assertThat(config.sequenceBatchingEnabled()).isFalse();
        assertThat(config.sequenceBatching()).isNull();
        assertThat(config.executionConfig()).isSameAs(config);
    }

    @Test
    void bindsEveryFieldWithTritonsNames() {
        SequenceBatching s = sequences("""
                sequence_batching {
                  max_sequence_idle_microseconds: 5000000
                  oldest {
                    max_candidate_sequences: 4
                    preferred_batch_size: [ 4, 2 ]
                    max_queue_delay_microseconds: 100
                    preserve_ordering: true
                  }
                  control_input [
                    { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
                    { name: "READY" control [ { kind: CONTROL_SEQUENCE_READY fp32_false_true: [ -1.5, 2.5 ] } ] },
                    { name: "END" control [ { kind: CONTROL_SEQUENCE_END bool_false_true: [ false, true ] } ] },
                    { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] }
                  ]
                  state [
                    {
                      input_name: "ACC_IN"
                      output_name: "ACC_OUT"
                      data_type: TYPE_FP32
                      dims: [ 4 ]
                      initial_state { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true name: "zeros" }
                      use_same_buffer_for_input_output: true
                      use_growable_memory: false
                    }
                  ]
                  iterative_sequence: false
                }
                """);

        assertThat(s).isEqualTo(new SequenceBatching(5_000_000, new Oldest(4, List.of(2, 4), 100, true),
                List.of(new ControlInput("START", ControlKind.CONTROL_SEQUENCE_START, DataType.INT32, 0, 1),
                        new ControlInput("READY", ControlKind.CONTROL_SEQUENCE_READY, DataType.FP32, -1.5, 2.5),
                        new ControlInput("END", ControlKind.CONTROL_SEQUENCE_END, DataType.BOOL, 0, 1),
                        new ControlInput("CORRID", ControlKind.CONTROL_SEQUENCE_CORRID, DataType.UINT64, 0, 0)),
                List.of(new State("ACC_IN", "ACC_OUT", DataType.FP32, Shape.of(4))),
                List.of(), SequenceBatching.DEFAULT_TTL_SECONDS));
    }

    @Test
    void findsTheControlOfAKind() {
        SequenceBatching s = sequences("sequence_batching { control_input [ "
                + "{ name: \"S\" control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } }, "
                + "{ name: \"C\" control { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_INT64 } } ] }");

        assertThat(s.control(ControlKind.CONTROL_SEQUENCE_START).name()).isEqualTo("S");
        assertThat(s.control(ControlKind.CONTROL_SEQUENCE_CORRID).name()).isEqualTo("C");
        assertThat(s.control(ControlKind.CONTROL_SEQUENCE_END)).isNull();
        assertThat(s.control(ControlKind.CONTROL_SEQUENCE_READY)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"TYPE_INT64, INT64", "TYPE_UINT64, UINT64", "TYPE_INT32, INT32", "TYPE_UINT32, UINT32", "TYPE_STRING, BYTES"})
    void bindsEachCorrelationIdType(String configType, DataType type) {
        SequenceBatching s = sequences(control("CORRID", "kind: CONTROL_SEQUENCE_CORRID data_type: " + configType));

        assertThat(s.control(ControlKind.CONTROL_SEQUENCE_CORRID))
                .isEqualTo(new ControlInput("CORRID", ControlKind.CONTROL_SEQUENCE_CORRID, type, 0, 0));
    }

    @Test
    void acceptsSequenceBatchingOnAModelThatDoesNotBatch() {
        SequenceBatching s = parse(0, "sequence_batching { " + STATE + "} }").sequenceBatching();

        assertThat(s.states()).containsExactly(new State("S_IN", "S_OUT", DataType.FP32, Shape.of(2, 3)));
    }

    @Test
    void stateDimsExcludeTheBatchDimension() {
        SequenceBatching s = sequences(state(""));

        assertThat(s.states().getFirst().dims()).isEqualTo(Shape.of(2, 3));
    }

    @Test
    void executionConfigAppendsStateAndControlTensors() {
        ModelConfig config = parse(8, "sequence_batching { " + STATE + "} control_input [ "
                + "{ name: \"START\" control { kind: CONTROL_SEQUENCE_START bool_false_true: [ false, true ] } }, "
                + "{ name: \"CORRID\" control { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_STRING } } ] }");

        ModelConfig execution = config.executionConfig();

        assertThat(execution.inputs()).extracting(t -> t.name() + ":" + t.dataType() + t.dims() + (t.optional() ? "?" : ""))
                .containsExactly("X:FP32[4]", "CACHE:FP32[-1]?", "S_IN:FP32[2,3]", "START:BOOL[1]", "CORRID:BYTES[1]");
        assertThat(execution.outputs()).extracting(t -> t.name() + ":" + t.dataType() + t.dims())
                .containsExactly("Y:FP32[4]", "S_OUT:FP32[2,3]");
        assertThat(execution.sequenceBatching()).isEqualTo(config.sequenceBatching());
        assertThat(execution.maxBatchSize()).isEqualTo(8);
        assertThat(config.inputs()).hasSize(2);
    }

    @Test
    void executionConfigKeepsAStateOutputThatIsAlsoDeclared() {
        ModelConfig config = ModelConfigParser.parse("""
                max_batch_size: 8
                input { name: "X" data_type: TYPE_FP32 dims: [ 4 ] }
                output [ { name: "Y" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "S_OUT" data_type: TYPE_FP32 dims: [ 2, 3 ] } ]
                sequence_batching { state { input_name: "S_IN" output_name: "S_OUT" data_type: TYPE_FP32 dims: [ 2, 3 ] } }
                """, "config.pbtxt", "m");

        assertThat(config.executionConfig().outputs()).extracting(TensorConfig::name).containsExactly("Y", "S_OUT");
        assertThat(config.executionConfig().inputs()).extracting(TensorConfig::name).containsExactly("X", "S_IN");
    }

    @Test
    void executionConfigOfAnExecutionConfigIsItself() {
        ModelConfig execution = parse(8, state("")).executionConfig();

        assertThat(execution.executionConfig()).isSameAs(execution);
    }

    @Test
    void readsTheSessionParameters() {
        SequenceBatching s = parse(8, """
                sequence_batching { }
                parameters { key: "session_cached_inputs" value { string_value: " CACHE " } }
                parameters { key: "session_ttl_seconds" value { string_value: "60" } }
                """).sequenceBatching();

        assertThat(s.cachedInputs()).containsExactly("CACHE");
        assertThat(s.ttlSeconds()).isEqualTo(60);
    }

    @Test
    void keepsTheSessionParametersInTheParameterMap() {
        ModelConfig config = parse(8, "sequence_batching { }\n"
                + "parameters { key: \"session_ttl_seconds\" value { string_value: \"60\" } }");

        assertThat(config.parameter("session_ttl_seconds", "")).isEqualTo("60");
    }

    @Test
    void rejectsTheDirectStrategy() {
        assertRejected("sequence_batching {\n direct { }\n}",
                "config.pbtxt:5: sequence_batching.direct is not supported: Statim implements the oldest strategy; "
                        + "remove direct or use oldest");
    }

    @Test
    void rejectsIterativeSequences() {
        assertRejected("sequence_batching { iterative_sequence: true }",
                "config.pbtxt:4: sequence_batching.iterative_sequence is not supported by Statim; remove it or set it to false");
    }

    @Test
    void rejectsGenerativeSequences() {
        assertRejected("sequence_batching { generative_sequence: true }",
                "config.pbtxt:4: sequence_batching.generative_sequence is not supported by Statim; remove it");
    }

    @Test
    void rejectsAnInitialStateFromADataFile() {
        assertRejected(state("initial_state { data_type: TYPE_FP32 dims: [ 2, 3 ] data_file: \"init.bin\" }"),
                "config.pbtxt:4: sequence_batching.state.initial_state.data_file is not supported by Statim; only zero_data: true is");
    }

    @Test
    void rejectsAnInitialStateWithoutZeroData() {
        assertRejected(state("initial_state { data_type: TYPE_FP32 dims: [ 2, 3 ] name: \"x\" }"),
                "config.pbtxt:4: sequence_batching state 'S_IN' initial_state needs zero_data: true; "
                        + "Statim supports only zero initial states");
    }

    @Test
    void rejectsAnInitialStateWhoseDimsDisagree() {
        assertRejected(state("initial_state { data_type: TYPE_FP32 dims: [ 3, 2 ] zero_data: true }"),
                "config.pbtxt:4: sequence_batching state 'S_IN' initial_state dims [3,2] differ from the state's dims [2,3]");
    }

    @Test
    void rejectsAnInitialStateWhoseTypeDisagrees() {
        assertRejected(state("initial_state { data_type: TYPE_FP16 dims: [ 2, 3 ] zero_data: true }"),
                "config.pbtxt:4: sequence_batching state 'S_IN' initial_state data_type TYPE_FP16 differs from the state's TYPE_FP32");
    }

    @Test
    void rejectsSeveralInitialStates() {
        assertRejected(state("initial_state [ { zero_data: true }, { zero_data: true } ]"),
                "config.pbtxt:4: sequence_batching state 'S_IN' has 2 initial_state entries; give at most one");
    }

    @Test
    void rejectsAStateWithAWildcardDim() {
        assertRejected("sequence_batching { state { input_name: \"S_IN\" output_name: \"S_OUT\" data_type: TYPE_FP32 dims: [ -1 ] } }",
                "config.pbtxt:4: sequence_batching state 'S_IN' dims[0]=-1 must be >= 1; Statim needs fixed state dims, "
                        + "since a sequence's first state is zeros of that shape");
    }

    @Test
    void rejectsAStringState() {
        assertRejected("sequence_batching { state { input_name: \"S_IN\" output_name: \"S_OUT\" data_type: TYPE_STRING dims: [ 1 ] } }",
                "config.pbtxt:4: sequence_batching state 'S_IN' has data_type TYPE_STRING; Statim supports states of fixed-size types only");
    }

    @Test
    void rejectsAStateWithoutDims() {
        assertRejected("sequence_batching { state { input_name: \"S_IN\" output_name: \"S_OUT\" data_type: TYPE_FP32 } }",
                "config.pbtxt:4: sequence_batching state 'S_IN' has no dims");
    }

    @Test
    void rejectsAStateWhoseOutputIsItsInput() {
        assertRejected("sequence_batching { state { input_name: \"S\" output_name: \"S\" data_type: TYPE_FP32 dims: [ 1 ] } }",
                "config.pbtxt:4: sequence_batching state 'S' has output_name equal to its input_name; they must differ");
    }

    @Test
    void rejectsAControlInputWithTwoControls() {
        assertRejected("sequence_batching { control_input { name: \"C\" control [ "
                        + "{ kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] }, "
                        + "{ kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } ] } }",
                "config.pbtxt:4: sequence_batching control_input 'C' has 2 controls; Statim needs exactly one control per control_input");
    }

    @Test
    void rejectsAControlInputWithoutControls() {
        assertRejected("sequence_batching { control_input { name: \"C\" } }",
                "config.pbtxt:4: sequence_batching control_input 'C' has 0 controls; Statim needs exactly one control per control_input");
    }

    @Test
    void rejectsAControlKindGivenTwice() {
        assertRejected("sequence_batching { control_input [\n"
                        + "{ name: \"A\" control { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } },\n"
                        + "{ name: \"B\" control { kind: CONTROL_SEQUENCE_START fp32_false_true: [ 0, 1 ] } } ] }",
                "config.pbtxt:6: sequence_batching control_input 'B' repeats kind CONTROL_SEQUENCE_START of control_input 'A'; "
                        + "each kind may be given once");
    }

    @Test
    void rejectsAControlNamedLikeADeclaredInput() {
        assertRejected(control("X", "kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ]"),
                "config.pbtxt:4: sequence_batching control_input 'X' collides with input 'X'; the sequence batcher feeds "
                        + "control and state tensors itself, so they are not declared as input or output");
    }

    @Test
    void rejectsAControlNamedLikeADeclaredOutput() {
        assertRejected(control("Y", "kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_INT64"),
                "config.pbtxt:4: sequence_batching control_input 'Y' collides with output 'Y'; the sequence batcher feeds "
                        + "control and state tensors itself, so they are not declared as input or output");
    }

    @Test
    void rejectsAStateInputNamedLikeADeclaredInput() {
        assertRejected("sequence_batching { state { input_name: \"CACHE\" output_name: \"S_OUT\" data_type: TYPE_FP32 dims: [ 1 ] } }",
                "config.pbtxt:4: sequence_batching state input_name 'CACHE' collides with input 'CACHE'; the sequence batcher feeds "
                        + "control and state tensors itself, so they are not declared as input or output");
    }

    @Test
    void rejectsAStateOutputNamedLikeADeclaredInput() {
        assertRejected("sequence_batching { state { input_name: \"S_IN\" output_name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] } }",
                "config.pbtxt:4: sequence_batching state output_name 'X' collides with input 'X'; the sequence batcher feeds "
                        + "control and state tensors itself, so they are not declared as input or output");
    }

    @Test
    void rejectsAStateOutputDeclaredWithAnotherShape() {
        assertRejected("sequence_batching { state { input_name: \"S_IN\" output_name: \"Y\" data_type: TYPE_FP32 dims: [ 2 ] } }",
                "config.pbtxt:4: sequence_batching state output_name 'Y' is declared as an output of TYPE_FP32 [4], "
                        + "but the state is TYPE_FP32 [2]; they must agree");
    }

    @Test
    void rejectsAStateNamedLikeAControl() {
        assertRejected("sequence_batching { control_input { name: \"C\" control { kind: CONTROL_SEQUENCE_END int32_false_true: [ 0, 1 ] } }\n"
                        + "state { input_name: \"C\" output_name: \"S_OUT\" data_type: TYPE_FP32 dims: [ 1 ] } }",
                "config.pbtxt:5: sequence_batching state input_name 'C' collides with control_input 'C'; "
                        + "each control and state tensor needs its own name");
    }

    @Test
    void rejectsTwoStatesWithOneOutput() {
        assertRejected("sequence_batching { state [\n"
                        + "{ input_name: \"A_IN\" output_name: \"OUT\" data_type: TYPE_FP32 dims: [ 1 ] },\n"
                        + "{ input_name: \"B_IN\" output_name: \"OUT\" data_type: TYPE_FP32 dims: [ 1 ] } ] }",
                "config.pbtxt:6: sequence_batching state output_name 'OUT' collides with state output_name 'OUT'; "
                        + "each control and state tensor needs its own name");
    }

    @Test
    void rejectsABooleanControlWithoutValues() {
        assertRejected(control("S", "kind: CONTROL_SEQUENCE_START"),
                "config.pbtxt:4: sequence_batching control_input 'S' of kind CONTROL_SEQUENCE_START needs one of "
                        + "int32_false_true, fp32_false_true or bool_false_true");
    }

    @Test
    void rejectsABooleanControlWithTwoValueFields() {
        assertRejected(control("S", "kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] fp32_false_true: [ 0, 1 ]"),
                "config.pbtxt:4: control gives both int32_false_true and fp32_false_true; give one");
    }

    @Test
    void rejectsABooleanControlWithoutTwoValues() {
        assertRejected(control("S", "kind: CONTROL_SEQUENCE_START int32_false_true: [ 1 ]"),
                "config.pbtxt:4: sequence_batching control_input 'S' int32_false_true has 1 values; it needs two: [ false, true ]");
    }

    @Test
    void rejectsABooleanControlWithADataType() {
        assertRejected(control("S", "kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] data_type: TYPE_INT32"),
                "config.pbtxt:4: sequence_batching control_input 'S' of kind CONTROL_SEQUENCE_READY takes no data_type; "
                        + "its type comes from int32_false_true, fp32_false_true or bool_false_true");
    }

    @Test
    void rejectsACorrelationIdWithoutADataType() {
        assertRejected(control("C", "kind: CONTROL_SEQUENCE_CORRID"),
                "config.pbtxt:4: sequence_batching control_input 'C' of kind CONTROL_SEQUENCE_CORRID has no data_type; "
                        + "expected one of [TYPE_INT64, TYPE_UINT64, TYPE_INT32, TYPE_UINT32, TYPE_STRING]");
    }

    @Test
    void rejectsACorrelationIdOfAnotherType() {
        assertRejected(control("C", "kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_FP32"),
                "config.pbtxt:4: sequence_batching control_input 'C' of kind CONTROL_SEQUENCE_CORRID has data_type TYPE_FP32; "
                        + "expected one of [TYPE_INT64, TYPE_UINT64, TYPE_INT32, TYPE_UINT32, TYPE_STRING]");
    }

    @Test
    void rejectsACorrelationIdWithFalseTrueValues() {
        assertRejected(control("C", "kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_INT64 int32_false_true: [ 0, 1 ]"),
                "config.pbtxt:4: sequence_batching control_input 'C' of kind CONTROL_SEQUENCE_CORRID takes data_type, "
                        + "not int32_false_true");
    }

    @Test
    void rejectsAControlWithoutKind() {
        assertRejected(control("C", "int32_false_true: [ 0, 1 ]"),
                "config.pbtxt:4: sequence_batching control_input 'C' control has no kind; expected one of "
                        + "[CONTROL_SEQUENCE_START, CONTROL_SEQUENCE_READY, CONTROL_SEQUENCE_END, CONTROL_SEQUENCE_CORRID]");
    }

    @Test
    void rejectsAnUnknownControlKind() {
        assertRejected(control("C", "kind: CONTROL_SEQUENCE_PAUSE"),
                "config.pbtxt:4: control kind 'CONTROL_SEQUENCE_PAUSE' is not known; expected one of "
                        + "[CONTROL_SEQUENCE_START, CONTROL_SEQUENCE_READY, CONTROL_SEQUENCE_END, CONTROL_SEQUENCE_CORRID]");
    }

    @Test
    void rejectsAPreferredSizeOverMaxBatchSize() {
        assertRejected(4, "sequence_batching { oldest { preferred_batch_size: [ 8 ] } }",
                "config.pbtxt:4: sequence_batching.oldest preferred_batch_size 8 must be between 1 and max_batch_size=4");
    }

    @Test
    void rejectsANegativeIdleTime() {
        assertRejected("sequence_batching { max_sequence_idle_microseconds: -1 }",
                "config.pbtxt:4: max_sequence_idle_microseconds=-1 must be between 0 and 9223372036854775807");
    }

    @Test
    void rejectsDynamicAndSequenceBatchingTogether() {
        assertRejected("dynamic_batching { }\nsequence_batching { }",
                "config.pbtxt:5: dynamic_batching and sequence_batching exclude each other (Triton's scheduling_choice); "
                        + "sequence_batching batches the requests of different sequences itself, so keep one");
    }

    @Test
    void rejectsAnUnknownFieldInsideTheSection() {
        assertRejected("sequence_batching { oldest { max_candidates: 3 } }",
                "config.pbtxt:4: field 'sequence_batching.oldest.max_candidates' is not supported by Statim");
    }

    @Test
    void rejectsACachedInputThatIsNotDeclared() {
        assertRejected("sequence_batching { }\nparameters { key: \"session_cached_inputs\" value { string_value: \"CACHE,DOC\" } }",
                "config.pbtxt:5: parameter 'session_cached_inputs' names 'DOC', which is not a declared input");
    }

    @Test
    void rejectsACachedInputThatIsNotOptional() {
        assertRejected("sequence_batching { }\nparameters { key: \"session_cached_inputs\" value { string_value: \"X\" } }",
                "config.pbtxt:5: parameter 'session_cached_inputs' names input 'X', which is not optional; "
                        + "mark it optional: true so that follow-up requests of a session may omit it");
    }

    @Test
    void rejectsAnEmptyCachedInputName() {
        assertRejected("sequence_batching { }\nparameters { key: \"session_cached_inputs\" value { string_value: \"CACHE,\" } }",
                "config.pbtxt:5: parameter 'session_cached_inputs' has an empty input name; list input names separated by commas");
    }

    @Test
    void rejectsACachedInputListedTwice() {
        assertRejected("sequence_batching { }\nparameters { key: \"session_cached_inputs\" value { string_value: \"CACHE, CACHE\" } }",
                "config.pbtxt:5: parameter 'session_cached_inputs' names input 'CACHE' twice");
    }

    @ParameterizedTest
    @CsvSource({"0", "-5", "ten", "1.5"})
    void rejectsATtlThatIsNotAPositiveInteger(String ttl) {
        assertRejected("sequence_batching { }\nparameters { key: \"session_ttl_seconds\" value { string_value: \"" + ttl + "\" } }",
                "config.pbtxt:5: parameter 'session_ttl_seconds' is '" + ttl + "'; it must be a positive integer number of seconds");
    }

    @ParameterizedTest
    @CsvSource({"session_cached_inputs, CACHE", "session_ttl_seconds, 60"})
    void rejectsSessionParametersWithoutSequenceBatching(String key, String value) {
        assertRejected("parameters { key: \"" + key + "\" value { string_value: \"" + value + "\" } }",
                "config.pbtxt:4: parameter '" + key + "' needs a sequence_batching section; sessions are sequences, "
                        + "add sequence_batching { } or remove the parameter");
    }
}
