package io.statim.model.pbtxt;

import java.util.Objects;

/**
 * A scalar value as written: a string (its escapes already decoded), a number (its text, e.g.
 * {@code "-1"} or {@code "0x10"}), or an identifier such as an enum name or {@code true}. Typed
 * access, with errors that name the field, is on {@link PbField}. Immutable; safe for any thread.
 */
public record PbScalar(Kind kind, String text, PbLocation location) implements PbValue {

    /** The lexical kind of a scalar. */
    public enum Kind {
        STRING,
        NUMBER,
        IDENTIFIER
    }

    public PbScalar {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(location, "location");
    }

    /** The value as it reads in an error message: strings quoted, other tokens bare. */
    public String display() {
        return kind == Kind.STRING ? '"' + text + '"' : text;
    }
}
