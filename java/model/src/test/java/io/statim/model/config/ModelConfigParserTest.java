package io.statim.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

class ModelConfigParserTest {
    /** One input and one output on line 1, so that a field appended after a newline is on line 2. */
    private static final String IO = "input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] } "
            + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }";

    private static ModelConfig parse(String text) {
        return ModelConfigParser.parse(text, "config.pbtxt", "m");
    }

    /** The config with one valid input and output, then {@code extra} from line 2. */
    private static ModelConfig parseWithIo(String extra) {
        return parse(IO + "\n" + extra);
    }

    @Test
    void bindsEverySupportedField() {
        ModelConfig config = parse("""
                name: "m"
                platform: "onnxruntime_onnx"
                backend: "onnxruntime"
                max_batch_size: 8
                input [
                  { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] },
                  { name: "MASK" data_type: TYPE_BOOL dims: [ -1 ] optional: true }
                ]
                output { name: "OUTPUT0" data_type: TYPE_FP16 dims: [ 2, 8 ] reshape { shape: [ 16 ] } }
                instance_group [ { name: "gpu" count: 2 kind: KIND_GPU gpus: [ 0, 1 ] } ]
                parameters { key: "intra_op_thread_count" value: { string_value: "4" } }
                version_policy { specific { versions: [ 1, 3 ] } }
                default_model_filename: "net.onnx"
                """);

        assertThat(config).isEqualTo(new ModelConfig("m", "onnxruntime_onnx", "onnxruntime", 8,
                List.of(new TensorConfig("INPUT0", DataType.INT32, Shape.of(16), null, false),
                        new TensorConfig("MASK", DataType.BOOL, Shape.of(-1), null, true)),
                List.of(new TensorConfig("OUTPUT0", DataType.FP16, Shape.of(2, 8), Shape.of(16), false)),
                List.of(new InstanceGroup("gpu", 2, InstanceGroup.Kind.KIND_GPU, List.of(0, 1))),
                Map.of("intra_op_thread_count", "4"),
                new VersionPolicy.Specific(new TreeSet<>(List.of(1L, 3L))),
                "net.onnx"));
    }

    @Test
    void appliesTritonDefaultsWhenFieldsAreAbsent() {
        ModelConfig config = parse(IO);

        assertThat(config.name()).isEqualTo("m");
        assertThat(config.platform()).isEqualTo(ModelConfigParser.PLATFORM);
        assertThat(config.backend()).isEqualTo(ModelConfigParser.BACKEND);
        assertThat(config.maxBatchSize()).isZero();
        assertThat(config.instanceGroups()).containsExactly(
                new InstanceGroup("m", 1, InstanceGroup.Kind.KIND_AUTO, List.of()));
        assertThat(config.parameters()).isEmpty();
        assertThat(config.versionPolicy()).isEqualTo(new VersionPolicy.Latest(1));
        assertThat(config.defaultModelFilename()).isEqualTo("model.onnx");
    }

    @Test
    void namesUnnamedInstanceGroupsAfterTheModelAndIndex() {
        ModelConfig config = parseWithIo("instance_group [ { kind: KIND_CPU }, { count: 3 kind: KIND_CPU } ]");

        assertThat(config.instanceGroups()).extracting(InstanceGroup::name, InstanceGroup::count)
                .containsExactly(tuple("m_0", 1), tuple("m_1", 3));
    }

    @Test
    void rejectsNameThatDiffersFromTheDirectory() {
        assertThatThrownBy(() -> parseWithIo("name: \"other\""))
                .isInstanceOf(StatusException.class)
                .hasMessage("config.pbtxt:2: name 'other' must equal the model's directory name 'm'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tensorrt_plan", "pytorch_libtorch", "tensorflow_savedmodel", "ensemble"})
    void rejectsPlatformsOtherThanOnnxRuntime(String platform) {
        assertThatThrownBy(() -> parseWithIo("platform: \"" + platform + "\""))
                .hasMessage("config.pbtxt:2: platform '" + platform
                        + "' is not supported; Statim serves ONNX models (onnxruntime)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"python", "pytorch", "tensorrt", "vllm"})
    void rejectsBackendsOtherThanOnnxRuntime(String backend) {
        assertThatThrownBy(() -> parseWithIo("backend: \"" + backend + "\""))
                .hasMessage("config.pbtxt:2: backend '" + backend
                        + "' is not supported; Statim serves ONNX models (onnxruntime)");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ensemble_scheduling { step [ ] }",
        "optimization { graph { level: 1 } }",
        "model_transaction_policy { decoupled: true }",
        "batch_input [ { kind: BATCH_ELEMENT_COUNT } ]",
        "batch_output [ { target_name: \"x\" } ]",
        "model_repository_agents { agents [ ] }",
        "runtime: \"libtorch.so\"",
    })
    void rejectsBehaviourChangingFieldsByNameAndLine(String field) {
        String name = field.split("[ :]")[0];

        assertThatThrownBy(() -> parseWithIo(field))
                .isInstanceOf(StatusException.class)
                .hasMessage("config.pbtxt:2: field '" + name + "' is not supported by Statim")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
    }

    @Test
    void rejectsUnknownFieldByNameAndLine() {
        assertThatThrownBy(() -> parse("name: \"m\"\n" + IO + "\n\nfoo: 1"))
                .hasMessage("config.pbtxt:4: field 'foo' is not supported by Statim");
    }

    @Test
    void acceptsLabelFilenameInAnOutputAsTritonsOnnxExamplesHaveIt() {
        ModelConfig config = parse(
                "input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }\n"
                        + "output {\n name: \"Y\"\n data_type: TYPE_FP32\n dims: [ 4 ]\n label_filename: \"labels.txt\"\n}");
        assertThat(config.output("Y")).isNotNull();
    }

    @Test
    void ignoresStartupAndObservabilityFields() {
        ModelConfig config = parseWithIo("""
                model_warmup [ { name: "w" batch_size: 1 inputs { key: "X" value { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } } } ]
                metric_tags { key: "team" value: "radiology" }
                cc_model_filenames { key: "8.0" value: "model_sm80.onnx" }
                """);

        assertThat(config).isEqualTo(parse(IO));
    }

    @Test
    void acceptsDisabledResponseCache() {
        assertThat(parseWithIo("response_cache { enable: false }")).isEqualTo(parse(IO));
    }

    @Test
    void rejectsEnabledResponseCache() {
        assertThatThrownBy(() -> parseWithIo("response_cache { enable: true }"))
                .hasMessage("config.pbtxt:2: response_cache is not supported by Statim; remove it or set enable: false");
    }

    @Test
    void rejectsNegativeMaxBatchSize() {
        assertThatThrownBy(() -> parseWithIo("max_batch_size: -1"))
                .hasMessage("config.pbtxt:2: max_batch_size=-1 must be >= 0");
    }

    @Test
    void rejectsZeroDimension() {
        assertThatThrownBy(() -> parse("input {\n name: \"X\" data_type: TYPE_FP32\n dims: [ 4, 0 ]\n}"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt:3: input 'X' dims[1]=0 must be >= 1 or -1");
    }

    @Test
    void rejectsDimensionBelowWildcard() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ -2 ] }"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt:1: input 'X' dims[0]=-2 must be >= 1 or -1");
    }

    @Test
    void rejectsTensorWithoutDims() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 }"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessageStartingWith("config.pbtxt:1: input 'X' has no dims");
    }

    @Test
    void rejectsTensorWithoutName() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }\n"
                + "output { data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt:2: output has no name");
    }

    @Test
    void rejectsTensorWithoutDataType() {
        assertThatThrownBy(() -> parse("input { name: \"X\" dims: [ 4 ] }"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt:1: input 'X' has no data_type");
    }

    @Test
    void rejectsUnknownDataType() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_INVALID dims: [ 4 ] }"))
                .hasMessageStartingWith("config.pbtxt:1: data_type 'TYPE_INVALID' is not known; expected one of TYPE_BOOL,");
    }

    @Test
    void bindsTypeStringAsBytes() {
        ModelConfig config = parse("input { name: \"X\" data_type: TYPE_STRING dims: [ 1 ] }"
                + " output { name: \"Y\" data_type: TYPE_STRING dims: [ 1 ] }");

        assertThat(config.input("X").dataType()).isEqualTo(DataType.BYTES);
    }

    @Test
    void rejectsDuplicateInputName() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }\n"
                + "input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }\n"
                + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt:2: input 'X' is declared twice");
    }

    @Test
    void rejectsConfigWithoutOutputs() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt: the model declares no output; it needs at least one");
    }

    @Test
    void rejectsConfigWithoutInputs() {
        assertThatThrownBy(() -> parse("output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt: the model declares no input; it needs at least one");
    }

    @Test
    void acceptsReshapeToScalar() {
        ModelConfig config = parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 1 ] reshape: { shape: [ ] } }"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }");

        assertThat(config.input("X").reshape()).isEqualTo(Shape.of());
        assertThat(config.input("X").modelDims()).isEqualTo(Shape.of());
    }

    @Test
    void rejectsReshapeWithAnotherElementCount() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ]\n reshape { shape: [ 3, 2 ] } }"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }"))
                .hasMessage("config.pbtxt:2: input 'X' reshape [3,2] has 6 elements but dims [4] has 4");
    }

    @Test
    void rejectsShapeTensor() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_INT32 dims: [ 4 ] is_shape_tensor: true }"))
                .hasMessage("config.pbtxt:1: field 'input.is_shape_tensor' is only supported as false");
    }

    @Test
    void rejectsRaggedBatchInput() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_INT32 dims: [ 4 ] allow_ragged_batch: true }"))
                .hasMessage("config.pbtxt:1: field 'input.allow_ragged_batch' is only supported as false");
    }

    @Test
    void acceptsImageFormatHints() {
        assertThat(parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] format: FORMAT_NCHW }\n"
                + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] }").input("X")).isNotNull();
    }

    @Test
    void rejectsAnUnknownFormat() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] format: FORMAT_XYZ }"))
                .hasMessageContaining("field 'input.format' must be one of");
    }

    @Test
    void acceptsDefaultValuedTensorFlags() {
        ModelConfig config = parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] format: FORMAT_NONE"
                + " is_shape_tensor: false allow_ragged_batch: false }"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] is_shape_tensor: false }");

        assertThat(config).isEqualTo(parse(IO));
    }

    @Test
    void rejectsOptionalOnAnOutput() {
        assertThatThrownBy(() -> parse("input { name: \"X\" data_type: TYPE_FP32 dims: [ 4 ] }"
                + " output { name: \"Y\" data_type: TYPE_FP32 dims: [ 4 ] optional: true }"))
                .hasMessage("config.pbtxt:1: field 'output.optional' is not supported by Statim");
    }

    @Test
    void rejectsZeroInstanceCount() {
        assertThatThrownBy(() -> parseWithIo("instance_group { count: 0 kind: KIND_CPU }"))
                .hasMessage("config.pbtxt:2: instance_group 'm_0' count=0 must be >= 1");
    }

    @Test
    void rejectsUnknownInstanceKind() {
        assertThatThrownBy(() -> parseWithIo("instance_group { kind: KIND_TPU }"))
                .hasMessage("config.pbtxt:2: instance_group kind 'KIND_TPU' is not known; expected one of "
                        + "[KIND_AUTO, KIND_CPU, KIND_GPU, KIND_MODEL]");
    }

    @Test
    void rejectsGpusOnACpuGroup() {
        assertThatThrownBy(() -> parseWithIo("instance_group { kind: KIND_CPU gpus: [ 0 ] }"))
                .hasMessage("config.pbtxt:2: instance_group 'm_0' lists gpus but its kind is KIND_CPU; gpus need KIND_GPU");
    }

    @Test
    void rejectsRateLimiterInInstanceGroup() {
        assertThatThrownBy(() -> parseWithIo("instance_group { rate_limiter { priority: 1 } }"))
                .hasMessage("config.pbtxt:2: field 'instance_group.rate_limiter' is not supported by Statim");
    }

    @Test
    void bindsParametersInTritonMapSyntax() {
        ModelConfig config = parseWithIo("""
                parameters { key: "b" value: { string_value: "2" } }
                parameters: [ { key: "a", value { string_value: "1" } } ]
                parameters { key: "empty" }
                """);

        assertThat(config.parameters()).containsExactly(Map.entry("b", "2"), Map.entry("a", "1"), Map.entry("empty", ""));
    }

    @Test
    void rejectsParameterGivenTwice() {
        assertThatThrownBy(() -> parseWithIo("parameters { key: \"a\" value: { string_value: \"1\" } }\n"
                + "parameters { key: \"a\" value: { string_value: \"2\" } }"))
                .hasMessage("config.pbtxt:3: parameter 'a' is given twice");
    }

    @Test
    void rejectsParameterWithoutKey() {
        assertThatThrownBy(() -> parseWithIo("parameters { value: { string_value: \"1\" } }"))
                .hasMessage("config.pbtxt:2: parameters entry has no key");
    }

    @Test
    void bindsLatestVersionPolicy() {
        assertThat(parseWithIo("version_policy: { latest: { num_versions: 2 } }").versionPolicy())
                .isEqualTo(new VersionPolicy.Latest(2));
    }

    @Test
    void bindsAllVersionPolicy() {
        assertThat(parseWithIo("version_policy: { all { } }").versionPolicy()).isEqualTo(new VersionPolicy.All());
    }

    @Test
    void rejectsZeroLatestVersions() {
        assertThatThrownBy(() -> parseWithIo("version_policy { latest { num_versions: 0 } }"))
                .hasMessage("config.pbtxt:2: version_policy latest num_versions=0 must be >= 1");
    }

    @Test
    void rejectsSeveralVersionPolicies() {
        assertThatThrownBy(() -> parseWithIo("version_policy {\n latest { num_versions: 1 }\n all { }\n}"))
                .hasMessage("config.pbtxt:4: version_policy takes one of latest, all or specific, not several");
    }

    @Test
    void rejectsEmptyVersionPolicy() {
        assertThatThrownBy(() -> parseWithIo("version_policy { }"))
                .hasMessage("config.pbtxt:2: version_policy needs one of latest, all or specific");
    }

    @Test
    void rejectsSpecificVersionBelowOne() {
        assertThatThrownBy(() -> parseWithIo("version_policy { specific { versions: [ 0 ] } }"))
                .hasMessage("config.pbtxt:2: version_policy specific version 0 must be >= 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../model.onnx", "sub/model.onnx", "..", ""})
    void rejectsDefaultModelFilenameThatIsNotAPlainName(String filename) {
        assertThatThrownBy(() -> parseWithIo("default_model_filename: \"" + filename + "\""))
                .hasMessage("config.pbtxt:2: default_model_filename '" + filename + "' must be a plain file name");
    }
}
