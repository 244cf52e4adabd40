package io.statim.model.pbtxt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Splits protobuf text format into tokens, skipping whitespace and {@code #} comments and decoding
 * string escapes (C-style, octal, backslash-x hex, backslash-u and backslash-U). One lexer per parse;
 * not thread-safe.
 */
final class PbLexer {

    /** A token and the line it starts on. For a string, {@code text} is the decoded value. */
    record Token(Type type, String text, int line) {

        enum Type {
            IDENTIFIER,
            NUMBER,
            STRING,
            SYMBOL,
            END
        }

        boolean is(String symbol) {
            return type == Type.SYMBOL && text.equals(symbol);
        }

        /** The token as it reads in an error message. */
        String describe() {
            return switch (type) {
                case END -> "end of input";
                case STRING -> "string \"" + text + '"';
                default -> "'" + text + "'";
            };
        }
    }

    private static final String SYMBOLS = "{}[]<>:,;";

    private final String text;
    private final String source;
    private int pos;
    private int line = 1;

    PbLexer(String text, String source) {
        this.text = text;
        this.source = source;
    }

    Token next() {
        skipSpaceAndComments();
        if (pos >= text.length()) {
            return new Token(Token.Type.END, "", line);
        }
        char c = text.charAt(pos);
        if (SYMBOLS.indexOf(c) >= 0) {
            pos++;
            return new Token(Token.Type.SYMBOL, String.valueOf(c), line);
        }
        if (c == '"' || c == '\'') {
            return string(c);
        }
        if (isDigit(c) || (c == '.' && isDigit(peek(1))) || (c == '-' && startsNumberAfterMinus(peek(1)))) {
            return number();
        }
        if (Character.isLetter(c) || c == '_') {
            int start = pos;
            while (pos < text.length() && isWordChar(text.charAt(pos))) {
                pos++;
            }
            return new Token(Token.Type.IDENTIFIER, text.substring(start, pos), line);
        }
        throw error("unexpected character '" + c + "'");
    }

    private void skipSpaceAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (Character.isWhitespace(c)) {
                if (c == '\n') {
                    line++;
                }
                pos++;
            } else {
                return;
            }
        }
    }

    /** A number's text as written; {@link PbField} interprets it. Handles {@code 1e-5} and {@code -inf}. */
    private Token number() {
        int start = pos;
        pos++;
        boolean hex = text.startsWith("0x", start) || text.startsWith("0X", start)
                || text.startsWith("-0x", start) || text.startsWith("-0X", start);
        while (pos < text.length()) {
            char c = text.charAt(pos);
            char prev = text.charAt(pos - 1);
            boolean exponentSign = (c == '+' || c == '-') && !hex && (prev == 'e' || prev == 'E');
            if (!isWordChar(c) && c != '.' && !exponentSign) {
                break;
            }
            pos++;
        }
        return new Token(Token.Type.NUMBER, text.substring(start, pos), line);
    }

    private Token string(char quote) {
        int startLine = line;
        pos++;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw new PbLocation(source, startLine).error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c == '\\') {
                escape(bytes);
            } else {
                int cp = c;
                if (Character.isHighSurrogate(c) && pos < text.length()) {
                    cp = Character.toCodePoint(c, text.charAt(pos++));
                }
                bytes.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
            }
        }
        return new Token(Token.Type.STRING, utf8(bytes.toByteArray(), startLine), startLine);
    }

    private void escape(ByteArrayOutputStream out) {
        if (pos >= text.length()) {
            throw error("unterminated string");
        }
        char c = text.charAt(pos++);
        switch (c) {
            case 'n' -> out.write('\n');
            case 't' -> out.write('\t');
            case 'r' -> out.write('\r');
            case 'a' -> out.write(7);
            case 'b' -> out.write('\b');
            case 'f' -> out.write('\f');
            case 'v' -> out.write(11);
            case '\\', '\'', '"', '?' -> out.write(c);
            case 'x', 'X' -> out.write(digits(16, 1, 2));
            case 'u' -> out.writeBytes(Character.toString(digits(16, 4, 4)).getBytes(StandardCharsets.UTF_8));
            case 'U' -> out.writeBytes(codePoint(digits(16, 8, 8)).getBytes(StandardCharsets.UTF_8));
            default -> {
                if (c >= '0' && c <= '7') {
                    pos--;
                    out.write(digits(8, 1, 3) & 0xFF);
                } else {
                    throw error("unknown escape '\\" + c + "' in string");
                }
            }
        }
    }

    /** Reads {@code min..max} digits of the radix at the cursor. */
    private int digits(int radix, int min, int max) {
        int value = 0;
        int n = 0;
        while (n < max && pos < text.length() && Character.digit(text.charAt(pos), radix) >= 0) {
            value = value * radix + Character.digit(text.charAt(pos++), radix);
            n++;
        }
        if (n < min) {
            throw error("escape needs " + min + " base-" + radix + " digits");
        }
        return value;
    }

    private String codePoint(int cp) {
        if (!Character.isValidCodePoint(cp)) {
            throw error("escape U+" + Integer.toHexString(cp) + " is not a Unicode code point");
        }
        return Character.toString(cp);
    }

    private String utf8(byte[] bytes, int startLine) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new PbLocation(source, startLine).error("string is not valid UTF-8");
        }
    }

    private boolean startsNumberAfterMinus(char c) {
        return isDigit(c) || c == '.' || text.startsWith("inf", pos + 1) || text.startsWith("nan", pos + 1);
    }

    private char peek(int ahead) {
        return pos + ahead < text.length() ? text.charAt(pos + ahead) : '\0';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private RuntimeException error(String message) {
        return new PbLocation(source, line).error(message);
    }
}
