package io.statim.runtime.text;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.TensorConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The pre- and post-processing steps of a text-embedding model, read from the {@code parameters} of its
 * {@code config.pbtxt} (string values, as in Triton) and checked once, when the model loads.
 *
 * <pre>
 * parameters { key: "tokenizer"           value: { string_value: "tokenizer.json" } }
 * parameters { key: "max_sequence_length" value: { string_value: "128" } }
 * parameters { key: "long_text"           value: { string_value: "truncate" } }
 * parameters { key: "pooling"             value: { string_value: "mean" } }
 * parameters { key: "normalize"           value: { string_value: "l2" } }
 * </pre>
 *
 * <p>The model has one BYTES input (one text per element; with {@code max_batch_size > 0} its dims are
 * typically {@code [1]}, so a request of n texts has shape {@code [n,1]}) and one FP32 output whose last
 * dimension is the embedding size ({@code [384]} for all-MiniLM-L6-v2). Each text gives one output row.
 *
 * <p>Agreement with langchain4j: its {@code OnnxBertBiEncoder} is written to split a text into windows
 * of 510 tokens plus [CLS] and [SEP] and average them weighted by token count ({@code long_text=chunk}
 * implements that), but it tokenizes through DJL with the truncation that DJL takes from tokenizer.json
 * (128 tokens in the all-MiniLM-L6-v2 one shipped in langchain4j's jar, 512 when the file declares
 * none), so in practice it embeds only the first window of a long text. Hence {@code minilm} uses
 * {@code max_sequence_length=128} with {@code long_text=truncate}: the same embeddings as langchain4j's
 * AllMiniLmL6V2EmbeddingModel for texts of any length, and the length the model was trained on. The
 * pipeline itself ignores the truncation and padding declared in tokenizer.json: this config alone
 * decides.
 *
 * <p>Immutable; safe for any thread.
 *
 * @param inputName         the BYTES input holding the texts
 * @param outputName        the FP32 output holding one embedding per text
 * @param outputDims        the output's configured dims (without the batch dimension when batching)
 * @param batching          true when the model batches ({@code max_batch_size > 0})
 * @param embeddingSize     floats per embedding: the output's last dimension
 * @param tokenizerFile     tokenizer.json, relative to the version directory
 * @param maxSequenceLength tokens per window, the tokenizer's special tokens ([CLS], [SEP]) included
 * @param longText          what happens to a text longer than one window
 * @param pooling           how token embeddings become one text embedding
 * @param normalization     what is done to the pooled embedding
 */
public record TextPipelineConfig(
        String inputName,
        String outputName,
        Shape outputDims,
        boolean batching,
        int embeddingSize,
        String tokenizerFile,
        int maxSequenceLength,
        LongText longText,
        Pooling pooling,
        Normalization normalization) {

    /** Parameter naming the tokenizer.json file, relative to the version directory; required. */
    public static final String TOKENIZER = "tokenizer";
    /** Parameter: tokens per window, special tokens included. */
    public static final String MAX_SEQUENCE_LENGTH = "max_sequence_length";
    /** Default of {@link #MAX_SEQUENCE_LENGTH}: BERT's position limit. */
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 512;
    /** Smallest {@link #MAX_SEQUENCE_LENGTH}: [CLS], one token of text, [SEP]. */
    public static final int MIN_MAX_SEQUENCE_LENGTH = 3;
    /** Parameter: {@code truncate} (default) or {@code chunk}. */
    public static final String LONG_TEXT = "long_text";
    /** Parameter: {@code mean} (default) or {@code cls}. */
    public static final String POOLING = "pooling";
    /** Parameter: {@code l2} (default) or {@code none}. */
    public static final String NORMALIZE = "normalize";

    /** What happens to a text with more tokens than fit in one window. */
    public enum LongText {
        /** Only the first window is embedded. */
        TRUNCATE,
        /**
         * The text is split into windows (never inside a word, when a word fits in a window), each is
         * embedded, and the pooled embeddings are averaged weighted by their token counts, as langchain4j
         * does.
         */
        CHUNK
    }

    /** How the token embeddings of a window become one vector. */
    public enum Pooling {
        /** The mean over the tokens of the window (the attention mask), special tokens included. */
        MEAN,
        /** The embedding of the first token ([CLS]). */
        CLS
    }

    /** What is done to a text's pooled embedding. */
    public enum Normalization {
        /** Scaled to unit Euclidean length (a zero vector stays zero). */
        L2,
        /** Left as pooled. */
        NONE
    }

    public TextPipelineConfig {
        if (maxSequenceLength < MIN_MAX_SEQUENCE_LENGTH) {
            throw new IllegalArgumentException(MAX_SEQUENCE_LENGTH + "=" + maxSequenceLength + " must be >= " + MIN_MAX_SEQUENCE_LENGTH);
        }
        if (embeddingSize < 1) {
            throw new IllegalArgumentException("embeddingSize=" + embeddingSize + " must be >= 1");
        }
    }

    /**
     * Reads and validates the pipeline of a model.
     *
     * @throws StatusException INVALID_ARGUMENT naming the model, the parameter or tensor, and the value
     */
    public static TextPipelineConfig from(ModelConfig config) {
        String model = "model '" + config.name() + "': ";
        String tokenizer = config.parameter(TOKENIZER, "").strip();
        if (tokenizer.isEmpty()) {
            throw invalid(model + "parameter '" + TOKENIZER + "' must name the tokenizer.json file in the version directory");
        }
        if (!isPlainRelative(tokenizer)) {
            throw invalid(model + "parameter '" + TOKENIZER + "' is '" + tokenizer
                    + "'; it must be a path inside the version directory");
        }
        int maxSequenceLength = config.intParameter(MAX_SEQUENCE_LENGTH, DEFAULT_MAX_SEQUENCE_LENGTH);
        if (maxSequenceLength < MIN_MAX_SEQUENCE_LENGTH) {
            throw invalid(model + "parameter '" + MAX_SEQUENCE_LENGTH + "' is " + maxSequenceLength + "; it must be >= "
                    + MIN_MAX_SEQUENCE_LENGTH);
        }
        LongText longText = choice(config, LONG_TEXT, LongText.TRUNCATE);
        Pooling pooling = choice(config, POOLING, Pooling.MEAN);
        Normalization normalization = choice(config, NORMALIZE, Normalization.L2);

        if (config.inputs().size() != 1 || config.inputs().getFirst().dataType() != DataType.BYTES) {
            throw invalid(model + "a text pipeline takes exactly one input of TYPE_STRING, but the config has "
                    + describe(config.inputs()));
        }
        if (config.outputs().size() != 1 || config.outputs().getFirst().dataType() != DataType.FP32) {
            throw invalid(model + "a text pipeline has exactly one output of TYPE_FP32, but the config has "
                    + describe(config.outputs()));
        }
        TensorConfig input = config.inputs().getFirst();
        TensorConfig output = config.outputs().getFirst();
        if (config.batching() && input.dims().elementCount() != 1) {
            throw invalid(model + "input '" + input.name() + "' has dims " + input.dims()
                    + "; with max_batch_size > 0 a text pipeline takes one text per row, dims [1]");
        }
        int embeddingSize = embeddingSize(model, config, input, output);
        return new TextPipelineConfig(input.name(), output.name(), output.dims(), config.batching(), embeddingSize,
                tokenizer, maxSequenceLength, longText, pooling, normalization);
    }

    /** The tokenizer.json of a version directory. */
    public Path tokenizerPath(Path versionDir) {
        return versionDir.resolve(tokenizerFile);
    }

    /** The shape of the output for {@code rows} texts. */
    public Shape outputShape(long rows) {
        return outputDims.rank() == 1 && !batching ? Shape.of(embeddingSize) : Shape.of(rows, embeddingSize);
    }

    /**
     * Output dims [D] with batching, or without batching [D] for exactly one text or [-1,D] for any
     * number of texts; D is concrete.
     */
    private static int embeddingSize(String model, ModelConfig config, TensorConfig input, TensorConfig output) {
        Shape dims = output.dims();
        long size = dims.rank() == 0 ? Shape.ANY : dims.dim(dims.rank() - 1);
        boolean rowsFree = dims.rank() == 2 && dims.dim(0) == Shape.ANY && !config.batching();
        if (size < 1 || size > Integer.MAX_VALUE || !(dims.rank() == 1 || rowsFree)) {
            throw invalid(model + "output '" + output.name() + "' has dims " + dims + "; a text pipeline needs [D]"
                    + (config.batching() ? "" : " or [-1,D]") + " with a fixed embedding size D");
        }
        if (dims.rank() == 1 && !config.batching() && input.dims().elementCount() != 1) {
            throw invalid(model + "output '" + output.name() + "' has dims " + dims + " for one text, but input '"
                    + input.name() + "' has dims " + input.dims() + "; use [-1," + size + "] or max_batch_size > 0");
        }
        return (int) size;
    }

    private static <E extends Enum<E>> E choice(ModelConfig config, String key, E defaultValue) {
        String value = config.parameter(key, defaultValue.name()).strip();
        for (E option : defaultValue.getDeclaringClass().getEnumConstants()) {
            if (option.name().equalsIgnoreCase(value)) {
                return option;
            }
        }
        StringBuilder options = new StringBuilder();
        for (E option : defaultValue.getDeclaringClass().getEnumConstants()) {
            options.append(options.isEmpty() ? "'" : ", '").append(option.name().toLowerCase(Locale.ROOT)).append('\'');
        }
        throw invalid("model '" + config.name() + "': parameter '" + key + "' is '" + value + "'; expected one of " + options);
    }

    private static boolean isPlainRelative(String file) {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            return false;
        }
        if (path.isAbsolute() || file.startsWith("/") || file.startsWith("\\")) {
            return false;
        }
        for (Path part : path) {
            if (part.toString().equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<TensorConfig> tensors) {
        StringBuilder sb = new StringBuilder("[");
        for (TensorConfig t : tensors) {
            sb.append(sb.length() == 1 ? "" : ", ").append(t.name()).append(' ').append(t.dataType().configName());
        }
        return sb.append(']').toString();
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
