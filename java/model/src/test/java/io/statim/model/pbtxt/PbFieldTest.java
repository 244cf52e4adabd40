package io.statim.model.pbtxt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PbFieldTest {

    private static PbField field(String text) {
        return PbTextParser.parse(text, "config.pbtxt").fields().getFirst();
    }

    @ParameterizedTest
    @CsvSource({"8, 8", "-3, -3", "0x1F, 31", "010, 8"})
    void readsIntegersInDecimalHexAndOctal(String written, long expected) {
        assertThat(field("n: " + written).asLong()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"true, true", "True, true", "t, true", "1, true", "false, false", "False, false", "f, false", "0, false"})
    void readsBooleanSpellings(String written, boolean expected) {
        assertThat(field("b: " + written).asBoolean()).isEqualTo(expected);
    }

    @Test
    void rejectsQuotedNumberWhereIntegerIsExpected() {
        assertThatThrownBy(() -> field("\nmax_batch_size: \"8\"").asInt())
                .hasMessage("config.pbtxt:2: field 'max_batch_size' expects an integer, found \"8\"");
    }

    @Test
    void rejectsFractionWhereIntegerIsExpected() {
        assertThatThrownBy(() -> field("n: 1.5").asLong())
                .hasMessage("config.pbtxt:1: field 'n' expects an integer, found 1.5");
    }

    @Test
    void rejectsIntegerOutOfInt32Range() {
        assertThatThrownBy(() -> field("n: 3000000000").asInt())
                .hasMessage("config.pbtxt:1: field 'n' value 3000000000 is out of range for int32");
    }

    @Test
    void rejectsIdentifierWhereStringIsExpected() {
        assertThatThrownBy(() -> field("name: simple").asString())
                .hasMessage("config.pbtxt:1: field 'name' expects a string, found simple");
    }

    @Test
    void rejectsMessageWhereScalarIsExpected() {
        assertThatThrownBy(() -> field("name { }").asString())
                .hasMessage("config.pbtxt:1: field 'name' expects a string, found a message");
    }

    @Test
    void rejectsScalarWhereMessageIsExpected() {
        assertThatThrownBy(() -> field("reshape: 4").asMessage())
                .hasMessage("config.pbtxt:1: field 'reshape' expects a message { ... }, found 4");
    }

    @Test
    void rejectsSingularFieldGivenTwiceAtTheSecondValue() {
        assertThatThrownBy(() -> field("name: \"a\"\nname: \"b\"").asString())
                .hasMessage("config.pbtxt:2: field 'name' is given 2 times; it takes one value");
    }

    @Test
    void rejectsSingularFieldWithEmptyList() {
        assertThatThrownBy(() -> field("n: []").asLong())
                .hasMessage("config.pbtxt:1: field 'n' has no value");
    }
}
