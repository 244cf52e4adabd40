package io.statim.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.statim.core.status.Status;
import org.junit.jupiter.api.Test;

class HttpRepliesTest {
    private static FullHttpResponse errorReply(Status status) {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = channel.pipeline().firstContext();
        HttpReplies.error(ctx, status);
        FullHttpResponse response = channel.readOutbound();
        channel.finishAndReleaseAll();
        return response;
    }

    @Test
    void shedRequestCarriesRetryAfter() {
        FullHttpResponse response = errorReply(Status.unavailable("queue of model 'm' is full"));
        try {
            assertThat(response.status().code()).isEqualTo(503);
            assertThat(response.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
        } finally {
            response.release();
        }
    }

    @Test
    void otherErrorsCarryNoRetryAfter() {
        FullHttpResponse response = errorReply(Status.invalidArgument("bad input"));
        try {
            assertThat(response.status().code()).isEqualTo(400);
            assertThat(response.headers().contains(HttpHeaderNames.RETRY_AFTER)).isFalse();
        } finally {
            response.release();
        }
    }
}
