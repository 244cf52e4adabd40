package io.statim.router.proxy;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/** Which requests the router reads more of than their headers. Stateless; any thread. */
final class Paths {
    static final String GRPC_MODEL_INFER = "/inference.GRPCInferenceService/ModelInfer";
    static final String GRPC_MODEL_STREAM_INFER = "/inference.GRPCInferenceService/ModelStreamInfer";
    private static final AsciiString POST = AsciiString.cached("POST");
    private static final AsciiString INFERENCE_HEADER_CONTENT_LENGTH = AsciiString.cached("inference-header-content-length");
    private static final String JSON_HEADER_SIZE = "json-header-size=";

    private Paths() {
    }

    static String withoutQuery(CharSequence path) {
        String p = path.toString();
        int q = p.indexOf('?');
        return q < 0 ? p : p.substring(0, q);
    }

    /** SageMaker's {@code /invocations} or {@code /endpoints/{name}/invocations}. */
    static boolean isInvocations(String path) {
        return path.equals("/invocations") || path.startsWith("/endpoints/") && path.endsWith("/invocations");
    }

    /** An OIP infer request ({@code POST /v2/models/{m}[/versions/{v}]/infer}) or a SageMaker invocation. */
    static boolean isRestInfer(CharSequence method, String path) {
        return POST.contentEquals(method)
                && (path.startsWith("/v2/models/") && path.endsWith("/infer") || isInvocations(path));
    }

    /** ModelInfer or ModelStreamInfer of {@code inference.GRPCInferenceService}. */
    static boolean isGrpcInfer(String path) {
        return path.equals(GRPC_MODEL_INFER) || path.equals(GRPC_MODEL_STREAM_INFER);
    }

    /**
     * The length of the JSON part of a REST infer body: Triton's {@code Inference-Header-Content-Length},
     * or SageMaker's {@code json-header-size} content-type parameter; -1 when the whole body is JSON.
     */
    static int jsonPartBytes(Http2Headers headers) {
        CharSequence length = headers.get(INFERENCE_HEADER_CONTENT_LENGTH);
        if (length != null) {
            return parse(length.toString().strip());
        }
        CharSequence type = headers.get(LocalReplies.CONTENT_TYPE);
        if (type != null) {
            String t = type.toString();
            int i = t.indexOf(JSON_HEADER_SIZE);
            if (i >= 0) {
                int end = t.indexOf(';', i);
                return parse(t.substring(i + JSON_HEADER_SIZE.length(), end < 0 ? t.length() : end).strip());
            }
        }
        return -1;
    }

    private static int parse(String value) {
        try {
            int n = Integer.parseInt(value);
            return n >= 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;   // the upstream answers the malformed header; the whole body is read as JSON here
        }
    }
}
