package io.statim.model.pbtxt;

import io.statim.model.pbtxt.PbLexer.Token;

/**
 * Parses protobuf text format, as Triton's {@code config.pbtxt} uses it, into a schema-free
 * {@link PbMessage} tree. Accepts {@code name: value}, {@code name { ... }} and {@code name: { ... }}
 * (also with {@code < >}), repeated fields, lists {@code [a, b]} of scalars or messages, strings in
 * double or single quotes with escapes (adjacent strings are concatenated), numbers, identifiers,
 * {@code #} comments, and an optional {@code ,} or {@code ;} after each field.
 *
 * <p>Errors are {@code INVALID_ARGUMENT} with the source name and line:
 * {@code "config.pbtxt:7: expected ':' or '{' after field 'dims', found '}'"}. Stateless; safe for
 * any thread.
 */
public final class PbTextParser {
    /** Deeper nesting than any real configuration; stops a hostile file from overflowing the stack. */
    static final int MAX_DEPTH = 64;

    private final PbLexer lexer;
    private final String source;
    private Token token;

    private PbTextParser(String text, String source) {
        this.lexer = new PbLexer(text, source);
        this.source = source;
        this.token = lexer.next();
    }

    /**
     * Parses a whole text-format document.
     *
     * @param text the document
     * @param sourceName the name used in error messages, e.g. {@code "config.pbtxt"}
     */
    public static PbMessage parse(String text, String sourceName) {
        PbTextParser parser = new PbTextParser(text, sourceName);
        return parser.fields(new PbLocation(sourceName, 1), null, 0);
    }

    /** Fields up to {@code close} (a closing symbol, or null for end of input). */
    private PbMessage fields(PbLocation start, String close, int depth) {
        if (depth > MAX_DEPTH) {
            throw here().error("messages are nested deeper than " + MAX_DEPTH + " levels");
        }
        PbMessage.Builder message = new PbMessage.Builder(start);
        while (!(close == null ? token.type() == Token.Type.END : token.is(close))) {
            if (token.type() != Token.Type.IDENTIFIER) {
                throw here().error(close != null && token.type() == Token.Type.END
                        ? "missing '" + close + "' for the message opened at line " + start.line()
                        : "expected a field name, found " + token.describe());
            }
            String name = token.text();
            message.declare(name, here());
            advance();
            boolean colon = accept(":");
            if (token.is("[")) {
                list(message, name, depth);
            } else if (token.is("{") || token.is("<")) {
                message.add(name, nested(depth));
            } else if (colon) {
                message.add(name, scalar(name));
            } else {
                throw here().error("expected ':' or '{' after field '" + name + "', found " + token.describe());
            }
            if (!accept(",")) {
                accept(";");
            }
        }
        if (close != null) {
            advance();
        }
        return message.build();
    }

    private void list(PbMessage.Builder message, String name, int depth) {
        advance();
        if (accept("]")) {
            return;
        }
        while (true) {
            message.add(name, token.is("{") || token.is("<") ? nested(depth) : scalar(name));
            if (accept("]")) {
                return;
            }
            if (!accept(",")) {
                throw here().error("expected ',' or ']' in the list of field '" + name + "', found " + token.describe());
            }
        }
    }

    private PbMessage nested(int depth) {
        PbLocation start = here();
        String close = token.is("{") ? "}" : ">";
        advance();
        return fields(start, close, depth + 1);
    }

    private PbScalar scalar(String name) {
        PbLocation at = here();
        switch (token.type()) {
            case STRING -> {
                StringBuilder joined = new StringBuilder();
                while (token.type() == Token.Type.STRING) {
                    joined.append(token.text());
                    advance();
                }
                return new PbScalar(PbScalar.Kind.STRING, joined.toString(), at);
            }
            case NUMBER, IDENTIFIER -> {
                PbScalar.Kind kind = token.type() == Token.Type.NUMBER ? PbScalar.Kind.NUMBER : PbScalar.Kind.IDENTIFIER;
                PbScalar scalar = new PbScalar(kind, token.text(), at);
                advance();
                return scalar;
            }
            default -> throw at.error("expected a value for field '" + name + "', found " + token.describe());
        }
    }

    private boolean accept(String symbol) {
        if (token.is(symbol)) {
            advance();
            return true;
        }
        return false;
    }

    private void advance() {
        token = lexer.next();
    }

    private PbLocation here() {
        return new PbLocation(source, token.line());
    }
}
