package io.statim.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.protocol.session.SessionBinding;
import io.statim.protocol.session.SessionIntent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * SageMaker's container contract over HTTP, as far as Statim serves it: the target-model header of
 * {@code POST /invocations}, the session control bodies ({@code {"requestType": "NEW_SESSION"}} and
 * {@code {"requestType": "CLOSE"}}), the session reply headers, and Triton's SageMaker content type for
 * binary tensors ({@code application/vnd.sagemaker-triton.binary+json;json-header-size=N}). Stateless;
 * any thread.
 */
final class SageMakerContract {
    /** The header that names the model of a multi-model endpoint. */
    static final String TARGET_MODEL_HEADER = "X-Amzn-SageMaker-Target-Model";
    /** The reply header of a request that opened a session: {@code <id>; Expires=<UTC time>}. */
    static final String NEW_SESSION_ID_HEADER = "X-Amzn-SageMaker-New-Session-Id";
    /** The reply header of a request that closed a session. */
    static final String CLOSED_SESSION_ID_HEADER = "X-Amzn-SageMaker-Closed-Session-Id";
    /** Triton's content type for a JSON header followed by binary tensors on SageMaker. */
    static final String TRITON_BINARY_CONTENT_TYPE = "application/vnd.sagemaker-triton.binary+json";
    /** The content-type parameter that gives the length of the JSON part. */
    static final String JSON_HEADER_SIZE = "json-header-size";
    /** Larger bodies are never session control requests, so they are not parsed as such. */
    static final int MAX_CONTROL_BODY_BYTES = 256;
    private static final String REQUEST_TYPE = "requestType";
    private static final String CLOSE = "CLOSE";
    private static final String MODEL_ARCHIVE_SUFFIX = ".tar.gz";
    private static final DateTimeFormatter EXPIRES = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = new JsonFactory();

    /** What an {@code /invocations} body asks for. */
    enum Control {
        /** An inference request. */
        NONE,
        /** {@code {"requestType": "NEW_SESSION"}}. */
        NEW_SESSION,
        /** {@code {"requestType": "CLOSE"}}. */
        CLOSE
    }

    /**
     * The session headers of a successful reply.
     *
     * @param newSession the value of {@link #NEW_SESSION_ID_HEADER}, or {@code null}
     * @param closedSession the value of {@link #CLOSED_SESSION_ID_HEADER}, or {@code null}
     */
    record SessionReply(String newSession, String closedSession) {
        static final SessionReply NONE = new SessionReply(null, null);

        /** The headers that tell the caller what {@code binding}'s request opened and closed. */
        static SessionReply of(SessionBinding binding) {
            String opened = binding.openedId();
            String closed = binding.closedId();
            if (opened == null && closed == null) {
                return NONE;
            }
            return new SessionReply(opened == null ? null : newSessionHeader(opened, binding.expires()), closed);
        }

        void addTo(HttpHeaders headers) {
            if (newSession != null) {
                headers.set(NEW_SESSION_ID_HEADER, newSession);
            }
            if (closedSession != null) {
                headers.set(CLOSED_SESSION_ID_HEADER, closedSession);
            }
        }
    }

    private SageMakerContract() {
    }

    /**
     * The model an {@code /invocations} request is for: the target-model header without a trailing
     * {@code .tar.gz}, else {@code defaultModel}.
     *
     * @param defaultModel the server's {@code --sagemaker-model}, or {@code null}
     * @throws StatusException INVALID_ARGUMENT when neither names a model
     */
    static String targetModel(HttpHeaders headers, String defaultModel) {
        String target = headers.get(TARGET_MODEL_HEADER);
        if (target != null) {
            target = target.strip();
            if (target.endsWith(MODEL_ARCHIVE_SUFFIX)) {
                target = target.substring(0, target.length() - MODEL_ARCHIVE_SUFFIX.length());
            }
            if (!target.isEmpty()) {
                return target;
            }
        }
        if (defaultModel != null) {
            return defaultModel;
        }
        throw new StatusException(Code.INVALID_ARGUMENT, "no model to invoke: send header " + TARGET_MODEL_HEADER
                + " or start the server with --sagemaker-model");
    }

    /**
     * Whether a body is a session control request: exactly a JSON object whose only field is
     * {@code requestType}. Anything else (larger, not such an object) is an inference request, left to
     * the OIP decoder.
     *
     * @throws StatusException INVALID_ARGUMENT for a control request of another type
     */
    static Control control(ByteBuf body) {
        int length = body.readableBytes();
        if (length == 0 || length > MAX_CONTROL_BODY_BYTES || !startsWithBrace(body)) {
            return Control.NONE;
        }
        String type;
        try (JsonParser p = JSON.createParser((InputStream) new ByteBufInputStream(body.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME || !REQUEST_TYPE.equals(p.currentName())
                    || p.nextToken() != JsonToken.VALUE_STRING) {
                return Control.NONE;
            }
            type = p.getText();
            if (p.nextToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return Control.NONE;
            }
        } catch (IOException e) {
            return Control.NONE;
        }
        return switch (type) {
            case SessionIntent.NEW_SESSION -> Control.NEW_SESSION;
            case CLOSE -> Control.CLOSE;
            default -> throw new StatusException(Code.INVALID_ARGUMENT, "requestType must be " + SessionIntent.NEW_SESSION + " or " + CLOSE);
        };
    }

    private static boolean startsWithBrace(ByteBuf body) {
        for (int i = body.readerIndex(); i < body.writerIndex(); i++) {
            byte b = body.getByte(i);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return b == '{';
            }
        }
        return false;
    }

    /**
     * The length of the JSON part given by Triton's SageMaker content type, or -1 when the content
     * type is another one.
     *
     * @throws StatusException INVALID_ARGUMENT when the content type is Triton's but its
     *                         {@code json-header-size} is missing or not a non-negative integer
     */
    static long tritonJsonHeaderSize(HttpHeaders headers) {
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType == null) {
            return -1;
        }
        String[] parts = contentType.split(";");
        if (!parts[0].strip().equalsIgnoreCase(TRITON_BINARY_CONTENT_TYPE)) {
            return -1;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip();
            int eq = parameter.indexOf('=');
            if (eq > 0 && parameter.substring(0, eq).strip().equalsIgnoreCase(JSON_HEADER_SIZE)) {
                try {
                    long size = Long.parseLong(parameter.substring(eq + 1).strip());
                    if (size >= 0) {
                        return size;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                break;
            }
        }
        throw new StatusException(Code.INVALID_ARGUMENT, "content type " + TRITON_BINARY_CONTENT_TYPE + " needs parameter "
                + JSON_HEADER_SIZE + "=<bytes of the JSON part>, a non-negative integer");
    }

    /** Triton's SageMaker content type of a reply whose JSON part is {@code jsonLength} bytes. */
    static String tritonBinaryContentType(int jsonLength) {
        return TRITON_BINARY_CONTENT_TYPE + ";" + JSON_HEADER_SIZE + "=" + jsonLength;
    }

    /** {@code <id>; Expires=<yyyy-MM-ddTHH:mm:ssZ>}, the value of {@link #NEW_SESSION_ID_HEADER}. */
    static String newSessionHeader(String id, Instant expires) {
        return id + "; Expires=" + EXPIRES.format(expires);
    }

    /** {@code yyyy-MM-ddTHH:mm:ssZ} in UTC. */
    static String expires(Instant expires) {
        return EXPIRES.format(expires);
    }

    /** The body of the reply to NEW_SESSION: {@code {"session_id": id, "expires": time}}. */
    static ByteBuf newSessionBody(ByteBufAllocator alloc, String id, Instant expires) {
        return write(alloc, g -> {
            g.writeStringField("session_id", id);
            g.writeStringField("expires", EXPIRES.format(expires));
        });
    }

    /** The body of the reply to CLOSE: {@code {"session_id": id, "closed": true}}. */
    static ByteBuf closedSessionBody(ByteBufAllocator alloc, String id) {
        return write(alloc, g -> {
            g.writeStringField("session_id", id);
            g.writeBooleanField("closed", true);
        });
    }

    /** An error body: {@code {"error": message, "message": message}}, OIP's field and the one the AWS SDK reads. */
    static ByteBuf errorBody(ByteBufAllocator alloc, String message) {
        return write(alloc, g -> {
            g.writeStringField("error", message);
            g.writeStringField("message", message);
        });
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static ByteBuf write(ByteBufAllocator alloc, Fields fields) {
        ByteBuf buf = alloc.buffer();
        try (JsonGenerator g = JSON.createGenerator((OutputStream) new ByteBufOutputStream(buf))) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return buf;
    }
}
