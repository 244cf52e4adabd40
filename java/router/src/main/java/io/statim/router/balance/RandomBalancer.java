package io.statim.router.balance;

import io.statim.router.upstream.Upstream;
import java.util.concurrent.ThreadLocalRandom;

/** RANDOM: every upstream of the rotation (but the excluded one) with the same probability. */
public final class RandomBalancer implements Balancer {
    static final RandomBalancer INSTANCE = new RandomBalancer();

    private RandomBalancer() {
    }

    @Override
    public Upstream pick(Upstream[] rotation, Upstream exclude) {
        int n = rotation.length;
        int skip = -1;
        if (exclude != null) {
            for (int i = 0; i < n; i++) {
                if (rotation[i] == exclude) {
                    skip = i;
                    break;
                }
            }
        }
        int candidates = skip < 0 ? n : n - 1;
        if (candidates == 0) {
            return null;
        }
        int i = candidates == 1 ? 0 : ThreadLocalRandom.current().nextInt(candidates);
        return rotation[skip >= 0 && i >= skip ? i + 1 : i];
    }
}
