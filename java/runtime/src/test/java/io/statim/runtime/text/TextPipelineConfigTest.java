package io.statim.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.Shape;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import io.statim.runtime.text.TextPipelineConfig.LongText;
import io.statim.runtime.text.TextPipelineConfig.Normalization;
import io.statim.runtime.text.TextPipelineConfig.Pooling;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TextPipelineConfigTest {
    private static final String TEXT_IO = """
            max_batch_size: 8
            input { name: "TEXT" data_type: TYPE_STRING dims: [ 1 ] }
            output { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ 384 ] }
            """;

    private static ModelConfig parse(String text) {
        return ModelConfigParser.parse(text, "config.pbtxt", "minilm");
    }

    private static String parameter(String key, String value) {
        return "parameters { key: \"" + key + "\" value: { string_value: \"" + value + "\" } }\n";
    }

    private static ModelConfig textModel(String extraParameters) {
        return parse(TEXT_IO + parameter("tokenizer", "tokenizer.json") + extraParameters);
    }

    private static void assertInvalid(ModelConfig config, String... fragments) {
        assertThatThrownBy(() -> TextPipelineConfig.from(config))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .message().contains(fragments);
    }

    @Test
    void readsTheShippedMiniLmConfig() {
        TextPipelineConfig pipeline = TextPipelineConfig.from(parse(MiniLm.shippedConfig()));

        assertThat(pipeline).isEqualTo(new TextPipelineConfig("TEXT", "EMBEDDING", Shape.of(384), true, 384,
                "tokenizer.json", 128, LongText.TRUNCATE, Pooling.MEAN, Normalization.L2));
    }

    @Test
    void defaultsToMeanPoolingL2NormalizationAndTruncationAt512Tokens() {
        TextPipelineConfig pipeline = TextPipelineConfig.from(textModel(""));

        assertThat(pipeline.maxSequenceLength()).isEqualTo(TextPipelineConfig.DEFAULT_MAX_SEQUENCE_LENGTH);
        assertThat(pipeline.longText()).isEqualTo(LongText.TRUNCATE);
        assertThat(pipeline.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(pipeline.normalization()).isEqualTo(Normalization.L2);
    }

    @Test
    void readsChoicesWhateverTheirCase() {
        TextPipelineConfig pipeline = TextPipelineConfig.from(textModel(parameter("long_text", "Chunk")
                + parameter("pooling", "CLS") + parameter("normalize", "none")));

        assertThat(pipeline.longText()).isEqualTo(LongText.CHUNK);
        assertThat(pipeline.pooling()).isEqualTo(Pooling.CLS);
        assertThat(pipeline.normalization()).isEqualTo(Normalization.NONE);
    }

    @Test
    void isATextPipelineOnlyWhenATokenizerIsNamed() {
        assertThat(TextPipelines.isTextPipeline(textModel(""))).isTrue();
        assertThat(TextPipelines.isTextPipeline(parse(TEXT_IO))).isFalse();
    }

    @Test
    void rejectsAnUnknownPoolingNamingTheParameterAndTheValue() {
        assertInvalid(textModel(parameter("pooling", "max")), "'pooling'", "'max'", "'mean', 'cls'");
    }

    @Test
    void rejectsAnUnknownLongTextMode() {
        assertInvalid(textModel(parameter("long_text", "drop")), "'long_text'", "'drop'", "'truncate', 'chunk'");
    }

    @Test
    void rejectsAMaxSequenceLengthTooShortForText() {
        assertInvalid(textModel(parameter("max_sequence_length", "2")), "'max_sequence_length'", "2", ">= 3");
    }

    @Test
    void rejectsAMaxSequenceLengthThatIsNotANumber() {
        assertInvalid(textModel(parameter("max_sequence_length", "long")), "'max_sequence_length'", "'long'");
    }

    @Test
    void rejectsATokenizerOutsideTheVersionDirectory() {
        assertInvalid(parse(TEXT_IO + parameter("tokenizer", "../other/tokenizer.json")), "'tokenizer'", "../other");
        assertInvalid(parse(TEXT_IO + parameter("tokenizer", "/etc/tokenizer.json")), "'tokenizer'", "/etc");
    }

    @Test
    void rejectsAnEmptyTokenizer() {
        assertInvalid(parse(TEXT_IO + parameter("tokenizer", " ")), "'tokenizer'");
    }

    @Test
    void rejectsAnInputThatIsNotText() {
        assertInvalid(parse("""
                max_batch_size: 8
                input { name: "IDS" data_type: TYPE_INT64 dims: [ -1 ] }
                output { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ 384 ] }
                """ + parameter("tokenizer", "tokenizer.json")), "TYPE_STRING", "IDS TYPE_INT64");
    }

    @Test
    void rejectsABatchedOutputWithMoreThanTheEmbeddingDimension() {
        assertInvalid(parse("""
                max_batch_size: 8
                input { name: "TEXT" data_type: TYPE_STRING dims: [ 1 ] }
                output { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ -1, 384 ] }
                """ + parameter("tokenizer", "tokenizer.json")), "'EMBEDDING'", "[-1,384]");
    }

    @Test
    void rejectsABatchedInputOfMoreThanOneTextPerRow() {
        assertInvalid(parse("""
                max_batch_size: 8
                input { name: "TEXT" data_type: TYPE_STRING dims: [ -1 ] }
                output { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ 384 ] }
                """ + parameter("tokenizer", "tokenizer.json")), "'TEXT'", "[-1]", "dims [1]");
    }

    @Test
    void givesOneRowPerTextWithoutBatchingWhenTheOutputHasARowDimension() {
        TextPipelineConfig pipeline = TextPipelineConfig.from(parse("""
                input { name: "TEXT" data_type: TYPE_STRING dims: [ -1 ] }
                output { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ -1, 384 ] }
                """ + parameter("tokenizer", "tokenizer.json")));

        assertThat(pipeline.batching()).isFalse();
        assertThat(pipeline.outputShape(3)).isEqualTo(Shape.of(3, 384));
    }

    @Test
    void rejectsAnUnbatchedSingleEmbeddingOutputForSeveralTexts() {
        assertInvalid(parse("""
                input { name: "TEXT" data_type: TYPE_STRING dims: [ -1 ] }
                output { name: "EMBEDDING" data_type: TYPE_FP32 dims: [ 384 ] }
                """ + parameter("tokenizer", "tokenizer.json")), "one text", "[-1,384]");
    }

    @Test
    void resolvesTheTokenizerInTheVersionDirectory() {
        TextPipelineConfig pipeline = TextPipelineConfig.from(textModel(""));

        assertThat(pipeline.tokenizerPath(Path.of("repo", "minilm", "1"))).isEqualTo(Path.of("repo", "minilm", "1", "tokenizer.json"));
    }
}
