package io.statim.router.proxy;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import java.nio.charset.StandardCharsets;

/**
 * The bodies and headers of the answers the router gives itself: OIP's {@code {"error": "..."}}
 * (SageMaker's {@code "message"} too on {@code /invocations}), and gRPC's trailers-only responses.
 * Status codes come from the one table in {@link Code}. Stateless; any thread.
 */
final class LocalReplies {
    static final AsciiString APPLICATION_JSON = AsciiString.cached("application/json");
    static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    static final AsciiString RETRY_AFTER = AsciiString.cached("retry-after");
    static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    /** Seconds a client should wait before retrying a request the router could not place (503), as the server says. */
    static final int RETRY_AFTER_SECONDS = 1;

    private LocalReplies() {
    }

    /** {@code {"error": message}}, with {@code "message"} too for SageMaker's callers. */
    static ByteBuf errorBody(ByteBufAllocator alloc, String message, boolean sageMaker) {
        String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(message));
        String json = sageMaker ? "{\"error\":\"" + quoted + "\",\"message\":\"" + quoted + "\"}" : "{\"error\":\"" + quoted + "\"}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }

    /** The HTTP/2 response headers of a JSON error of {@code length} bytes. */
    static Http2Headers httpErrorHeaders(Status status, int length) {
        Http2Headers h = new DefaultHttp2Headers(false).status(Integer.toString(status.code().httpStatus()))
                .set(CONTENT_TYPE, APPLICATION_JSON).setInt(CONTENT_LENGTH, length);
        if (status.code() == Code.UNAVAILABLE) {
            h.setInt(RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        return h;
    }

    /** A gRPC trailers-only response: HTTP 200 and the status in {@code grpc-status}/{@code grpc-message}. */
    static Http2Headers grpcTrailersOnly(Status status) {
        return grpcStatus(new DefaultHttp2Headers(false).status("200").set(CONTENT_TYPE, APPLICATION_GRPC), status);
    }

    /** Trailers that end a gRPC call with {@code status}. */
    static Http2Headers grpcTrailers(Status status) {
        return grpcStatus(new DefaultHttp2Headers(false), status);
    }

    private static Http2Headers grpcStatus(Http2Headers h, Status status) {
        return h.setInt(GRPC_STATUS, status.code().grpcCode()).set(GRPC_MESSAGE, percentEncode(status.message()));
    }

    /** gRPC's percent-encoding of {@code grpc-message}: printable ASCII but '%' as is, everything else as %XX of UTF-8. */
    static String percentEncode(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
