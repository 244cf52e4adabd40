package io.statim.client.http;

import io.netty.handler.codec.http.HttpMethod;

/**
 * One HTTP request of the OIP REST API, independent of the HTTP version.
 *
 * @param method      GET or POST
 * @param path        the path with any query, e.g. {@code /v2/models/simple/infer}
 * @param contentType the body's content type; {@code null} for none
 * @param jsonLength  the {@code Inference-Header-Content-Length}, -1 when the body is all JSON
 * @param body        the body; never changed after construction (it may be sent many times)
 */
public record HttpCall(HttpMethod method, String path, String contentType, int jsonLength, byte[] body) {
    private static final byte[] EMPTY = new byte[0];

    /** A GET of {@code path}. */
    public static HttpCall get(String path) {
        return new HttpCall(HttpMethod.GET, path, null, -1, EMPTY);
    }

    /** A POST of a JSON body. */
    public static HttpCall postJson(String path, byte[] json) {
        return new HttpCall(HttpMethod.POST, path, "application/json", -1, json);
    }
}
