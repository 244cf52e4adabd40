package io.statim.scheduler.session;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What happened to the sessions of one model: opened, ended by each cause, open now. Thread-safe. */
public final class SessionCounters {
    private final LongAdder opened = new LongAdder();
    private final Map<SessionEnd, LongAdder> ended = new EnumMap<>(SessionEnd.class);
    private final AtomicLong open = new AtomicLong();

    SessionCounters() {
        for (SessionEnd end : SessionEnd.values()) {
            ended.put(end, new LongAdder());
        }
    }

    void opened() {
        opened.increment();
        open.incrementAndGet();
    }

    void ended(SessionEnd why) {
        ended.get(why).increment();
        open.decrementAndGet();
    }

    /** Sessions opened since start. */
    public long openedTotal() {
        return opened.sum();
    }

    /** Sessions that ended this way since start. */
    public long endedTotal(SessionEnd why) {
        return ended.get(why).sum();
    }

    /** Sessions open now. */
    public long openNow() {
        return open.get();
    }
}
