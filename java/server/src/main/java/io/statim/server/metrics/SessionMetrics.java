package io.statim.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.statim.scheduler.session.SessionCounters;
import io.statim.scheduler.session.SessionEnd;
import io.statim.scheduler.session.SessionStore;
import io.statim.server.metrics.Families.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sessions of the models with {@code sequence_batching} (SageMaker sticky sessions, OIP
 * sequences), labelled {@code model}: opened, ended by reason ({@code closed}, {@code expired},
 * {@code evicted}, {@code unloaded}) and open now. Read from the store's counters at scrape time; the
 * memory the sessions hold is {@code statim_device_memory_used_bytes{use="session_cache"}} of
 * {@link DeviceMetrics}.
 *
 * <p>Thread safety: {@link #collect} may run on any thread, also concurrently.
 */
public final class SessionMetrics implements MultiCollector {
    private final SessionStore store;

    public SessionMetrics(SessionStore store) {
        this.store = store;
    }

    @Override
    public MetricSnapshots collect() {
        List<Point> opened = new ArrayList<>();
        List<Point> ended = new ArrayList<>();
        List<Point> open = new ArrayList<>();
        for (Map.Entry<String, SessionCounters> e : new TreeMap<>(store.allCounters()).entrySet()) {
            Labels model = Labels.of("model", e.getKey());
            SessionCounters c = e.getValue();
            opened.add(new Point(model, c.openedTotal()));
            for (SessionEnd why : SessionEnd.values()) {
                ended.add(new Point(model.add("reason", why.label()), c.endedTotal(why)));
            }
            open.add(new Point(model, c.openNow()));
        }
        return MetricSnapshots.of(
                Families.counter("statim_sessions_opened", "Sessions opened (SageMaker NEW_SESSION, OIP sequence_start).", opened),
                Families.counter("statim_sessions_ended",
                        "Sessions ended, by reason: closed (by the caller), expired (time to live or idle time passed),"
                                + " evicted (the session memory budget was full), unloaded (the model was unloaded).",
                        ended),
                Families.gauge("statim_sessions_open", "Sessions open now.", open));
    }
}
