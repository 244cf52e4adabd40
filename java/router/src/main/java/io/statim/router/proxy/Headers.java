package io.statim.router.proxy;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.statim.router.session.RoutedSessionIds;

/**
 * SageMaker's session headers as the router reads and rewrites them (HTTP/2 names, lower case): the
 * request's session id is decoded into the upstream's own id before it goes up, and the ids of the
 * reply headers are encoded with the upstream that answered before they go down. Stateless; any thread.
 */
final class Headers {
    static final String SESSION_ID_NAME = "X-Amzn-SageMaker-Session-Id";
    static final AsciiString SESSION_ID = AsciiString.cached("x-amzn-sagemaker-session-id");
    static final AsciiString NEW_SESSION_ID = AsciiString.cached("x-amzn-sagemaker-new-session-id");
    static final AsciiString CLOSED_SESSION_ID = AsciiString.cached("x-amzn-sagemaker-closed-session-id");
    static final String NEW_SESSION = "NEW_SESSION";

    private Headers() {
    }

    /** The {@code :status} of a response, or 0 when it has none or it is not a number. */
    static int status(Http2Headers headers) {
        CharSequence s = headers.status();
        if (s == null || s.length() != 3) {
            return 0;
        }
        int v = 0;
        for (int i = 0; i < 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * Rewrites {@code X-Amzn-SageMaker-New-Session-Id: <id>; Expires=...} and
     * {@code X-Amzn-SageMaker-Closed-Session-Id: <id>} of a response from {@code upstreamKey} so that the
     * client sees ids that name that upstream. An id too long to encode is left as is.
     */
    static void encodeSessionIds(Http2Headers headers, String upstreamKey) {
        CharSequence opened = headers.get(NEW_SESSION_ID);
        if (opened != null) {
            String value = opened.toString();
            int semi = value.indexOf(';');
            String id = (semi < 0 ? value : value.substring(0, semi)).strip();
            String encoded = RoutedSessionIds.encode(upstreamKey, id);
            if (encoded != null) {
                headers.set(NEW_SESSION_ID, semi < 0 ? encoded : encoded + value.substring(semi));
            }
        }
        CharSequence closed = headers.get(CLOSED_SESSION_ID);
        if (closed != null) {
            String encoded = RoutedSessionIds.encode(upstreamKey, closed.toString().strip());
            if (encoded != null) {
                headers.set(CLOSED_SESSION_ID, encoded);
            }
        }
    }
}
