package io.statim.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.statim.grpc.api.GRPCInferenceServiceGrpc;
import io.statim.grpc.api.ModelInferRequest;
import io.statim.grpc.api.ModelInferResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A scripted HTTP/1.1, h2c or gRPC server for the client's failure paths: it counts the requests it receives (the
 * server-side proof that a request was or was not sent again) and answers the n-th one (from 1) as its
 * script says: a status with an OIP error body, silence, or (h2c) a REFUSED_STREAM reset.
 */
final class StubServer implements AutoCloseable {
    /** What to do with a request. */
    record Answer(int status, boolean refuses, boolean silent) {
        static Answer status(int status) {
            return new Answer(status, false, false);
        }

        static Answer refuse() {
            return new Answer(0, true, false);
        }

        static Answer silence() {
            return new Answer(0, false, true);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final AtomicInteger requests = new AtomicInteger();
    private final Protocol protocol;
    private final IntFunction<Answer> script;
    private final Channel channel;
    private final Server grpc;

    private StubServer(Protocol protocol, IntFunction<Answer> script) {
        this.protocol = protocol;
        this.script = script;
        boolean h2c = protocol == Protocol.H2C;
        if (protocol == Protocol.GRPC) {
            channel = null;
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new GrpcScript())
                    .bossEventLoopGroup(group).workerEventLoopGroup(group).channelType(NioServerSocketChannel.class).build();
            try {
                grpc.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        grpc = null;
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (h2c) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new Http2MultiplexHandler(new H2Stream()));
                        } else {
                            ch.pipeline().addLast(new HttpServerCodec(), new Http1());
                        }
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    static StubServer h2c(IntFunction<Answer> script) {
        return new StubServer(Protocol.H2C, script);
    }

    /** A stub speaking {@code protocol}. */
    static StubServer of(Protocol protocol, IntFunction<Answer> script) {
        return new StubServer(protocol, script);
    }

    /** The protocols a stub speaks, for parameterized tests. */
    static Stream<Protocol> protocols() {
        return Stream.of(Protocol.values());
    }

    int port() {
        return grpc != null ? grpc.getPort() : ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Requests received so far. */
    int requests() {
        return requests.get();
    }

    /** A client aimed at this stub. */
    StatimClient.Builder client() {
        return switch (protocol) {
            case HTTP1 -> StatimClient.builder().http1("127.0.0.1", port());
            case H2C -> StatimClient.builder().h2c("127.0.0.1", port());
            case GRPC -> StatimClient.builder().grpc("127.0.0.1", port());
        };
    }

    private static byte[] errorBody(int status) {
        return ("{\"error\":\"stub says " + status + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (grpc != null) {
            grpc.shutdownNow();
        } else {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The gRPC form of the script: 200 answers OK, 400 INVALID_ARGUMENT, 503 UNAVAILABLE. */
    private final class GrpcScript extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
        @Override
        public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> response) {
            Answer answer = script.apply(requests.incrementAndGet());
            if (answer.silent()) {
                return;
            }
            switch (answer.status()) {
                case 200 -> {
                    response.onNext(ModelInferResponse.getDefaultInstance());
                    response.onCompleted();
                }
                case 503 -> response.onError(Status.UNAVAILABLE.withDescription("stub says 503").asRuntimeException());
                default -> response.onError(Status.INVALID_ARGUMENT.withDescription("stub says " + answer.status()).asRuntimeException());
            }
        }
    }

    private final class Http1 extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (!last) {
                return;
            }
            Answer answer = script.apply(requests.incrementAndGet());
            if (answer.silent()) {
                return;
            }
            byte[] body = errorBody(answer.status());
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()),
                    Unpooled.wrappedBuffer(body));
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length).set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            ctx.writeAndFlush(response);
        }
    }

    private final class H2Stream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean end = (msg instanceof Http2HeadersFrame h && h.isEndStream()) || (msg instanceof Http2DataFrame d && d.isEndStream());
            boolean frame = msg instanceof Http2StreamFrame;
            ReferenceCountUtil.release(msg);
            if (!frame || !end) {
                return;
            }
            Answer answer = script.apply(requests.incrementAndGet());
            if (answer.silent()) {
                return;
            }
            if (answer.refuses()) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                return;
            }
            byte[] body = errorBody(answer.status());
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(Integer.toString(answer.status()))
                    .set(HttpHeaderNames.CONTENT_TYPE, "application/json")));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
        }

        @Override
        public boolean isSharable() {
            return true;
        }
    }
}
