package io.statim.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.statim.core.status.Status;

/**
 * The client side of one exchange: an HTTP/1.1 connection, an h2c stream, or a gRPC stream. The
 * {@link Exchange} hands it the upstream's response in HTTP/2 terms and asks it to answer errors in
 * its own protocol. Every method runs on the front channel's event loop (the exchange's too); the
 * buffers given are owned by the front from then on.
 */
interface Front {
    /** The response's status and headers; {@code endStream} when there is no body. */
    void responseHeaders(Http2Headers headers, boolean endStream);

    /** A piece of the response body. */
    void responseData(ByteBuf data, boolean endStream);

    /** The response's trailers; they end it. */
    void responseTrailers(Http2Headers trailers);

    /** Writes out what was handed over. */
    void flush();

    /** True while the client takes the response as fast as it comes. */
    boolean isWritable();

    /**
     * Answers the request with an error of the router's own, before any response started: an
     * {@code {"error": ...}} body (with {@code "message"} too when {@code sageMaker}) or, on gRPC, a
     * trailers-only response with the status's gRPC code.
     */
    void replyError(Status status, boolean sageMaker);

    /** Answers with a body of the router's own (stats, health), status {@code httpStatus}. */
    void replyLocal(int httpStatus, CharSequence contentType, ByteBuf body);

    /**
     * Ends a response that had started when the upstream failed: gRPC ends the call with the status
     * in trailers; h2c resets the stream; HTTP/1.1 closes the connection. Never a silent end.
     */
    void abort(Status status);

    /** Stops or resumes reading the request body (the upstream cannot take it faster). */
    void setReadable(boolean readable);

    /** The exchange ended: its response is complete, aborted, or the client went away. */
    void exchangeDone();
}
