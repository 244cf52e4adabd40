package io.statim.router.upstream;

/**
 * Rendezvous (highest random weight) hashing: a key belongs to the upstream whose combined hash with
 * it is the highest. Adding or removing one upstream moves only the keys that belong to it, and the
 * owner depends only on the key and the set of upstream keys, never on their order or on the
 * process: the hashes are FNV-1a over the strings' characters and murmur3's 64-bit finalizer, fixed
 * here (not {@link String#hashCode()} or a seeded hash), so a restarted router finds the same owners.
 * Stateless; any thread; allocation-free.
 */
public final class Rendezvous {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Rendezvous() {
    }

    /** The owner of {@code key} among {@code upstreams}, or null when there is none. */
    public static Upstream owner(String key, Upstream[] upstreams) {
        long keyHash = hash(key);
        Upstream best = null;
        long bestScore = 0;
        for (Upstream u : upstreams) {
            long score = score(keyHash, u.rendezvousHash());
            if (best == null || Long.compareUnsigned(score, bestScore) > 0
                    || score == bestScore && u.key().compareTo(best.key()) > 0) {
                best = u;
                bestScore = score;
            }
        }
        return best;
    }

    /** The weight of a key (by its {@link #hash}) on an upstream (by its {@link #hash}). */
    public static long score(long keyHash, long upstreamHash) {
        return mix(keyHash ^ mix(upstreamHash));
    }

    /** FNV-1a (64 bits) over the UTF-16 characters of {@code s}, finalized. */
    public static long hash(String s) {
        long h = FNV_OFFSET;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** murmur3's fmix64: every input bit flips each output bit with probability about one half. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
