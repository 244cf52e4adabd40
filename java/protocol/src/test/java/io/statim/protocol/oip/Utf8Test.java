package io.statim.protocol.oip;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8Test {
    @ParameterizedTest
    @ValueSource(strings = {"", "ascii", "é ß ü", "中文字", "😀 emoji 🏥"})
    void encodesAsTheJdkDoes(String text) {
        char[] chars = text.toCharArray();
        byte[] expected = text.getBytes(StandardCharsets.UTF_8);
        MemorySegment out = MemorySegment.ofArray(new byte[expected.length]);

        long length = Utf8.encodedLength(chars, 0, chars.length);
        long end = Utf8.encode(chars, 0, chars.length, out, 0);

        assertThat(length).isEqualTo(expected.length);
        assertThat(end).isEqualTo(expected.length);
        assertThat(out.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "\uDC00", "\uDC00\uD800"})
    void replacesLoneSurrogatesWithTheReplacementCharacter(String text) {
        char[] chars = ("a" + text + "b").toCharArray();
        byte[] expected = ("a" + "\uFFFD".repeat(text.length()) + "b").getBytes(StandardCharsets.UTF_8);
        MemorySegment out = MemorySegment.ofArray(new byte[expected.length]);

        long end = Utf8.encode(chars, 0, chars.length, out, 0);

        assertThat(Utf8.encodedLength(chars, 0, chars.length)).isEqualTo(expected.length);
        assertThat(end).isEqualTo(expected.length);
        assertThat(out.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
    }
}
