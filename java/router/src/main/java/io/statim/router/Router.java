package io.statim.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.statim.router.metrics.MetricsEndpoint;
import io.statim.router.proxy.FrontInitializer;
import io.statim.router.proxy.ProxyCounters;
import io.statim.router.proxy.RouterContext;
import io.statim.router.upstream.ConnectionFactory;
import io.statim.router.upstream.DnsWatcher;
import io.statim.router.upstream.HealthChecker;
import io.statim.router.upstream.Upstream;
import io.statim.router.upstream.UpstreamHealth;
import io.statim.router.upstream.UpstreamSet;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code statim route}: one router process in front of many Statim servers. {@link #start} resolves
 * the upstreams, checks each once (so the rotation is known before the first request), starts the
 * periodic checks and binds the HTTP, gRPC and metrics ports; {@link #close} stops everything.
 *
 * <p>Threads: {@code threads} event loops ({@code statim-router-N}) serve the fronts and hold their
 * own connections to every upstream; one control loop ({@code statim-router-control}) runs the health
 * checks and the metrics port; one daemon thread resolves DNS names when there are any.
 */
public final class Router implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final RouterContext context;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final EventLoopGroup control;
    private final HealthChecker health;
    private final DnsWatcher dns;
    private final List<Channel> fronts;
    private final MetricsEndpoint metrics;

    private Router(RouterContext context, EventLoopGroup boss, EventLoopGroup workers, EventLoopGroup control, HealthChecker health,
            DnsWatcher dns, List<Channel> fronts, MetricsEndpoint metrics) {
        this.context = context;
        this.boss = boss;
        this.workers = workers;
        this.control = control;
        this.health = health;
        this.dns = dns;
        this.fronts = fronts;
        this.metrics = metrics;
    }

    /** Starts a router; throws when a port cannot be bound. */
    public static Router start(RouterConfig config) throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("statim-router-accept", true),
                Transport.ioHandlerFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.threads(), new DefaultThreadFactory("statim-router", true),
                Transport.ioHandlerFactory());
        EventLoopGroup control = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("statim-router-control", true),
                Transport.ioHandlerFactory());
        HealthChecker health = null;
        DnsWatcher dns = null;
        List<Channel> fronts = new ArrayList<>();
        try {
            EventLoop[] loops = loops(workers);
            EventLoop controlLoop = control.next();
            AtomicReference<HealthChecker> checker = new AtomicReference<>();
            ConnectionFactory connections = new ConnectionFactory(loops, Transport.socketChannel(), config.connectTimeoutMs(),
                    u -> checker.get().checkNow(u));
            UpstreamSet upstreams = new UpstreamSet(address -> new Upstream(address,
                    new UpstreamHealth(config.unhealthyThreshold(), config.healthyThreshold(), config.ejectAfterFailures(),
                            TimeUnit.MILLISECONDS.toNanos(config.ejectionMs())),
                    connections));
            health = new HealthChecker(upstreams, controlLoop,
                    new ConnectionFactory(new EventLoop[] {controlLoop}, Transport.socketChannel(), config.connectTimeoutMs(), u -> { }),
                    config.healthIntervalMs(), config.healthTimeoutMs());
            checker.set(health);
            dns = new DnsWatcher(config.upstreams(), config.dnsUpstreams(), upstreams, health::checkNow);
            dns.resolveNow();
            awaitFirstChecks(health, config);
            health.start();
            dns.start(config.dnsRefreshMs());

            RouterContext context = new RouterContext(config, upstreams, new ProxyCounters(), loops);
            fronts.add(bind(config.address(), config.httpPort(), boss, workers, new FrontInitializer(context, false)));
            if (config.grpcEnabled()) {
                fronts.add(bind(config.address(), config.grpcPort(), boss, workers, new FrontInitializer(context, true)));
            }
            MetricsEndpoint metrics = MetricsEndpoint.start(config.address(), config.metricsPort(), control, Transport.serverChannel(), context);
            LOG.info("routing {} over {} upstreams ({} in rotation): HTTP/1.1 and h2c on {}{} ({}, {} threads)", config.strategy(),
                    upstreams.all().length, upstreams.rotation().length, fronts.get(0).localAddress(),
                    config.grpcEnabled() ? ", gRPC on " + fronts.get(1).localAddress() : "", Transport.name(), config.threads());
            return new Router(context, boss, workers, control, health, dns, fronts, metrics);
        } catch (InterruptedException | RuntimeException e) {
            fronts.forEach(Channel::close);
            if (health != null) {
                health.close();
            }
            if (dns != null) {
                dns.close();
            }
            shutdown(boss, workers, control);
            throw e;
        }
    }

    private static EventLoop[] loops(EventLoopGroup group) {
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
        return loops.toArray(new EventLoop[0]);
    }

    /** The first round of checks decides the rotation before any request arrives; an upstream that does not answer in time is out. */
    private static void awaitFirstChecks(HealthChecker health, RouterConfig config) throws InterruptedException {
        long waitMs = config.healthTimeoutMs() + config.connectTimeoutMs() + 1000;
        try {
            health.checkAll().get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("the first health checks did not all finish within {} ms", waitMs);
        }
    }

    private static Channel bind(String address, int port, EventLoopGroup boss, EventLoopGroup workers, FrontInitializer init)
            throws InterruptedException {
        return new ServerBootstrap().group(boss, workers).channel(Transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(init)
                .bind(new InetSocketAddress(address, port)).sync().channel();
    }

    /** The HTTP port bound (useful when 0 was asked for). */
    public int httpPort() {
        return ((InetSocketAddress) fronts.get(0).localAddress()).getPort();
    }

    /** The gRPC port bound, or -1 when the router serves no gRPC front. */
    public int grpcPort() {
        return fronts.size() > 1 ? ((InetSocketAddress) fronts.get(1).localAddress()).getPort() : -1;
    }

    /** The metrics port bound. */
    public int metricsPort() {
        return metrics.port();
    }

    /** The upstreams and the rotation, for tests and tools. */
    public io.statim.router.upstream.UpstreamSet upstreams() {
        return context.upstreams();
    }

    /** The router-wide counters, for tests and tools. */
    public ProxyCounters counters() {
        return context.counters();
    }

    /**
     * Checks every upstream now, besides the periodic checks, with the same consequences (a failed check of an
     * upstream in rotation is followed at once by the next). The future completes when each of these checks has
     * its verdict. For tests and tools, which can then run with an interval long enough that no tick comes at an
     * unknown moment; the router itself never needs it.
     */
    public CompletableFuture<Void> checkHealthNow() {
        return health.checkAll();
    }

    /**
     * Waits until {@code n} upstreams are in rotation, checking them all again while they are not (an
     * upstream whose first check did not pass within the check timeout, as a server still starting
     * does, starts out of rotation until a check passes).
     *
     * @return true when {@code n} are in rotation, false when {@code limit} passed first
     */
    public boolean awaitInRotation(int n, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (upstreams().rotation().length != n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                checkHealthNow().get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return upstreams().rotation().length == n;
            }
            upstreams().refresh(System.nanoTime());   // as a tick would: ends ejections whose time passed
            Thread.sleep(20);
        }
        return true;
    }

    @Override
    public void close() {
        for (Channel c : fronts) {
            c.close().syncUninterruptibly();
        }
        metrics.close();
        health.close();
        dns.close();
        shutdown(boss, workers, control);
    }

    private static void shutdown(EventLoopGroup... groups) {
        for (EventLoopGroup g : groups) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
        for (EventLoopGroup g : groups) {
            g.terminationFuture().syncUninterruptibly();
        }
    }
}
