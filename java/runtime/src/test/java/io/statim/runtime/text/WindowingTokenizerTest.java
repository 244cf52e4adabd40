package io.statim.runtime.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.runtime.text.TextPipelineConfig.LongText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WindowingTokenizerTest {
    private static final long CLS = 101;
    private static final long SEP = 102;
    /** Long words that break into several word pieces, so that window ends fall inside words. */
    private static final String LONG = "Hepaticojejunostomy with esophagogastroduodenoscopy; "
            + "cholangiopancreatography showed choledocholithiasis and pancreaticoduodenectomy followed. ";

    @TempDir
    static Path dir;
    private static Path tokenizerJson;

    @BeforeAll
    static void tokenizerFile() throws IOException {
        tokenizerJson = MiniLm.tokenizer(dir.resolve("tokenizer.json"));
    }

    private static TokenWindows tokenize(int maxSequenceLength, LongText longText, String... texts) {
        try (WindowingTokenizer tokenizer = new WindowingTokenizer("minilm", tokenizerJson, maxSequenceLength, longText)) {
            return tokenizer.tokenize(List.of(texts));
        }
    }

    /** The whole encoding of a text, special tokens included, with a plain tokenizer. */
    private static Encoding encode(String text) throws IOException {
        try (HuggingFaceTokenizer plain = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("truncation", "false"))) {
            return plain.encode(text);
        }
    }

    @Test
    void keepsAShortTextInOneWindowBetweenItsSpecialTokens() throws IOException {
        TokenWindows windows = tokenize(16, LongText.CHUNK, "Diffuse hepatic steatosis.");

        assertThat(windows.textCount()).isEqualTo(1);
        assertThat(windows.windowCount()).isEqualTo(1);
        TokenWindows.Window window = windows.window(0);
        assertThat(window.ids()).isEqualTo(encode("Diffuse hepatic steatosis.").getIds());
        assertThat(window.ids()[0]).isEqualTo(CLS);
        assertThat(window.ids()[window.length() - 1]).isEqualTo(SEP);
        assertThat(window.weight()).isEqualTo(window.length() - 2);
    }

    @Test
    void truncatesALongTextToOneFullWindowEndingInSep() throws IOException {
        TokenWindows windows = tokenize(16, LongText.TRUNCATE, LONG);

        assertThat(windows.windowCount()).isEqualTo(1);
        long[] ids = windows.window(0).ids();
        long[] all = encode(LONG).getIds();
        assertThat(ids).hasSize(16);
        assertThat(Arrays.copyOf(ids, 15)).isEqualTo(Arrays.copyOf(all, 15));
        assertThat(ids[15]).isEqualTo(SEP);
    }

    @Test
    void chunksALongTextIntoWindowsThatCoverItAndNeverStartInsideAWord() throws IOException {
        Encoding whole = encode(LONG);
        TokenWindows windows = tokenize(16, LongText.CHUNK, LONG);

        List<Long> covered = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        for (int w = 0; w < windows.windowCount(); w++) {
            long[] ids = windows.window(w).ids();
            assertThat(ids.length).isLessThanOrEqualTo(16);
            assertThat(ids[0]).isEqualTo(CLS);
            assertThat(ids[ids.length - 1]).isEqualTo(SEP);
            assertThat(windows.window(w).weight()).isEqualTo(ids.length - 2);
            starts.add(covered.size() + 1);
            for (int i = 1; i < ids.length - 1; i++) {
                covered.add(ids[i]);
            }
        }
        long[] content = Arrays.copyOfRange(whole.getIds(), 1, whole.getIds().length - 1);
        assertThat(covered).containsExactly(Arrays.stream(content).boxed().toArray(Long[]::new));
        assertThat(windows.windowCount()).isGreaterThan(content.length / 14);
        for (int start : starts) {
            assertThat(whole.getTokens()[start]).as("first token of a window").doesNotStartWith("##");
        }
    }

    @Test
    void cutsAWordThatAloneFillsAWindow() {
        TokenWindows windows = tokenize(4, LongText.CHUNK, "Pneumonoultramicroscopicsilicovolcanoconiosis");

        assertThat(windows.windowCount()).isGreaterThan(1);
        for (int w = 0; w < windows.windowCount(); w++) {
            assertThat(windows.window(w).length()).isLessThanOrEqualTo(4);
        }
    }

    @Test
    void keepsTheWindowsOfEachTextTogetherInTextOrder() {
        TokenWindows windows = tokenize(12, LongText.CHUNK, "Short.", LONG, "", "Also short.");

        assertThat(windows.textCount()).isEqualTo(4);
        assertThat(windows.endWindow(0) - windows.firstWindow(0)).isEqualTo(1);
        assertThat(windows.endWindow(1) - windows.firstWindow(1)).isGreaterThan(1);
        assertThat(windows.window(windows.firstWindow(2)).ids()).containsExactly(CLS, SEP);
        assertThat(windows.endWindow(3)).isEqualTo(windows.windowCount());
        assertThat(windows.maxLength()).isBetween(3, 12);
    }

    @Test
    void rejectsAWindowWithNoRoomForText() {
        assertThatThrownBy(() -> tokenize(2, LongText.TRUNCATE, "text"))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("max_sequence_length=2").hasMessageContaining("2 special tokens");
    }

    @Test
    void rejectsAMissingTokenizerFileWithoutNamingItsDirectory() {
        assertThatThrownBy(() -> new WindowingTokenizer("minilm", dir.resolve("missing.json"), 16, LongText.TRUNCATE))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("missing.json").message().doesNotContain(dir.toString());
    }
}
