package io.statim.server.audit;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one line per request to logger {@value #LOGGER} — who called (the peer address),
 * which endpoint, model, version, LoRA adapter and session, when (the log line's time), with what
 * status and latency. Never a payload, a text input or a tensor value; a session id is a bearer of
 * the session, so it is logged as the first 12 hex digits of its SHA-256 (enough to follow one
 * session, useless to join it). Written by {@code statim serve --audit-log}; route the logger to its
 * own file with the logging configuration.
 *
 * <p>Thread-safe.
 */
public final class AuditLog {
    /** The logger the lines go to. */
    public static final String LOGGER = "statim.audit";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private AuditLog() {
    }

    /**
     * Writes one request's line.
     *
     * @param protocol "http/1.1", "h2c" or "grpc"
     * @param endpoint the path without its query, or the gRPC method
     * @param model    the model, or {@code null} where the request named none
     * @param status   the HTTP status, or the gRPC status code's name
     */
    public static void record(String protocol, SocketAddress peer, String method, String endpoint, String model, String version,
            String adapter, String sessionId, String status, long nanos) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder(160).append("protocol=").append(protocol).append(" peer=").append(peer(peer))
                .append(" method=").append(clean(method)).append(" endpoint=").append(clean(endpoint));
        optional(line, "model", model);
        optional(line, "version", version);
        optional(line, "adapter", adapter);
        if (sessionId != null && !sessionId.isEmpty()) {
            line.append(" session=sha256:").append(fingerprint(sessionId));
        }
        line.append(" status=").append(clean(status)).append(" micros=").append(nanos / 1_000);
        LOG.info(line.toString());
    }

    /** The first 12 hex digits of the SHA-256 of {@code id}. */
    static String fingerprint(String id) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private static String peer(SocketAddress peer) {
        if (peer instanceof InetSocketAddress inet) {
            return (inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString()) + ":" + inet.getPort();
        }
        return String.valueOf(peer);
    }

    /** Appends {@code key=value} when there is a value. */
    private static void optional(StringBuilder line, String key, String value) {
        if (value != null && !value.isEmpty()) {
            line.append(' ').append(key).append('=').append(clean(value));
        }
    }

    /**
     * A client-given value (a model name decoded from the path may hold anything) with whitespace and
     * control characters as '_', so that a value can neither split a line nor forge another key.
     */
    static String clean(String value) {
        if (value == null) {
            return "-";
        }
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '=') {
                if (out == null) {
                    out = new StringBuilder(value.length()).append(value, 0, i);
                }
                out.append('_');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? value : out.toString();
    }
}
