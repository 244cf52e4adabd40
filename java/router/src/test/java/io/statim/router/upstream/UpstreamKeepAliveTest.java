package io.statim.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An idle upstream connection sends HTTP/2 PINGs, so that the upstream's idle timeout does not close it. */
class UpstreamKeepAliveTest {
    private static final int PING = 0x6;

    @Test
    void anIdleConnectionPingsItsUpstream() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .remoteAddress(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()));
            UpstreamConnection connection = new UpstreamConnection(bootstrap, () -> { }, 1);
            CompletableFuture<Void> opened = new CompletableFuture<>();
            group.next().execute(() -> connection.openStream(new ChannelInboundHandlerAdapter(), new UpstreamConnection.StreamListener() {
                @Override
                public void streamOpened(Http2StreamChannel stream) {
                    opened.complete(null);
                }

                @Override
                public void streamFailed(Throwable cause) {
                    opened.completeExceptionally(cause);
                }
            }));
            try (Socket upstream = server.accept()) {
                upstream.setSoTimeout(20_000);
                opened.get(10, TimeUnit.SECONDS);
                List<Integer> types = framesUntilPing(new DataInputStream(upstream.getInputStream()));
                assertThat(types).as("frames from the router's connection").endsWith(PING);
            }
            group.next().submit(connection::close).get(5, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Skips the client preface, then reads frame headers (skipping payloads) until a PING. */
    private static List<Integer> framesUntilPing(DataInputStream in) throws IOException {
        in.skipNBytes(24);
        List<Integer> types = new ArrayList<>();
        byte[] header = new byte[9];
        while (true) {
            in.readFully(header);
            int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            int type = header[3] & 0xff;
            types.add(type);
            in.skipNBytes(length);
            if (type == PING) {
                return types;
            }
        }
    }
}
