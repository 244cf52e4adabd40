package io.statim.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.statim.server.audit.AuditLog;

/**
 * Writes each HTTP request's {@link AuditLog} line: installed in front of every HTTP/1.1 connection's
 * and HTTP/2 stream's handlers when the audit log is on. It notes the method, path (without its
 * query) and arrival when a request's head comes in, the status when the response's head goes out,
 * and writes the line when the response's last part goes out; {@link OipHttpHandler} adds the model,
 * version, adapter and session once it knows them ({@link #note}). One request at a time per channel
 * (HTTP/1.1 answers in order, an HTTP/2 stream carries one request); its event loop only.
 */
final class HttpAudit extends ChannelDuplexHandler {
    private static final AttributeKey<Entry> ENTRY = AttributeKey.valueOf("statim.audit.entry");
    /** A version not (yet) known: {@link #note} with it keeps what the line had. */
    static final long NO_VERSION = -1;

    /** What one request's line says beyond the transport. */
    private static final class Entry {
        final long start = System.nanoTime();
        final String method;
        final String endpoint;
        String model;
        long version = NO_VERSION;
        String adapter;
        String session;
        String status = "-";

        Entry(String method, String endpoint) {
            this.method = method;
            this.endpoint = endpoint;
        }
    }

    private final String protocol;

    /** @param protocol "http/1.1" or "h2c" */
    HttpAudit(String protocol) {
        this.protocol = protocol;
    }

    /**
     * Adds what the handler learned to the request's line; nothing (and no allocation) when the audit
     * log is off. Null values and {@link #NO_VERSION} keep what the line had.
     */
    static void note(ChannelHandlerContext ctx, String model, long version, String adapter, String session) {
        Channel ch = ctx.channel();
        if (!ch.hasAttr(ENTRY)) {
            return;
        }
        Entry e = ch.attr(ENTRY).get();
        if (e == null) {
            return;
        }
        e.model = model != null ? model : e.model;
        e.version = version != NO_VERSION ? version : e.version;
        e.adapter = adapter != null ? adapter : e.adapter;
        e.session = session != null ? session : e.session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            ctx.channel().attr(ENTRY).set(new Entry(request.method().name(), endpoint(request)));
        }
        ctx.fireChannelRead(msg);
    }

    /** The channel closed before the response went out (client gone, stream reset, connection error): the line still. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Entry e = ctx.channel().attr(ENTRY).getAndSet(null);
        if (e != null) {
            e.status = "closed";
            record(protocol, ctx, e);
        }
        super.channelInactive(ctx);
    }

    /** The line of a request answered before it reached this handler (413 from the aggregator). */
    static void unseen(String protocol, ChannelHandlerContext ctx, HttpRequest request, int status) {
        Entry e = new Entry(request.method().name(), endpoint(request));
        e.status = Integer.toString(status);
        record(protocol, ctx, e);
    }

    /** The request's path without its query (which may carry anything). */
    private static String endpoint(HttpRequest request) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** Writes the line; the client's address is the channel's (an HTTP/2 stream answers its connection's). */
    private static void record(String protocol, ChannelHandlerContext ctx, Entry e) {
        AuditLog.record(protocol, ctx.channel().remoteAddress(), e.method, e.endpoint, e.model,
                e.version == NO_VERSION ? null : Long.toString(e.version), e.adapter, e.session, e.status, System.nanoTime() - e.start);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Entry e = ctx.channel().hasAttr(ENTRY) ? ctx.channel().attr(ENTRY).get() : null;
        if (e != null) {
            if (msg instanceof HttpResponse response) {
                e.status = Integer.toString(response.status().code());
            }
            if (msg instanceof LastHttpContent) {
                ctx.channel().attr(ENTRY).set(null);
                record(protocol, ctx, e);
            }
        }
        ctx.write(msg, promise);
    }
}
