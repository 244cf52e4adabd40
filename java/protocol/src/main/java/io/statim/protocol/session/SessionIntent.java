package io.statim.protocol.session;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.scheduler.session.SessionIds;
import java.util.Map;

/**
 * What a request asks of sessions, read the same way from SageMaker's header and from the OIP
 * parameters {@code sequence_id}, {@code sequence_start} and {@code sequence_end}: nothing, open a new
 * session, or use an open one; and whether the session ends with this request.
 *
 * @param kind what is asked
 * @param id   the session id: the one to use, the caller's id for a new session, or {@code null} when
 *             the server names the new session
 * @param end  the session closes once this request has run
 */
public record SessionIntent(Kind kind, String id, boolean end) {
    /** SageMaker's session header. */
    public static final String SESSION_ID_HEADER = "X-Amzn-SageMaker-Session-Id";
    /** The value of {@link #SESSION_ID_HEADER} that opens a session. */
    public static final String NEW_SESSION = "NEW_SESSION";
    /** The OIP parameter that names a sequence (uint64 or string). */
    public static final String SEQUENCE_ID = "sequence_id";
    /** The OIP parameter that starts a sequence. */
    public static final String SEQUENCE_START = "sequence_start";
    /** The OIP parameter that ends a sequence. */
    public static final String SEQUENCE_END = "sequence_end";

    /** What a request asks of sessions. */
    public enum Kind {
        /** No session: a stateless request. */
        NONE,
        /** Open a session with this request. */
        OPEN,
        /** Run in an open session. */
        USE
    }

    /** No session asked for. */
    public static final SessionIntent NONE = new SessionIntent(Kind.NONE, null, false);

    /**
     * Reads a request's intent.
     *
     * @param header     the value of {@link #SESSION_ID_HEADER}, or {@code null} when absent (always for gRPC)
     * @param parameters the request's OIP parameters
     * @throws StatusException INVALID_ARGUMENT naming the header or parameter that is malformed or conflicting
     */
    public static SessionIntent of(String header, Map<String, Object> parameters) {
        String sequenceId = sequenceId(parameters.get(SEQUENCE_ID));
        boolean start = flag(parameters, SEQUENCE_START);
        boolean end = flag(parameters, SEQUENCE_END);
        if (header != null) {
            String value = header.strip();
            if (NEW_SESSION.equals(value)) {
                if (sequenceId != null) {
                    throw invalid(SESSION_ID_HEADER + " asks for a new session but parameter '" + SEQUENCE_ID + "' names one");
                }
                return new SessionIntent(Kind.OPEN, null, end);
            }
            if (!SessionIds.isValid(value)) {
                throw invalid(SESSION_ID_HEADER + " must be " + NEW_SESSION + " or a session id of letters, digits and '-' (at most "
                        + SessionIds.MAX_LENGTH + " characters)");
            }
            if (sequenceId != null && !sequenceId.equals(value)) {
                throw invalid(SESSION_ID_HEADER + " and parameter '" + SEQUENCE_ID + "' name different sessions");
            }
            if (start) {
                throw invalid("parameter '" + SEQUENCE_START + "' cannot start session '" + value + "', which "
                        + SESSION_ID_HEADER + " names as open; send " + NEW_SESSION + " to open one");
            }
            return new SessionIntent(Kind.USE, value, end);
        }
        if (start) {
            // A sequence of one request (start and end, no id) is a stateless request.
            return end && sequenceId == null ? NONE : new SessionIntent(Kind.OPEN, sequenceId, end);
        }
        if (sequenceId != null) {
            return new SessionIntent(Kind.USE, sequenceId, end);
        }
        if (end) {
            throw invalid("parameter '" + SEQUENCE_END + "' needs '" + SEQUENCE_ID + "' naming the sequence to end");
        }
        return NONE;
    }

    private static String sequenceId(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Long n) {
            // Triton: 0 means "not a sequence"; uint64 ids above 2^63 arrive as negative longs.
            return n == 0 ? null : Long.toUnsignedString(n);
        }
        if (value instanceof String s) {
            if (s.isEmpty()) {
                return null;
            }
            if (!SessionIds.isValid(s)) {
                throw invalid("parameter '" + SEQUENCE_ID + "' must be an unsigned integer or a string of letters, digits and '-' (at most "
                        + SessionIds.MAX_LENGTH + " characters)");
            }
            return s;
        }
        throw invalid("parameter '" + SEQUENCE_ID + "' must be an unsigned integer or a string");
    }

    private static boolean flag(Map<String, Object> parameters, String name) {
        Object value = parameters.get(name);
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw invalid("parameter '" + name + "' must be true or false");
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
