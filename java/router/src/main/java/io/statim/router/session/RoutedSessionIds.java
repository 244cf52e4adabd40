package io.statim.router.session;

import java.nio.charset.StandardCharsets;

/**
 * The session ids the router hands out: {@code <upstream>-<id>}, where {@code <upstream>} is the
 * upstream's key ({@code host:httpPort}) in lower-case base32 without padding (RFC 4648's alphabet:
 * letters and the digits 2-7, no '-'), and {@code <id>} the id the upstream chose. Everything is
 * letters, digits and '-', as SageMaker requires. A later request's id is decoded back into the
 * upstream and its own id, so the router keeps no session state and a restarted router (with the same
 * upstreams) routes every session.
 *
 * <p>For example upstream {@code 10.0.0.7:8000} and id {@code 4f1c...} give
 * {@code geyc4mbogaxdoorygayda-4f1c...}. The ids are not secret beyond the upstream's: the prefix only
 * names a server the client could reach through the router anyway. Stateless; any thread.
 */
public final class RoutedSessionIds {
    /** The longest id SageMaker allows. */
    public static final int MAX_LENGTH = 256;
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final byte[] DECODE = new byte[128];

    static {
        java.util.Arrays.fill(DECODE, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            DECODE[ALPHABET[i]] = (byte) i;
            DECODE[Character.toUpperCase(ALPHABET[i])] = (byte) i;
        }
    }

    /** A decoded id: the upstream's key and the upstream's own id. */
    public record Decoded(String upstreamKey, String upstreamId) {
    }

    private RoutedSessionIds() {
    }

    /**
     * The id the client sees for session {@code upstreamId} of upstream {@code upstreamKey}, or null
     * when it would be longer than {@value #MAX_LENGTH} characters (an upstream id near the limit).
     */
    public static String encode(String upstreamKey, String upstreamId) {
        String prefix = base32(upstreamKey.getBytes(StandardCharsets.UTF_8));
        if (prefix.length() + 1 + upstreamId.length() > MAX_LENGTH) {
            return null;
        }
        return prefix + "-" + upstreamId;
    }

    /**
     * Reads an id the router handed out, or returns null when {@code id} cannot be one (no '-', or a
     * prefix that is not base32 of a {@code host:port}).
     */
    public static Decoded decode(String id) {
        int dash = id.indexOf('-');
        if (dash <= 0 || dash == id.length() - 1) {
            return null;
        }
        byte[] key = unbase32(id, dash);
        if (key == null) {
            return null;
        }
        String upstreamKey = new String(key, StandardCharsets.UTF_8);
        int colon = upstreamKey.lastIndexOf(':');
        if (colon <= 0 || colon == upstreamKey.length() - 1) {
            return null;
        }
        for (int i = colon + 1; i < upstreamKey.length(); i++) {
            if (upstreamKey.charAt(i) < '0' || upstreamKey.charAt(i) > '9') {
                return null;
            }
        }
        return new Decoded(upstreamKey, id.substring(dash + 1));
    }

    static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    /** Decodes {@code s[0, end)}; null when a character is not base32 or the padding bits are not zero. */
    static byte[] unbase32(String s, int end) {
        byte[] out = new byte[end * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            int v = c < 128 ? DECODE[c] : -1;
            if (v < 0) {
                return null;
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            return null;
        }
        return out;
    }
}
