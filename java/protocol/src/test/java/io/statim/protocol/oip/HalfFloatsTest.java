package io.statim.protocol.oip;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HalfFloatsTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0x3F800000, 0x3F80", // 1.0 exact
        "0x3F808000, 0x3F80", // halfway, rounds to even (down)
        "0x3F818000, 0x3F82", // halfway, rounds to even (up)
        "0x3F808001, 0x3F81", // above halfway rounds up
        "0x7F7FFFFF, 0x7F80", // the largest float rounds to infinity
        "0x7F800000, 0x7F80", // infinity stays infinity
        "0xFF800000, 0xFF80", // so does negative infinity
        "0x7F800001, 0x7FC0", // a signalling NaN becomes a quiet NaN, not infinity
        "0x80000000, 0x8000", // negative zero keeps its sign
    })
    void roundsFloatsToBf16NearestEven(String floatBits, String bf16Bits) {
        float value = Float.intBitsToFloat(Integer.parseUnsignedInt(floatBits.substring(2), 16));

        assertThat(HalfFloats.toBf16(value)).isEqualTo((short) Integer.parseInt(bf16Bits.substring(2), 16));
    }

    @ParameterizedTest
    @CsvSource({"0x3F80, 1.0", "0xC060, -3.5", "0x0001, 9.183549615799121E-41"})
    void readsBf16AsTheUpperHalfOfAFloat(String bits, float expected) {
        assertThat(HalfFloats.fromBf16((short) Integer.parseInt(bits.substring(2), 16))).isEqualTo(expected);
    }
}
