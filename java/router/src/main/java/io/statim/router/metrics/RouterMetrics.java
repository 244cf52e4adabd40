package io.statim.router.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.statim.router.proxy.ProxyCounters;
import io.statim.router.proxy.ProxyCounters.LocalReply;
import io.statim.router.upstream.FailureKind;
import io.statim.router.upstream.LatencyHistogram;
import io.statim.router.upstream.Upstream;
import io.statim.router.upstream.UpstreamSet;
import java.util.function.ToDoubleFunction;

/**
 * The router's Prometheus families, labelled {@code upstream} ({@code host:httpPort}) where they are
 * per upstream. Nothing is recorded here: a scrape reads the upstreams' atomic counters and the
 * router's {@link ProxyCounters} and allocates the families it returns; the request path is not
 * touched. {@link #collect} may run on any thread, also concurrently.
 */
public final class RouterMetrics implements MultiCollector {
    private static final double NS_PER_S = 1e9;

    private final UpstreamSet upstreams;
    private final ProxyCounters counters;

    public RouterMetrics(UpstreamSet upstreams, ProxyCounters counters) {
        this.upstreams = upstreams;
        this.counters = counters;
    }

    @Override
    public MetricSnapshots collect() {
        Upstream[] all = upstreams.all();
        long now = System.nanoTime();
        return MetricSnapshots.of(
                gauge("statim_router_upstream_in_flight", "Requests sent to the upstream by this router and not yet answered.",
                        all, Upstream::inFlight),
                counter("statim_router_upstream_requests", "Requests placed on the upstream (a retried request counts on each).",
                        all, Upstream::requests),
                failures(all),
                counter("statim_router_upstream_ejections", "Passive ejections: consecutive failed requests took the upstream out of rotation.",
                        all, Upstream::ejections),
                counter("statim_router_upstream_health_checks_failed", "Active health checks (GET /v2/health/ready) that failed.",
                        all, Upstream::checksFailed),
                gauge("statim_router_upstream_healthy", "1 while the upstream is in rotation (its checks pass and it is not ejected), else 0.",
                        all, u -> u.inRotation() ? 1 : 0),
                gauge("statim_router_upstream_ejected", "1 while a passive ejection of the upstream lasts, else 0.",
                        all, u -> u.health().isEjected(now) ? 1 : 0),
                upstreamLatency(all),
                histogram("statim_router_decision_duration_seconds",
                        "Time the router took to choose an upstream (the strategy, or the rendezvous hash of a sequence).",
                        Labels.EMPTY, counters.decisions()),
                CounterSnapshot.builder().name("statim_router_retries")
                        .help("Requests placed a second time because their first upstream could not be reached.")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(counters.retries()).build()).build(),
                localReplies());
    }

    private static GaugeSnapshot gauge(String name, String help, Upstream[] all, ToDoubleFunction<Upstream> value) {
        GaugeSnapshot.Builder family = GaugeSnapshot.builder().name(name).help(help);
        for (Upstream u : all) {
            family.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels(u)).value(value.applyAsDouble(u)).build());
        }
        return family.build();
    }

    private static CounterSnapshot counter(String name, String help, Upstream[] all, ToDoubleFunction<Upstream> value) {
        CounterSnapshot.Builder family = CounterSnapshot.builder().name(name).help(help);
        for (Upstream u : all) {
            family.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels(u)).value(value.applyAsDouble(u)).build());
        }
        return family.build();
    }

    private static CounterSnapshot failures(Upstream[] all) {
        CounterSnapshot.Builder family = CounterSnapshot.builder().name("statim_router_upstream_failures")
                .help("Failed requests by reason: connect (no connection or stream), reset (closed before the response ended),"
                        + " refused (REFUSED_STREAM or GOAWAY: not processed), timeout (no response in time), status_5xx (a 5xx but 503).");
        for (Upstream u : all) {
            for (FailureKind k : FailureKind.values()) {
                family.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels(u).add("reason", k.label()))
                        .value(u.failures(k)).build());
            }
        }
        return family.build();
    }

    private CounterSnapshot localReplies() {
        CounterSnapshot.Builder family = CounterSnapshot.builder().name("statim_router_local_replies")
                .help("Requests the router answered itself, by reason: no_upstream (503), session_unavailable (400; 503 for a"
                        + " sequence start), bad_session_id (400), too_large (413), connect_failed (503), upstream_failed (502 or 503,"
                        + " or a response cut off), timeout (504).");
        for (LocalReply r : LocalReply.values()) {
            family.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("reason", r.label()))
                    .value(counters.localReplies(r)).build());
        }
        return family.build();
    }

    private static HistogramSnapshot upstreamLatency(Upstream[] all) {
        HistogramSnapshot.Builder family = HistogramSnapshot.builder().name("statim_router_upstream_request_duration_seconds")
                .help("Time from placing a request on the upstream to the end of its response, for requests that did not fail.");
        for (Upstream u : all) {
            family.dataPoint(point(labels(u), u.latency()));
        }
        return family.build();
    }

    private static HistogramSnapshot histogram(String name, String help, Labels labels, LatencyHistogram h) {
        return HistogramSnapshot.builder().name(name).help(help).dataPoint(point(labels, h)).build();
    }

    private static HistogramSnapshot.HistogramDataPointSnapshot point(Labels labels, LatencyHistogram h) {
        long[] boundsNs = h.upperBoundsNanos();
        double[] bounds = new double[boundsNs.length + 1];
        for (int i = 0; i < boundsNs.length; i++) {
            bounds[i] = boundsNs[i] / NS_PER_S;
        }
        bounds[boundsNs.length] = Double.POSITIVE_INFINITY;
        return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, h.counts())).sum(h.sumNanos() / NS_PER_S).build();
    }

    private static Labels labels(Upstream u) {
        return Labels.of("upstream", u.key());
    }
}
