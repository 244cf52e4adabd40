package io.statim.router.upstream;

import java.util.Locale;

/** Why a request to an upstream failed; every kind counts towards passive ejection. */
public enum FailureKind {
    /** No connection could be made (refused, unreachable, connect timeout) or the stream could not be opened. */
    CONNECT,
    /** The connection closed or the stream was reset before the response ended. */
    RESET,
    /** The upstream refused the stream (REFUSED_STREAM, or above a GOAWAY's last stream): it did not process it. */
    REFUSED,
    /** No response started within the upstream timeout. */
    TIMEOUT,
    /** The upstream answered with a 5xx other than 503 (503 is load shedding, an answer of a healthy server). */
    STATUS_5XX;

    /** The metric label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
