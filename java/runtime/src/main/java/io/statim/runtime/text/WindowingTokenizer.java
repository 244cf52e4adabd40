package io.statim.runtime.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.runtime.text.TextPipelineConfig.LongText;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A HuggingFace tokenizer (DJL's binding of the Rust {@code tokenizers} crate) that cuts each text into
 * windows of at most {@code maxSequenceLength} tokens, special tokens included, truncating or chunking
 * as configured. The truncation and padding declared in tokenizer.json are switched off: padding is done
 * per batch, windowing here.
 *
 * <p>Texts are encoded one by one on the calling thread (the crate's batch encoding would fan out over
 * every core, past the instance's thread budget). Not thread-safe: one per model instance. Owns the
 * native tokenizer; {@link #close()} frees it.
 */
final class WindowingTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxSequenceLength;
    private final LongText longText;

    /**
     * @throws StatusException INVALID_ARGUMENT when the file is missing or not a tokenizer, or a window
     *     leaves no room for text after the tokenizer's special tokens
     */
    WindowingTokenizer(String model, Path tokenizerJson, int maxSequenceLength, LongText longText) {
        this.maxSequenceLength = maxSequenceLength;
        this.longText = longText;
        String file = tokenizerJson.getFileName().toString();
        if (!Files.isRegularFile(tokenizerJson)) {
            throw invalid("model '" + model + "': tokenizer file " + file + " is not in the version directory");
        }
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"));
        } catch (IOException | RuntimeException e) {
            throw new StatusException(Status.invalidArgument("model '" + model + "': cannot load tokenizer " + file + ": "
                    + e.getClass().getSimpleName()), e);
        }
        int specials = tokenizer.encode("").getIds().length;
        if (maxSequenceLength <= specials) {
            tokenizer.close();
            throw invalid("model '" + model + "': " + TextPipelineConfig.MAX_SEQUENCE_LENGTH + "=" + maxSequenceLength
                    + " leaves no room for text after the tokenizer's " + specials + " special tokens");
        }
    }

    /** Tokenizes a batch of texts into windows. Allocates (encodings, id arrays). */
    TokenWindows tokenize(List<String> texts) {
        TokenWindows windows = new TokenWindows();
        for (String text : texts) {
            windows.startText();
            addWindows(tokenizer.encode(text), windows);
        }
        return windows;
    }

    private void addWindows(Encoding encoding, TokenWindows out) {
        long[] ids = encoding.getIds();
        long[] special = encoding.getSpecialTokenMask();
        int lead = 0;
        while (lead < ids.length && special[lead] != 0) {
            lead++;
        }
        int end = ids.length;
        while (end > lead && special[end - 1] != 0) {
            end--;
        }
        int room = maxSequenceLength - lead - (ids.length - end);
        if (end - lead <= room) {
            out.add(new TokenWindows.Window(ids, encoding.getTypeIds(), end - lead));
            return;
        }
        if (longText == LongText.TRUNCATE) {
            out.add(window(encoding, lead, end, lead, lead + room));
            return;
        }
        long[] words = encoding.getWordIds();
        for (int from = lead; from < end; ) {
            int to = Math.min(from + room, end);
            to = to < end ? wordStart(words, from, to) : to;
            out.add(window(encoding, lead, end, from, to));
            from = to;
        }
    }

    /**
     * Moves a window's end back so that it does not split a word (langchain4j backs off over "##" word
     * pieces; word ids say the same for WordPiece and also hold for other tokenizers); keeps it where it
     * is when the word alone fills the window.
     */
    private static int wordStart(long[] words, int from, int to) {
        int cut = to;
        while (cut > from && words[cut] >= 0 && words[cut] == words[cut - 1]) {
            cut--;
        }
        return cut > from ? cut : to;
    }

    /** Leading specials [0,lead) + text tokens [from,to) + trailing specials [end,length). */
    private static TokenWindows.Window window(Encoding encoding, int lead, int end, int from, int to) {
        return new TokenWindows.Window(
                slice(encoding.getIds(), lead, end, from, to), slice(encoding.getTypeIds(), lead, end, from, to), to - from);
    }

    private static long[] slice(long[] all, int lead, int end, int from, int to) {
        int trail = all.length - end;
        long[] out = Arrays.copyOf(all, lead + (to - from) + trail);
        System.arraycopy(all, from, out, lead, to - from);
        System.arraycopy(all, end, out, lead + (to - from), trail);
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
