package io.statim.scheduler.session;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Session ids as SageMaker's contract wants them: letters, digits and '-', starting and ending with a
 * letter or digit, at most 256 characters. A generated id is 128 random bits from {@link SecureRandom}
 * in hex: unguessable. (A router in front encodes its upstream into the ids it hands out itself, so the
 * server needs no prefix of its own.) Thread-safe.
 */
public final class SessionIds {
    /** The longest id SageMaker allows. */
    public static final int MAX_LENGTH = 256;
    private static final int RANDOM_BYTES = 16;

    private final SecureRandom random = new SecureRandom();
    private final HexFormat hex = HexFormat.of();

    /** A new unguessable id. */
    public String next() {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return hex.formatHex(bytes);
    }
    /** True when {@code id} has SageMaker's session id form. */
    public static boolean isValid(String id) {
        int n = id.length();
        if (n == 0 || n > MAX_LENGTH || id.charAt(0) == '-' || id.charAt(n - 1) == '-') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
