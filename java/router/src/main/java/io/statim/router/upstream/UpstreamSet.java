package io.statim.router.upstream;

import io.statim.router.UpstreamAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstreams the router knows and the ones in rotation, published as immutable snapshots: the hot
 * path reads one volatile array ({@link #rotation()}) or one volatile map ({@link #find}) and takes no
 * lock. Changes (a health verdict, an ejection or its end, a DNS refresh) rebuild the snapshots under
 * this object's lock, which only the health checker, the DNS refresher and an ejecting event loop
 * take, rarely.
 */
public final class UpstreamSet {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamSet.class);
    private static final Upstream[] NONE = new Upstream[0];

    private final Function<UpstreamAddress, Upstream> factory;
    private volatile Upstream[] all = NONE;
    private volatile Map<String, Upstream> byKey = Map.of();
    private volatile Upstream[] rotation = NONE;

    /** @param factory makes the upstream of a new address (out of rotation until its first check) */
    public UpstreamSet(Function<UpstreamAddress, Upstream> factory) {
        this.factory = factory;
    }

    /** The upstreams in rotation now. Do not modify the array. */
    public Upstream[] rotation() {
        return rotation;
    }

    /** Every upstream known now, in rotation or not, sorted by key. Do not modify the array. */
    public Upstream[] all() {
        return all;
    }

    /** The known upstream whose key is {@code key}, or null. */
    public Upstream find(String key) {
        return byKey.get(key);
    }

    /**
     * The upstream that owns an OIP sequence id: rendezvous hashing over every known upstream, in
     * rotation or not, so the owner stays the same while the upstream list does. Null when none is known.
     */
    public Upstream owner(String sequenceId) {
        return Rendezvous.owner(sequenceId, all);
    }

    /**
     * Makes the known upstreams exactly {@code addresses} (by key): new ones are created, missing ones
     * removed and their connections closed. Any thread.
     *
     * @return the upstreams created, for the caller to check at once
     */
    public synchronized List<Upstream> replace(Collection<UpstreamAddress> addresses) {
        Map<String, Upstream> next = new LinkedHashMap<>();
        List<Upstream> created = new ArrayList<>();
        for (UpstreamAddress a : addresses) {
            if (next.containsKey(a.key())) {
                continue;
            }
            Upstream u = byKey.get(a.key());
            if (u == null) {
                u = factory.apply(a);
                created.add(u);
                LOG.info("upstream {} added", u);
            }
            next.put(a.key(), u);
        }
        for (Upstream u : all) {
            if (!next.containsKey(u.key())) {
                u.markRemoved();
                u.closeConnections();
                LOG.info("upstream {} removed", u);
            }
        }
        Upstream[] sorted = next.values().toArray(NONE);
        java.util.Arrays.sort(sorted, Comparator.comparing(Upstream::key));
        all = sorted;
        byKey = new HashMap<>(next);
        publishRotation(System.nanoTime(), true);
        return created;
    }

    /**
     * Rebuilds the rotation from the upstreams' health at {@code nowNanos}, ending ejections whose time
     * passed. Any thread.
     *
     * @return true when the rotation changed
     */
    public synchronized boolean refresh(long nowNanos) {
        for (Upstream u : all) {
            u.health().expireEjection(nowNanos);
        }
        return publishRotation(nowNanos, false);
    }

    private boolean publishRotation(long nowNanos, boolean membershipChanged) {
        List<Upstream> in = new ArrayList<>(all.length);
        boolean changed = false;
        for (Upstream u : all) {
            boolean now = u.health().inRotation(nowNanos);
            if (now != u.inRotation()) {
                changed = true;
                LOG.info("upstream {} {} rotation ({})", u, now ? "joins" : "leaves", reason(u, nowNanos));
                u.inRotation(now);
            }
            if (now) {
                in.add(u);
            }
        }
        if (changed || membershipChanged) {
            rotation = in.toArray(NONE);
            return true;
        }
        return false;
    }

    private static String reason(Upstream u, long nowNanos) {
        if (u.health().isEjected(nowNanos)) {
            return "ejected after consecutive failed requests";
        }
        return u.health().checksPass() ? "health checks pass" : "health checks fail";
    }
}
