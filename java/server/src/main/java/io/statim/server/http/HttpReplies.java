package io.statim.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.protocol.oip.OipJson;

/**
 * Builds and writes the HTTP responses of the OIP REST API (and of the metrics port): JSON bodies,
 * the binary-extension header, text bodies, and {@code {"error": "..."}} bodies whose status comes
 * from the one Status table. Called on the connection's event loop; each method takes ownership of
 * the body it is given.
 */
public final class HttpReplies {
    /** Triton's header giving the length of the JSON part of a binary-extension body. */
    static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";
    /** Seconds a client should wait before retrying a request that the server shed (503). */
    static final int RETRY_AFTER_SECONDS = 1;

    private HttpReplies() {
    }

    /** Writes a JSON (or JSON + binary, when {@code jsonLength >= 0}) body; takes ownership of {@code body}. */
    static void write(ChannelHandlerContext ctx, HttpResponseStatus status, ByteBuf body, int jsonLength) {
        FullHttpResponse response = response(status, body,
                jsonLength >= 0 ? HttpHeaderValues.APPLICATION_OCTET_STREAM : HttpHeaderValues.APPLICATION_JSON);
        if (jsonLength >= 0) {
            response.headers().setInt(INFERENCE_HEADER_CONTENT_LENGTH, jsonLength);
        }
        send(ctx, response);
    }

    /**
     * Writes a successful inference response with the session headers of its request. A binary
     * response to a SageMaker request ({@code sageMaker}) also names the JSON part's length in Triton's
     * SageMaker content type, the only header the AWS SDK hands to its caller.
     */
    static void inference(ChannelHandlerContext ctx, ByteBuf body, int jsonLength, SageMakerContract.SessionReply session,
            boolean sageMaker) {
        CharSequence contentType = jsonLength < 0 ? HttpHeaderValues.APPLICATION_JSON
                : sageMaker ? SageMakerContract.tritonBinaryContentType(jsonLength) : HttpHeaderValues.APPLICATION_OCTET_STREAM;
        FullHttpResponse response = response(HttpResponseStatus.OK, body, contentType);
        if (jsonLength >= 0) {
            response.headers().setInt(INFERENCE_HEADER_CONTENT_LENGTH, jsonLength);
        }
        session.addTo(response.headers());
        send(ctx, response);
    }

    /** Writes a JSON body with status 200 and the given session headers (SageMaker's NEW_SESSION and CLOSE replies). */
    static void json(ChannelHandlerContext ctx, ByteBuf body, SageMakerContract.SessionReply session) {
        FullHttpResponse response = response(HttpResponseStatus.OK, body, HttpHeaderValues.APPLICATION_JSON);
        session.addTo(response.headers());
        send(ctx, response);
    }

    /** Writes a body of the given content type with status 200. */
    public static void text(ChannelHandlerContext ctx, CharSequence contentType, ByteBuf body) {
        send(ctx, response(HttpResponseStatus.OK, body, contentType));
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, CharSequence contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response) {
        ctx.writeAndFlush(response).addListener(f -> HttpConnections.requestDone(ctx));
    }

    /** Writes a JSON body with status 200. */
    static void json(ChannelHandlerContext ctx, ByteBuf body) {
        write(ctx, HttpResponseStatus.OK, body, -1);
    }

    /** Writes an empty body with the given status (health endpoints). */
    static void empty(ChannelHandlerContext ctx, HttpResponseStatus status) {
        write(ctx, status, Unpooled.EMPTY_BUFFER, -1);
    }

    /**
     * Writes {@code {"error": message}} with the HTTP status of the status's code. A shed request
     * (UNAVAILABLE, 503) also carries {@code Retry-After}, so clients and proxies back off briefly
     * instead of retrying at once.
     */
    public static void error(ChannelHandlerContext ctx, Status status) {
        sendError(ctx, status, OipJson.error(ctx.alloc(), status.message()));
    }

    /**
     * Writes an error of SageMaker's {@code /invocations}: as {@link #error}, with the message also
     * under {@code "message"}, where the AWS SDK reads it for its exception.
     */
    static void error(ChannelHandlerContext ctx, Status status, boolean sageMaker) {
        if (sageMaker) {
            sendError(ctx, status, SageMakerContract.errorBody(ctx.alloc(), status.message()));
        } else {
            error(ctx, status);
        }
    }

    private static void sendError(ChannelHandlerContext ctx, Status status, ByteBuf body) {
        FullHttpResponse response = response(HttpResponseStatus.valueOf(status.code().httpStatus()), body,
                HttpHeaderValues.APPLICATION_JSON);
        if (status.code() == Code.UNAVAILABLE) {
            response.headers().setInt(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        send(ctx, response);
    }

    /** Writes {@code {"error": message}} with {@code Connection: close} and closes the connection after it. */
    static void errorAndClose(ChannelHandlerContext ctx, Status status) {
        FullHttpResponse response = response(HttpResponseStatus.valueOf(status.code().httpStatus()),
                OipJson.error(ctx.alloc(), status.message()), HttpHeaderValues.APPLICATION_JSON);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

}
