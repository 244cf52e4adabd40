package io.statim.router.proxy;

import io.statim.router.upstream.LatencyHistogram;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Router-wide counters of the request path: how long placement decisions take, how many requests
 * were placed a second time, and the answers the router gave itself, by reason. Lock-free; any thread.
 */
public final class ProxyCounters {
    /** Why the router answered a request itself instead of an upstream. */
    public enum LocalReply {
        /** No upstream in rotation (503). */
        NO_UPSTREAM,
        /** The session's or sequence's upstream is unknown, out of rotation or unreachable (400), or a sequence start's (503). */
        SESSION_UNAVAILABLE,
        /** A session id the router did not issue (400). */
        BAD_SESSION_ID,
        /** The JSON part of an infer body over the buffering limit (413). */
        TOO_LARGE,
        /** No upstream could be reached after the retry (503). */
        CONNECT_FAILED,
        /** The upstream closed or reset the request before answering (502), or refused it (503). */
        UPSTREAM_FAILED,
        /** The upstream did not answer in time (504). */
        TIMEOUT;

        /** The metric label value. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final LatencyHistogram decisions = new LatencyHistogram(250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000);
    private final LongAdder retries = new LongAdder();
    private final LongAdder[] localReplies = new LongAdder[LocalReply.values().length];

    public ProxyCounters() {
        for (int i = 0; i < localReplies.length; i++) {
            localReplies[i] = new LongAdder();
        }
    }

    /** The time each placement decision took (the strategy's pick, or the rendezvous hash), in nanoseconds. */
    public LatencyHistogram decisions() {
        return decisions;
    }

    public long retries() {
        return retries.sum();
    }

    public long localReplies(LocalReply reason) {
        return localReplies[reason.ordinal()].sum();
    }

    void retried() {
        retries.increment();
    }

    void replied(LocalReply reason) {
        localReplies[reason.ordinal()].increment();
    }
}
