package io.statim.router.proxy;

import io.netty.channel.EventLoop;
import io.statim.router.RouterConfig;
import io.statim.router.balance.Balancer;
import io.statim.router.upstream.UpstreamSet;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What every exchange of one router shares: its configuration, its upstreams, the strategy's
 * balancer, its counters, and the slot index of each event loop (the index of the loop's own
 * connections in each upstream). Immutable after construction; any thread.
 */
public final class RouterContext {
    private final RouterConfig config;
    private final UpstreamSet upstreams;
    private final Balancer balancer;
    private final ProxyCounters counters;
    private final Map<EventLoop, Integer> slots;
    private final LoopTimeouts[] timeouts;

    /** @param loops the event loops of the fronts, in slot order */
    public RouterContext(RouterConfig config, UpstreamSet upstreams, ProxyCounters counters, EventLoop[] loops) {
        this.config = config;
        this.upstreams = upstreams;
        this.balancer = Balancer.of(config.strategy());
        this.counters = counters;
        Map<EventLoop, Integer> m = new IdentityHashMap<>();
        for (int i = 0; i < loops.length; i++) {
            m.put(loops[i], i);
        }
        this.slots = m;
        this.timeouts = new LoopTimeouts[loops.length];
        for (int i = 0; i < loops.length; i++) {
            timeouts[i] = new LoopTimeouts(loops[i], config.upstreamTimeoutMs());
        }
    }

    public RouterConfig config() {
        return config;
    }

    public UpstreamSet upstreams() {
        return upstreams;
    }

    Balancer balancer() {
        return balancer;
    }

    public ProxyCounters counters() {
        return counters;
    }

    /** The upstream timeouts of the event loop of slot {@code slot}; on that loop only. */
    LoopTimeouts timeouts(int slot) {
        return timeouts[slot];
    }

    /** The connection slot of a front event loop. */
    int slot(EventLoop loop) {
        Integer i = slots.get(loop);
        if (i == null) {
            throw new IllegalStateException("not an event loop of this router: " + loop);
        }
        return i;
    }
}
