package io.statim.model.pbtxt;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;

import java.util.Objects;

/**
 * Where something was written in a text-format source: the source's name and a 1-based line, or line
 * 0 for the source as a whole. Every error about configuration text is made here, so that all of them
 * read {@code "config.pbtxt:12: ..."}. Immutable; safe for any thread.
 */
public record PbLocation(String source, int line) {

    public PbLocation {
        Objects.requireNonNull(source, "source");
        if (line < 0) {
            throw new IllegalArgumentException("line " + line + " must be >= 0");
        }
    }

    /** The whole source, for errors about something that is absent. */
    public static PbLocation wholeSource(String source) {
        return new PbLocation(source, 0);
    }

    /** An INVALID_ARGUMENT error at this location: {@code "source:line: message"}. */
    public StatusException error(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, this + ": " + message);
    }

    /** {@code "config.pbtxt:12"}, or {@code "config.pbtxt"} for the whole source. */
    @Override
    public String toString() {
        return line == 0 ? source : source + ":" + line;
    }
}
