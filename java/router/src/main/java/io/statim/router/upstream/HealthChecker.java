package io.statim.router.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks: every interval, {@code GET /v2/health/ready} on each upstream's HTTP port
 * over an HTTP/2 connection of the checker's own; 200 passes, anything else, a connection that cannot
 * be made, or no answer within the timeout fails. The verdicts go to each {@link UpstreamHealth}, and
 * the rotation is rebuilt when one changes (and every tick, to end ejections whose time passed). A failed
 * check of an upstream still in rotation is followed by the next one at once, on a new connection.
 *
 * <p>Everything runs on the checker's one event loop (so {@link UpstreamHealth#onCheck} has one
 * caller); {@link #checkNow} and {@link #checkAll} may be called from any thread.
 */
public final class HealthChecker implements AutoCloseable {
    /** The path checked: the server is live and every model it was asked to load is ready. */
    public static final String PATH = "/v2/health/ready";

    private final UpstreamSet upstreams;
    private final EventLoop loop;
    private final ConnectionFactory connections;
    private final long intervalMillis;
    private final long timeoutMillis;
    private final Map<Upstream, UpstreamConnection> connectionOf = new HashMap<>();
    private final Map<Upstream, Probe> probing = new HashMap<>();
    private final List<Runnable> whenIdle = new ArrayList<>();
    private ScheduledFuture<?> ticks;

    /**
     * @param connections a factory whose only loop is {@code loop}
     */
    public HealthChecker(UpstreamSet upstreams, EventLoop loop, ConnectionFactory connections, long intervalMillis, long timeoutMillis) {
        this.upstreams = upstreams;
        this.loop = loop;
        this.connections = connections;
        this.intervalMillis = intervalMillis;
        this.timeoutMillis = timeoutMillis;
    }

    /** Starts the periodic checks. */
    public void start() {
        loop.execute(() -> ticks = loop.scheduleAtFixedRate(this::tick, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS));
    }

    /** Checks every known upstream now; the future completes when every check has its verdict. */
    public CompletableFuture<Void> checkAll() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            for (Upstream u : upstreams.all()) {
                probe(u);
            }
            if (probing.isEmpty()) {
                done.complete(null);
            } else {
                whenIdle.add(() -> done.complete(null));
            }
        });
        return done;
    }

    /** Checks {@code upstream} now, unless a check of it is under way (its connection closed, or it is new). */
    public void checkNow(Upstream upstream) {
        if (!loop.isShuttingDown()) {
            loop.execute(() -> probe(upstream));
        }
    }

    private void tick() {
        for (Upstream u : upstreams.all()) {
            probe(u);
        }
        connectionOf.entrySet().removeIf(e -> {
            if (e.getKey().removed()) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        upstreams.refresh(System.nanoTime());
    }

    private void probe(Upstream u) {
        if (probing.containsKey(u) || u.removed()) {
            return;
        }
        Probe probe = new Probe(u);
        probing.put(u, probe);
        probe.timeout = loop.schedule(probe::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
        connectionOf.computeIfAbsent(u, x -> connections.create(x, 0, x.address().httpPort())).openStream(probe, probe);
    }

    private void verdict(Probe probe, boolean passed) {
        probing.remove(probe.upstream);
        probe.timeout.cancel(false);
        if (!passed) {
            probe.upstream.checkFailed();
            // The next check connects afresh: a hung or half-closed connection must not make every check wait for its timeout.
            UpstreamConnection c = connectionOf.remove(probe.upstream);
            if (c != null) {
                c.close();
            }
        }
        if (probe.upstream.health().onCheck(passed)) {
            upstreams.refresh(System.nanoTime());
        }
        if (!passed && probe.upstream.health().checksPass()) {
            // A failing upstream still in rotation is checked again at once, not at the next tick: it leaves
            // rotation after its threshold of failed checks, not thresholds times the interval.
            loop.execute(() -> probe(probe.upstream));
        }
        if (probing.isEmpty() && !whenIdle.isEmpty()) {
            List<Runnable> waiters = new ArrayList<>(whenIdle);
            whenIdle.clear();
            waiters.forEach(Runnable::run);
        }
    }

    @Override
    public void close() {
        loop.execute(() -> {
            if (ticks != null) {
                ticks.cancel(false);
            }
            connectionOf.values().forEach(UpstreamConnection::close);
            connectionOf.clear();
        });
    }

    /** One check of one upstream: its stream's handler and the listener of its opening. On the checker's loop. */
    private final class Probe extends ChannelInboundHandlerAdapter implements UpstreamConnection.StreamListener {
        final Upstream upstream;
        ScheduledFuture<?> timeout;
        Http2StreamChannel stream;
        boolean done;

        Probe(Upstream upstream) {
            this.upstream = upstream;
        }

        @Override
        public void streamOpened(Http2StreamChannel s) {
            if (done) {
                s.close();
                return;
            }
            stream = s;
            Http2Headers headers = new DefaultHttp2Headers().method("GET").path(PATH).scheme("http")
                    .authority(upstream.key());
            s.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true)).addListener(f -> {
                if (!f.isSuccess()) {
                    finish(false);
                }
            });
        }

        @Override
        public void streamFailed(Throwable cause) {
            finish(false);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h && !done) {
                    CharSequence status = h.headers().status();
                    finish(status != null && "200".contentEquals(status));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame) {
                finish(false);
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(false);
        }

        void timedOut() {
            finish(false);
        }

        private void finish(boolean passed) {
            if (done) {
                return;
            }
            done = true;
            if (stream != null) {
                stream.close();
            }
            verdict(this, passed);
        }
    }
}
