package io.statim.client.oip;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The paths of the OIP REST API, with names escaped as path segments. Stateless. */
final class RestPaths {
    static final String SERVER = "/v2";
    static final String LIVE = "/v2/health/live";
    static final String READY = "/v2/health/ready";
    static final String ALL_STATS = "/v2/models/stats";
    static final String INDEX = "/v2/repository/index";

    private RestPaths() {
    }

    /** {@code /v2/models/<m>[/versions/<v>]}. */
    static String model(String model, String version) {
        String base = "/v2/models/" + segment(model);
        return version.isEmpty() ? base : base + "/versions/" + segment(version);
    }

    static String infer(String model, String version) {
        return model(model, version) + "/infer";
    }

    static String ready(String model, String version) {
        return model(model, version) + "/ready";
    }

    static String stats(String model, String version) {
        return model.isEmpty() ? ALL_STATS : model(model, version) + "/stats";
    }

    /** {@code /v2/repository/models/<m>/<action>}. */
    static String repository(String model, String action) {
        return "/v2/repository/models/" + segment(model) + "/" + action;
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
