package io.statim.router.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.statim.router.proxy.ProxyCounters.LocalReply;
import io.statim.router.upstream.FailureKind;
import io.statim.router.upstream.LatencyHistogram;
import io.statim.router.upstream.Upstream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /router/stats}: the router's state as JSON, for people and scripts (the same figures as
 * the Prometheus families). For example:
 * <pre>{@code
 * {"strategy": "LEAST_OUTSTANDING_REQUESTS", "upstreams_known": 2, "upstreams_in_rotation": 2,
 *  "upstreams": [{"upstream": "10.0.0.7:8000", "grpc_port": 8001, "in_rotation": true, "checks_pass": true,
 *                 "ejected": false, "in_flight": 3, "requests": 1200, "ejections": 0, "checks_failed": 0,
 *                 "failures": {"connect": 0, "reset": 0, "refused": 0, "timeout": 0, "status_5xx": 0},
 *                 "mean_latency_us": 812.5}, ...],
 *  "decisions": 2400, "mean_decision_ns": 180.2, "retries": 0, "local_replies": {"no_upstream": 0, ...}}
 * }</pre>
 * Allocates its body on each call; any thread.
 */
public final class RouterStats {
    private static final JsonFactory JSON = new JsonFactory();

    private RouterStats() {
    }

    /** The stats document in a new buffer. */
    public static ByteBuf json(ByteBufAllocator alloc, RouterContext router) {
        ByteBuf body = alloc.buffer();
        try (OutputStream out = new ByteBufOutputStream(body); JsonGenerator g = JSON.createGenerator(out)) {
            long now = System.nanoTime();
            Upstream[] all = router.upstreams().all();
            g.writeStartObject();
            g.writeStringField("strategy", router.config().strategy().name());
            g.writeNumberField("upstreams_known", all.length);
            g.writeNumberField("upstreams_in_rotation", router.upstreams().rotation().length);
            g.writeArrayFieldStart("upstreams");
            for (Upstream u : all) {
                g.writeStartObject();
                g.writeStringField("upstream", u.key());
                if (u.address().hasGrpc()) {
                    g.writeNumberField("grpc_port", u.address().grpcPort());
                }
                g.writeBooleanField("in_rotation", u.inRotation());
                g.writeBooleanField("checks_pass", u.health().checksPass());
                g.writeBooleanField("ejected", u.health().isEjected(now));
                g.writeNumberField("in_flight", u.inFlight());
                g.writeNumberField("requests", u.requests());
                g.writeNumberField("ejections", u.ejections());
                g.writeNumberField("checks_failed", u.checksFailed());
                g.writeObjectFieldStart("failures");
                for (FailureKind k : FailureKind.values()) {
                    g.writeNumberField(k.label(), u.failures(k));
                }
                g.writeEndObject();
                g.writeNumberField("mean_latency_us", mean(u.latency()) / 1e3);
                g.writeEndObject();
            }
            g.writeEndArray();
            LatencyHistogram decisions = router.counters().decisions();
            g.writeNumberField("decisions", decisions.count());
            g.writeNumberField("mean_decision_ns", mean(decisions));
            g.writeNumberField("retries", router.counters().retries());
            g.writeObjectFieldStart("local_replies");
            for (LocalReply r : LocalReply.values()) {
                g.writeNumberField(r.label(), router.counters().localReplies(r));
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            body.release();
            throw new UncheckedIOException(e);
        }
        return body;
    }

    private static double mean(LatencyHistogram h) {
        long n = h.count();
        return n == 0 ? 0 : (double) h.sumNanos() / n;
    }
}
