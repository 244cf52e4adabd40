package io.statim.router.upstream;

import io.statim.router.UpstreamAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the {@code --upstream-dns} names now and every refresh interval on a thread of its own
 * (resolution blocks), and makes the upstreams the static ones plus every address found. A name that
 * does not resolve keeps the addresses it had (a DNS outage does not empty the rotation); the JVM's
 * own DNS cache applies ({@code networkaddress.cache.ttl}, which {@code statim route} lowers).
 */
public final class DnsWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DnsWatcher.class);

    private final List<UpstreamAddress> fixed;
    private final List<UpstreamAddress> names;
    private final UpstreamSet upstreams;
    private final Consumer<Upstream> created;
    private final List<List<UpstreamAddress>> lastResolved = new ArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("statim-router-dns").daemon().factory());

    /**
     * @param created told of every upstream a refresh adds (after the first), to check it at once
     */
    public DnsWatcher(List<UpstreamAddress> fixed, List<UpstreamAddress> names, UpstreamSet upstreams, Consumer<Upstream> created) {
        this.fixed = List.copyOf(fixed);
        this.names = List.copyOf(names);
        this.upstreams = upstreams;
        this.created = created;
        for (int i = 0; i < names.size(); i++) {
            lastResolved.add(List.of());
        }
    }

    /** Resolves once, on the caller's thread, and sets the upstreams. */
    public void resolveNow() {
        upstreams.replace(resolve());
    }

    /** Resolves again every {@code refreshMillis}, when there are names. */
    public void start(long refreshMillis) {
        if (!names.isEmpty()) {
            thread.scheduleWithFixedDelay(() -> upstreams.replace(resolve()).forEach(created), refreshMillis, refreshMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    private synchronized List<UpstreamAddress> resolve() {
        List<UpstreamAddress> all = new ArrayList<>(fixed);
        for (int i = 0; i < names.size(); i++) {
            UpstreamAddress name = names.get(i);
            try {
                List<UpstreamAddress> found = new ArrayList<>();
                for (InetAddress a : InetAddress.getAllByName(name.host())) {
                    found.add(name.withHost(a.getHostAddress()));
                }
                lastResolved.set(i, found);
            } catch (UnknownHostException | RuntimeException e) {
                LOG.warn("upstream name {} did not resolve ({}); keeping its {} addresses", name.host(), e.getMessage(),
                        lastResolved.get(i).size());
            }
            all.addAll(lastResolved.get(i));
        }
        return all;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
