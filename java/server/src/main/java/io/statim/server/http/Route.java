package io.statim.server.http;

import io.statim.runtime.InferenceRequest;
import java.util.List;

/**
 * A parsed REST path: what is asked for, and of which model and version. Besides the OIP paths under
 * {@code /v2}, SageMaker's container paths: {@code GET /ping}, {@code POST /invocations} and
 * {@code POST /endpoints/{endpoint}/invocations} (the path the AWS SDK's InvokeEndpoint calls; the
 * endpoint name is ignored: the model comes from a header or the server's default).
 *
 * @param kind    the endpoint
 * @param model   the model name, or {@code null} for server-wide endpoints and SageMaker's
 * @param version the version, or {@link InferenceRequest#LATEST} when the path names none
 * @param adapter the LoRA adapter the path names ({@code /v2/models/{m}/adapters/{name}...}), or {@code null}
 */
public record Route(Kind kind, String model, long version, String adapter) {

    /** A route that names no adapter. */
    public Route(Kind kind, String model, long version) {
        this(kind, model, version, null);
    }

    /** The endpoints of the OIP REST API that Statim serves. */
    public enum Kind {
        SERVER_METADATA, HEALTH_LIVE, HEALTH_READY, MODEL_METADATA, MODEL_READY, MODEL_INFER, MODEL_CONFIG, MODEL_STATS,
        ALL_STATS, REPOSITORY_INDEX, REPOSITORY_LOAD, REPOSITORY_UNLOAD,
        /** {@code /v2/models/{m}/adapters}: list (GET) or register (POST) LoRA adapters. */
        ADAPTERS,
        /** {@code /v2/models/{m}/adapters/{name}}: describe (GET) or unregister (DELETE). */
        ADAPTER,
        /** {@code /v2/models/{m}/adapters/{name}/pin} (POST): keep the adapter in a device slot. */
        ADAPTER_PIN,
        /** {@code /v2/models/{m}/adapters/{name}/unpin} (POST). */
        ADAPTER_UNPIN,
        /** SageMaker's health check. */
        PING,
        /** SageMaker's inference and session requests. */
        INVOCATIONS,
        /** A path that names nothing Statim serves. */
        NOT_FOUND,
        /** A version segment that is not a positive number. */
        BAD_VERSION
    }

    private static final Route NOT_FOUND_ROUTE = new Route(Kind.NOT_FOUND, null, InferenceRequest.LATEST);

    /** Parses a path without its query string, e.g. {@code /v2/models/simple/versions/1/infer}. */
    public static Route parse(String path) {
        List<String> s = segments(path);
        if (s.isEmpty()) {
            return NOT_FOUND_ROUTE;
        }
        if (!s.get(0).equals("v2")) {
            return sageMaker(s);
        }
        if (s.size() == 1) {
            return server(Kind.SERVER_METADATA);
        }
        return switch (s.get(1)) {
            case "health" -> s.size() == 3 && s.get(2).equals("live") ? server(Kind.HEALTH_LIVE)
                    : s.size() == 3 && s.get(2).equals("ready") ? server(Kind.HEALTH_READY) : NOT_FOUND_ROUTE;
            case "repository" -> repository(s);
            case "models" -> models(s);
            default -> NOT_FOUND_ROUTE;
        };
    }

    private static Route models(List<String> s) {
        if (s.size() == 3 && s.get(2).equals("stats")) {
            return server(Kind.ALL_STATS);
        }
        if (s.size() < 3) {
            return NOT_FOUND_ROUTE;
        }
        String model = s.get(2);
        int next = 3;
        long version = InferenceRequest.LATEST;
        if (s.size() > 4 && s.get(3).equals("versions")) {
            version = parseVersion(s.get(4));
            if (version < 0) {
                return new Route(Kind.BAD_VERSION, model, InferenceRequest.LATEST);
            }
            next = 5;
        } else if (s.size() == 4 && s.get(3).equals("versions")) {
            return NOT_FOUND_ROUTE;
        }
        if (s.size() == next) {
            return new Route(Kind.MODEL_METADATA, model, version);
        }
        if (s.get(next).equals("adapters")) {
            return adapters(s, next + 1, model, version);
        }
        if (s.size() != next + 1) {
            return NOT_FOUND_ROUTE;
        }
        Kind kind = switch (s.get(next)) {
            case "ready" -> Kind.MODEL_READY;
            case "infer" -> Kind.MODEL_INFER;
            case "config" -> Kind.MODEL_CONFIG;
            case "stats" -> Kind.MODEL_STATS;
            default -> Kind.NOT_FOUND;
        };
        return kind == Kind.NOT_FOUND ? NOT_FOUND_ROUTE : new Route(kind, model, version);
    }

    private static Route sageMaker(List<String> s) {
        if (s.size() == 1 && s.get(0).equals("ping")) {
            return server(Kind.PING);
        }
        if (s.size() == 1 && s.get(0).equals("invocations")
                || s.size() == 3 && s.get(0).equals("endpoints") && s.get(2).equals("invocations")) {
            return server(Kind.INVOCATIONS);
        }
        return NOT_FOUND_ROUTE;
    }

    /** The adapter API's paths after {@code .../adapters}, whose segments start at {@code at}. */
    private static Route adapters(List<String> s, int at, String model, long version) {
        int left = s.size() - at;
        if (left == 0) {
            return new Route(Kind.ADAPTERS, model, version);
        }
        if (left == 1) {
            return new Route(Kind.ADAPTER, model, version, s.get(at));
        }
        if (left == 2) {
            return switch (s.get(at + 1)) {
                case "pin" -> new Route(Kind.ADAPTER_PIN, model, version, s.get(at));
                case "unpin" -> new Route(Kind.ADAPTER_UNPIN, model, version, s.get(at));
                default -> NOT_FOUND_ROUTE;
            };
        }
        return NOT_FOUND_ROUTE;
    }

    private static Route repository(List<String> s) {
        if (s.size() == 3 && s.get(2).equals("index")) {
            return server(Kind.REPOSITORY_INDEX);
        }
        if (s.size() == 5 && s.get(2).equals("models")) {
            return switch (s.get(4)) {
                case "load" -> new Route(Kind.REPOSITORY_LOAD, s.get(3), InferenceRequest.LATEST);
                case "unload" -> new Route(Kind.REPOSITORY_UNLOAD, s.get(3), InferenceRequest.LATEST);
                default -> NOT_FOUND_ROUTE;
            };
        }
        return NOT_FOUND_ROUTE;
    }

    private static Route server(Kind kind) {
        return new Route(kind, null, InferenceRequest.LATEST);
    }

    private static long parseVersion(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static List<String> segments(String path) {
        List<String> out = new java.util.ArrayList<>(6);
        int start = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                if (i > start) {
                    out.add(java.net.URLDecoder.decode(path.substring(start, i), java.nio.charset.StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return out;
    }
}
