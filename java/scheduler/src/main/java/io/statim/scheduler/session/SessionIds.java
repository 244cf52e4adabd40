package io.statim.scheduler.session;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Session ids as SageMaker's contract wants them: letters, digits and '-', starting and ending with a
 * letter or digit, at most 256 characters. A generated id is an optional prefix (the server's identity,
 * which a router reads back to keep a session on its server) followed by 128 random bits from
 * {@link SecureRandom}: unguessable. Thread-safe.
 */
public final class SessionIds {
    /** The longest id SageMaker allows. */
    public static final int MAX_LENGTH = 256;
    private static final int RANDOM_BYTES = 16;

    private final String prefix;
    private final SecureRandom random = new SecureRandom();
    private final HexFormat hex = HexFormat.of();

    /** @param prefix put before the random part, followed by '-'; "" for none. Must itself be a valid id when not empty. */
    public SessionIds(String prefix) {
        if (!prefix.isEmpty() && (!isValid(prefix) || prefix.length() > MAX_LENGTH - 2 * RANDOM_BYTES - 1)) {
            throw new IllegalArgumentException("session id prefix '" + prefix + "' must be letters, digits and '-', at most "
                    + (MAX_LENGTH - 2 * RANDOM_BYTES - 1) + " characters, not starting or ending with '-'");
        }
        this.prefix = prefix.isEmpty() ? "" : prefix + "-";
    }

    /** A new unguessable id. */
    public String next() {
        byte[] bytes = new byte[RANDOM_BYTES];
        random.nextBytes(bytes);
        return prefix + hex.formatHex(bytes);
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
