package io.statim.model.pbtxt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;

import org.junit.jupiter.api.Test;

import java.util.List;

class PbTextParserTest {

    private static PbMessage parse(String text) {
        return PbTextParser.parse(text, "config.pbtxt");
    }

    private static PbScalar scalar(PbMessage message, String field) {
        return (PbScalar) message.field(field).single();
    }

    private static List<String> texts(PbField field) {
        return field.values().stream().map(v -> ((PbScalar) v).text()).toList();
    }

    @Test
    void parsesScalarsOfEachKind() {
        PbMessage m = parse("name: \"simple\" max_batch_size: 8 data_type: TYPE_INT32");

        assertThat(scalar(m, "name")).extracting(PbScalar::kind, PbScalar::text)
                .containsExactly(PbScalar.Kind.STRING, "simple");
        assertThat(scalar(m, "max_batch_size")).extracting(PbScalar::kind, PbScalar::text)
                .containsExactly(PbScalar.Kind.NUMBER, "8");
        assertThat(scalar(m, "data_type")).extracting(PbScalar::kind, PbScalar::text)
                .containsExactly(PbScalar.Kind.IDENTIFIER, "TYPE_INT32");
    }

    @Test
    void parsesNestedMessagesWithAndWithoutColon() {
        PbMessage m = parse("a { x: 1 } b: { y: 2 }");

        assertThat(m.field("a").asMessage().field("x").asLong()).isEqualTo(1);
        assertThat(m.field("b").asMessage().field("y").asLong()).isEqualTo(2);
    }

    @Test
    void parsesMessagesInAngleBrackets() {
        PbMessage m = parse("a < x: 1 >");

        assertThat(m.field("a").asMessage().field("x").asLong()).isEqualTo(1);
    }

    @Test
    void collectsRepeatedFieldInOrderOfAppearance() {
        PbMessage m = parse("dims: 1 other: 0 dims: 2 dims: 3");

        assertThat(texts(m.field("dims"))).containsExactly("1", "2", "3");
        assertThat(m.fields()).extracting(PbField::name).containsExactly("dims", "other");
    }

    @Test
    void parsesListOfScalars() {
        PbMessage m = parse("dims: [ -1, 16 ]");

        assertThat(m.field("dims").asLongs()).containsExactly(-1L, 16L);
    }

    @Test
    void parsesListOfMessages() {
        PbMessage m = parse("input [ { name: \"A\" }, { name: \"B\" } ]");

        assertThat(m.field("input").asMessages())
                .extracting(msg -> msg.field("name").asString())
                .containsExactly("A", "B");
    }

    @Test
    void keepsFieldWithEmptyList() {
        PbMessage m = parse("shape: [ ]");

        assertThat(m.has("shape")).isTrue();
        assertThat(m.field("shape").values()).isEmpty();
    }

    @Test
    void decodesStringEscapes() {
        PbMessage m = parse("s: \"a\\n\\t\\\"q\\\" \\\\ \\x41\\102 \\u00e9\"");

        assertThat(m.field("s").asString()).isEqualTo("a\n\t\"q\" \\ AB é");
    }

    @Test
    void decodesOctalEscapesAsUtf8Bytes() {
        PbMessage m = parse("s: \"\\303\\251\"");

        assertThat(m.field("s").asString()).isEqualTo("é");
    }

    @Test
    void acceptsSingleQuotedStrings() {
        PbMessage m = parse("s: 'it\\'s \"fine\"'");

        assertThat(m.field("s").asString()).isEqualTo("it's \"fine\"");
    }

    @Test
    void concatenatesAdjacentStrings() {
        PbMessage m = parse("s: \"ab\" 'cd'\n  \"ef\"");

        assertThat(m.field("s").asString()).isEqualTo("abcdef");
    }

    @Test
    void parsesNegativeAndFloatingNumbers() {
        PbMessage m = parse("a: -1 b: -0x10 c: 1.5e-3 d: -inf");

        assertThat(m.field("a").asLong()).isEqualTo(-1);
        assertThat(m.field("b").asLong()).isEqualTo(-16);
        assertThat(scalar(m, "c").text()).isEqualTo("1.5e-3");
        assertThat(scalar(m, "d").text()).isEqualTo("-inf");
    }

    @Test
    void skipsCommentsButNotHashInsideStrings() {
        PbMessage m = parse("# leading comment\nname: \"a#b\" # trailing comment\n# last");

        assertThat(m.field("name").asString()).isEqualTo("a#b");
        assertThat(m.fields()).hasSize(1);
    }

    @Test
    void acceptsCommaAndSemicolonSeparators() {
        PbMessage m = parse("a: 1, b: 2; c { d: 3; },");

        assertThat(m.fields()).extracting(PbField::name).containsExactly("a", "b", "c");
    }

    @Test
    void recordsTheLineOfEachFieldAndValue() {
        PbMessage m = parse("name: \"x\"\n\ninput {\n  dims: [\n 4,\n 5 ]\n}");

        PbField dims = m.field("input").asMessage().field("dims");
        assertThat(m.field("name").location()).isEqualTo(new PbLocation("config.pbtxt", 1));
        assertThat(dims.location().line()).isEqualTo(4);
        assertThat(dims.values()).extracting(v -> v.location().line()).containsExactly(5, 6);
    }

    @Test
    void rejectsUnterminatedStringAtItsLine() {
        assertThatThrownBy(() -> parse("a: 1\nname: \"abc\nb: 2"))
                .isInstanceOf(StatusException.class)
                .hasMessage("config.pbtxt:2: unterminated string")
                .extracting(e -> ((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT);
    }

    @Test
    void rejectsMissingCloseBraceNamingWhereTheMessageOpened() {
        assertThatThrownBy(() -> parse("input {\n  name: \"a\"\n"))
                .hasMessage("config.pbtxt:3: missing '}' for the message opened at line 1");
    }

    @Test
    void rejectsFieldWithoutColonOrBrace() {
        assertThatThrownBy(() -> parse("name \"a\""))
                .hasMessage("config.pbtxt:1: expected ':' or '{' after field 'name', found string \"a\"");
    }

    @Test
    void rejectsFieldWithoutValue() {
        assertThatThrownBy(() -> parse("a {\n b:\n}"))
                .hasMessage("config.pbtxt:3: expected a value for field 'b', found '}'");
    }

    @Test
    void rejectsUnclosedList() {
        assertThatThrownBy(() -> parse("dims: [ 1 2 ]"))
                .hasMessage("config.pbtxt:1: expected ',' or ']' in the list of field 'dims', found '2'");
    }

    @Test
    void rejectsStrayCloseBrace() {
        assertThatThrownBy(() -> parse("a: 1\n}"))
                .hasMessage("config.pbtxt:2: expected a field name, found '}'");
    }

    @Test
    void rejectsUnexpectedCharacter() {
        assertThatThrownBy(() -> parse("a: 1\n\n@"))
                .hasMessage("config.pbtxt:3: unexpected character '@'");
    }

    @Test
    void rejectsUnknownEscape() {
        assertThatThrownBy(() -> parse("s: \"\\q\""))
                .hasMessage("config.pbtxt:1: unknown escape '\\q' in string");
    }

    @Test
    void rejectsNestingDeeperThanTheLimit() {
        String deep = "a { ".repeat(PbTextParser.MAX_DEPTH + 1) + "}".repeat(PbTextParser.MAX_DEPTH + 1);

        assertThatThrownBy(() -> parse(deep)).hasMessageContaining("nested deeper than " + PbTextParser.MAX_DEPTH);
    }

    @Test
    void usesTheSourceNameInErrors() {
        assertThatThrownBy(() -> PbTextParser.parse("}", "simple/config.pbtxt"))
                .hasMessageStartingWith("simple/config.pbtxt:1: ");
    }
}
