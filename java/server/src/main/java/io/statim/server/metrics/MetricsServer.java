package io.statim.server.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.statim.core.device.Device;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.session.SessionStore;
import io.statim.server.http.HttpServer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus endpoint: {@code GET /metrics} on a port of its own, served by one event loop of
 * its own so that scrapes never queue behind inference traffic. Its registry belongs to this server
 * (no global registry) and holds the inference, device and session families, read at scrape time.
 *
 * <p>{@link #start} and {@link #close} are called by the server's lifecycle thread; the registry may
 * take more collectors from any thread.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private static final int EVENT_LOOP_THREADS = 1;
    /** A scrape has no body; anything larger than a small form is refused with 413. */
    private static final int MAX_BODY_BYTES = 8192;
    private static final int MAX_CONCURRENT_STREAMS = 16;

    private final PrometheusRegistry registry;
    private final HttpServer http;

    private MetricsServer(PrometheusRegistry registry, HttpServer http) {
        this.registry = registry;
        this.http = http;
    }

    /**
     * Binds the metrics port (0 = any free port) and starts serving.
     *
     * @param devices  the devices whose memory is reported
     * @param sessions    the sessions whose counters are reported
     * @param idleSeconds close scrapers' connections idle this long (0: never)
     */
    public static MetricsServer start(String address, int port, ModelManager models, List<? extends Device> devices,
            SessionStore sessions, int idleSeconds) throws InterruptedException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new InferenceMetrics(models::served));
        registry.register(new DeviceMetrics(devices));
        registry.register(new SessionMetrics(sessions));
        registry.register(new AdapterMetrics(models::served));
        HttpServer http = HttpServer.start(address, port, EVENT_LOOP_THREADS, new MetricsHandler(registry), MAX_BODY_BYTES,
                MAX_CONCURRENT_STREAMS, idleSeconds, false);
        LOG.info("Prometheus metrics at {}:{}{}", address, http.port(), MetricsHandler.PATH);
        return new MetricsServer(registry, http);
    }

    /** The port bound, useful when 0 was asked for. */
    public int port() {
        return http.port();
    }

    /** The registry scraped, where later parts of the server add their families. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        http.close();
    }
}
