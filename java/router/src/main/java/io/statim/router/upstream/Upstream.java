package io.statim.router.upstream;

import io.statim.router.UpstreamAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One upstream Statim server as the router sees it: its address and identity ({@link #key()}), its
 * health, the requests it has in flight from this router (what LEAST_OUTSTANDING_REQUESTS reads), its
 * counters, and one HTTP/2 connection per event loop and port.
 *
 * <p>Threads: counters and the in-flight count are atomics updated by any event loop; the health
 * fields are written by the health checker; {@link #connection} slot {@code i} is created and used
 * only by event loop {@code i} (the health checker's slot is its own loop).
 */
public final class Upstream {
    private static final long[] LATENCY_BOUNDS_NANOS = bounds(
            100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000);

    private final UpstreamAddress address;
    private final String key;
    private final long rendezvousHash;
    private final UpstreamHealth health;
    private final ConnectionFactory connections;
    private final UpstreamConnection[] http;
    private final UpstreamConnection[] grpc;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder requests = new LongAdder();
    private final LongAdder[] failures = new LongAdder[FailureKind.values().length];
    private final LongAdder ejections = new LongAdder();
    private final LongAdder checksFailed = new LongAdder();
    private final LatencyHistogram latency = new LatencyHistogram(LATENCY_BOUNDS_NANOS);
    private volatile boolean inRotation;
    private volatile boolean removed;

    /** @param connections null for an upstream that never connects (tests of the strategies) */
    public Upstream(UpstreamAddress address, UpstreamHealth health, ConnectionFactory connections) {
        this.address = address;
        this.key = address.key();
        this.rendezvousHash = Rendezvous.hash(key);
        this.health = health;
        this.connections = connections;
        int slots = connections == null ? 0 : connections.loops();
        this.http = new UpstreamConnection[slots];
        this.grpc = new UpstreamConnection[slots];
        for (int i = 0; i < failures.length; i++) {
            failures[i] = new LongAdder();
        }
    }

    public UpstreamAddress address() {
        return address;
    }

    /** {@code host:httpPort}, the identity encoded into session ids. */
    public String key() {
        return key;
    }

    long rendezvousHash() {
        return rendezvousHash;
    }

    public UpstreamHealth health() {
        return health;
    }

    /**
     * The connection of event loop {@code loop} to the HTTP or the gRPC port, made on first use. On
     * that event loop only.
     */
    public UpstreamConnection connection(int loop, boolean toGrpc) {
        UpstreamConnection[] slots = toGrpc ? grpc : http;
        UpstreamConnection c = slots[loop];
        if (c == null) {
            c = connections.create(this, loop, toGrpc ? address.grpcPort() : address.httpPort());
            slots[loop] = c;
        }
        return c;
    }

    /** Closes the connections of every loop, each on its loop. Any thread. */
    void closeConnections() {
        for (int i = 0; i < http.length; i++) {
            int loop = i;
            connections.loop(loop).execute(() -> {
                if (http[loop] != null) {
                    http[loop].close();
                }
                if (grpc[loop] != null) {
                    grpc[loop].close();
                }
            });
        }
    }

    /** A request was placed here: counts it and its place in flight. */
    public void requestStarted() {
        inFlight.incrementAndGet();
        requests.increment();
    }

    /**
     * A request placed here ended (answered, failed or cancelled).
     *
     * @param failure why it failed, or null (answered, or cancelled by the client)
     * @return true when this failure ejected the upstream
     */
    public boolean requestEnded(FailureKind failure, long durationNanos, long nowNanos) {
        inFlight.decrementAndGet();
        if (failure == null) {
            health.onRequestSucceeded();
            latency.record(durationNanos);
            return false;
        }
        failures[failure.ordinal()].increment();
        if (health.onRequestFailed(nowNanos)) {
            ejections.increment();
            return true;
        }
        return false;
    }

    /** A request placed here was cancelled by its client: it leaves the in-flight count, nothing else. */
    public void requestCancelled() {
        inFlight.decrementAndGet();
    }

    /** Requests sent to this upstream from this router and not yet ended. */
    public int inFlight() {
        return inFlight.get();
    }

    public long requests() {
        return requests.sum();
    }

    public long failures(FailureKind kind) {
        return failures[kind.ordinal()].sum();
    }

    public long ejections() {
        return ejections.sum();
    }

    public long checksFailed() {
        return checksFailed.sum();
    }

    void checkFailed() {
        checksFailed.increment();
    }

    /** Time from placing a request to the end of its response, for requests that did not fail. */
    public LatencyHistogram latency() {
        return latency;
    }

    /** True when the upstream is in the rotation the strategies choose from. */
    public boolean inRotation() {
        return inRotation;
    }

    void inRotation(boolean value) {
        inRotation = value;
    }

    /** True once a DNS refresh dropped this upstream: its sessions are gone with it. */
    public boolean removed() {
        return removed;
    }

    void markRemoved() {
        removed = true;
        inRotation = false;
    }

    @Override
    public String toString() {
        return address.toString();
    }

    private static long[] bounds(long... micros) {
        long[] nanos = new long[micros.length];
        for (int i = 0; i < micros.length; i++) {
            nanos[i] = TimeUnit.MICROSECONDS.toNanos(micros[i]);
        }
        return nanos;
    }
}
