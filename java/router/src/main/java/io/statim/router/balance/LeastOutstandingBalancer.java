package io.statim.router.balance;

import io.statim.router.upstream.Upstream;
import java.util.concurrent.ThreadLocalRandom;

/**
 * LEAST_OUTSTANDING_REQUESTS: the upstream with the fewest requests in flight from this router, read
 * from each upstream's atomic counter; among equals, each with the same probability (reservoir
 * sampling over the ties, so an idle cluster is spread like RANDOM). The counts are read without a
 * lock, one after the other: two decisions made at the same instant may both see the same minimum,
 * as in any lock-free least-request balancer (Envoy's included); the next decisions see the result.
 */
public final class LeastOutstandingBalancer implements Balancer {
    static final LeastOutstandingBalancer INSTANCE = new LeastOutstandingBalancer();

    private LeastOutstandingBalancer() {
    }

    @Override
    public Upstream pick(Upstream[] rotation, Upstream exclude) {
        Upstream best = null;
        int bestInFlight = Integer.MAX_VALUE;
        int ties = 0;
        for (Upstream u : rotation) {
            if (u == exclude) {
                continue;
            }
            int inFlight = u.inFlight();
            if (inFlight < bestInFlight) {
                best = u;
                bestInFlight = inFlight;
                ties = 1;
            } else if (inFlight == bestInFlight && ThreadLocalRandom.current().nextInt(++ties) == 0) {
                best = u;
            }
        }
        return best;
    }
}
