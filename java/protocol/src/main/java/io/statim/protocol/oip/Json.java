package io.statim.protocol.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The one Jackson factory of the protocol (thread-safe, shared) and the mapping of Jackson's failures
 * to statuses. Jackson's own messages quote the offending input; ours give only where it is.
 */
final class Json {
    /**
     * Accepts bare {@code NaN} and {@code Infinity} numbers; writes non-finite floats as the strings
     * {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (Jackson's default), which the decoder
     * accepts back for float types.
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private Json() {
    }

    /** A generator appending to {@code out}; closing it flushes but never releases {@code out}. */
    static JsonGenerator generator(ByteBuf out) throws IOException {
        return FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(out));
    }

    static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }

    /** The status for a parse failure: where it happened, never what was there. */
    static StatusException malformed(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        if (e instanceof StreamConstraintsException) {
            return invalid("the request JSON exceeds a parser limit (nesting depth, number or string length)" + where);
        }
        return invalid("malformed JSON in the request" + where);
    }

    /** For I/O failures that cannot happen with in-memory streams. */
    static StatusException internal(IOException e) {
        return new StatusException(Status.internal("JSON codec failed: " + e.getClass().getSimpleName()), e);
    }
}
