package io.statim.router.balance;

import io.statim.router.Strategy;
import io.statim.router.upstream.Upstream;

/**
 * Places a request that no session pins: picks one upstream of the rotation. Implementations are
 * stateless, lock-free and allocation-free, callable from any thread at once; a decision reads the
 * rotation array and, for LEAST_OUTSTANDING_REQUESTS, one atomic per upstream.
 */
public interface Balancer {
    /**
     * @param rotation the upstreams in rotation (not modified)
     * @param exclude  an upstream not to pick (the one a retried request failed to reach), or null
     * @return the upstream chosen, or null when none is left
     */
    Upstream pick(Upstream[] rotation, Upstream exclude);

    /** The balancer of a strategy. */
    static Balancer of(Strategy strategy) {
        return switch (strategy) {
            case RANDOM -> RandomBalancer.INSTANCE;
            case LEAST_OUTSTANDING_REQUESTS -> LeastOutstandingBalancer.INSTANCE;
        };
    }
}
