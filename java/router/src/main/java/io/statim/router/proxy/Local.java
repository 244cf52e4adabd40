package io.statim.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The few GET paths of the HTTP front the router answers itself: its health ({@code /v2/health/live}
 * always 200; {@code /v2/health/ready} 200 while an upstream is in rotation, else 400 as the server
 * answers; SageMaker's {@code /ping} 200 or 503) and {@code /router/stats}. Everything else is proxied.
 * Stateless; any thread.
 */
final class Local {
    static final String STATS = "/router/stats";
    private static final AsciiString GET = AsciiString.cached("GET");

    private Local() {
    }

    static boolean handles(Http2Headers request) {
        if (!GET.contentEquals(request.method())) {
            return false;
        }
        String p = Paths.withoutQuery(request.path());
        return p.equals(STATS) || p.equals("/v2/health/live") || p.equals("/v2/health/ready") || p.equals("/ping");
    }

    static void reply(RouterContext router, Front front, Http2Headers request) {
        String p = Paths.withoutQuery(request.path());
        boolean ready = router.upstreams().rotation().length > 0;
        switch (p) {
            case STATS -> {
                ByteBuf body = RouterStats.json(ByteBufAllocator.DEFAULT, router);
                front.replyLocal(200, LocalReplies.APPLICATION_JSON, body);
            }
            case "/v2/health/live" -> front.replyLocal(200, LocalReplies.APPLICATION_JSON, Unpooled.EMPTY_BUFFER);
            case "/v2/health/ready" -> front.replyLocal(ready ? 200 : 400, LocalReplies.APPLICATION_JSON, Unpooled.EMPTY_BUFFER);
            default -> front.replyLocal(ready ? 200 : 503, LocalReplies.APPLICATION_JSON, Unpooled.EMPTY_BUFFER);
        }
    }
}
