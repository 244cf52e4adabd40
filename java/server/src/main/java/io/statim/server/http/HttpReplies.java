package io.statim.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.statim.core.status.Status;
import io.statim.protocol.oip.OipJson;

/**
 * Builds and writes the HTTP responses of the OIP REST API: JSON bodies, the binary-extension
 * header, and {@code {"error": "..."}} bodies whose status comes from the one Status table.
 * Called on the connection's event loop.
 */
final class HttpReplies {
    /** Triton's header giving the length of the JSON part of a binary-extension body. */
    static final String INFERENCE_HEADER_CONTENT_LENGTH = "Inference-Header-Content-Length";

    private HttpReplies() {
    }

    /** Writes a JSON (or JSON + binary, when {@code jsonLength >= 0}) body; takes ownership of {@code body}. */
    static void write(ChannelHandlerContext ctx, HttpResponseStatus status, ByteBuf body, int jsonLength) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        if (jsonLength >= 0) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            response.headers().setInt(INFERENCE_HEADER_CONTENT_LENGTH, jsonLength);
        } else {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
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

    /** Writes {@code {"error": message}} with the HTTP status of the status's code. */
    static void error(ChannelHandlerContext ctx, Status status) {
        write(ctx, HttpResponseStatus.valueOf(status.code().httpStatus()), OipJson.error(ctx.alloc(), status.message()), -1);
    }

    /** The allocator for response bodies. */
    static ByteBufAllocator alloc(ChannelHandlerContext ctx) {
        return ctx.alloc();
    }
}
