package io.statim.scheduler.session;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every session of one device: the table from (model, id) to session, the session memory budget
 * ({@link MemoryUse#SESSION_CACHE} of the device) with LRU eviction of idle sessions, time to live, and
 * the record of how recent sessions ended, so that a request naming one is told whether it was closed,
 * expired or evicted rather than just "unknown".
 *
 * <p>A session is used through references: {@link #open} and {@link #acquire} hand out one, a request
 * holds it while it is queued and running, and {@link #release} gives it back. A session with a
 * reference is never evicted or expired, and its memory is freed only once it has ended and the last
 * reference is back. So a request never runs without the tensors its session cached.
 *
 * <p>Threads: one lock guards the table and the life of every session; it is held only for map and
 * counter updates (never across a backend call or I/O). Any thread may call any method. An optional
 * sweeper thread expires idle sessions; lookups also expire a session whose time has passed, so an
 * injected clock needs no sweeper.
 */
public final class SessionStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionStore.class);
    /** How many ended sessions are remembered, to say how they ended. */
    static final int REMEMBERED_ENDS = 16_384;

    private final Device device;
    private final SessionIds ids;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}; access order, eldest = least recently used. */
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(64, 0.75f, true);
    /** Guarded by {@link #lock}. */
    private final LinkedHashMap<String, SessionEnd> ends = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SessionEnd> eldest) {
            return size() > REMEMBERED_ENDS;
        }
    };
    private final Map<String, SessionCounters> counters = new ConcurrentHashMap<>();
    private final AtomicLong numbers = new AtomicLong();
    private final Thread sweeper;
    private volatile boolean closed;

    /**
     * @param device      where session tensors live; its {@link MemoryUse#SESSION_CACHE} budget is the sessions' budget
     * @param ids         makes ids for sessions the server names
     * @param clock       wall clock for time to live and the {@code Expires} the caller is told
     * @param sweepMillis how often a sweeper thread expires idle sessions; 0 for no thread (tests)
     */
    public SessionStore(Device device, SessionIds ids, Clock clock, long sweepMillis) {
        this.device = device;
        this.ids = ids;
        this.clock = clock;
        if (sweepMillis > 0) {
            long sweepNanos = TimeUnit.MILLISECONDS.toNanos(sweepMillis);
            this.sweeper = Thread.ofPlatform().name("statim-session-sweeper").daemon().start(() -> {
                while (!closed) {
                    LockSupport.parkNanos(this, sweepNanos);
                    try {
                        expireDue();
                    } catch (RuntimeException e) {
                        LOG.warn("expiring sessions failed: {}", e.toString());
                    }
                }
            });
        } else {
            this.sweeper = null;
        }
    }

    /** The device whose memory holds the sessions' tensors. */
    public Device device() {
        return device;
    }

    /** Now, by the store's clock. */
    public Instant now() {
        return clock.instant();
    }

    /**
     * Opens a session and hands the caller one reference to it.
     *
     * @param owner     the model version that serves it
     * @param id        the caller's id (an OIP {@code sequence_id}), or {@code null} for a new unguessable one;
     *                  a caller's id that names an open session ends that one first, as Triton restarts a sequence
     * @param lane      the instance it is pinned to
     * @param ttlMillis time to live from now
     * @param idleMillis how long it may stay idle, 0 for no idle limit
     */
    public Session open(SessionOwner owner, String id, int lane, long ttlMillis, long idleMillis) {
        if (closed) {
            throw new StatusException(Code.UNAVAILABLE, "the server is shutting down");
        }
        String sessionId = id != null ? id : ids.next();
        Session session = new Session(sessionId, owner, lane, numbers.incrementAndGet(), clock.millis(), ttlMillis, idleMillis);
        session.references = 1;
        Session replaced;
        boolean freeReplaced = false;
        lock.lock();
        try {
            replaced = sessions.get(session.key());
            if (replaced != null) {
                endLocked(replaced, SessionEnd.CLOSED);
                freeReplaced = replaced.references == 0;
            }
            ends.remove(session.key());
            sessions.put(session.key(), session);
        } finally {
            lock.unlock();
        }
        counters(owner.modelName()).opened();
        if (replaced != null) {
            ended(replaced, SessionEnd.CLOSED);
            if (freeReplaced) {
                replaced.releaseTensors();
            }
        }
        return session;
    }

    /**
     * The open session of this model and id, with one reference for the caller.
     *
     * @throws StatusException INVALID_ARGUMENT saying whether the session is unknown, closed, expired
     *                         or evicted
     */
    public Session acquire(String modelName, String id) {
        String key = Session.key(modelName, id);
        long now = clock.millis();
        Session expired = null;
        lock.lock();
        try {
            Session session = sessions.get(key);
            if (session != null) {
                if (session.references == 0 && now >= session.deadlineMillis(session.lastUsedMillis)) {
                    endLocked(session, SessionEnd.EXPIRED);
                    expired = session;
                } else {
                    session.references++;
                    return session;
                }
            }
        } finally {
            lock.unlock();
        }
        if (expired != null) {
            ended(expired, SessionEnd.EXPIRED);
            expired.releaseTensors();
        }
        throw unknown(modelName, id, key);
    }

    private StatusException unknown(String modelName, String id, String key) {
        SessionEnd end;
        lock.lock();
        try {
            end = ends.get(key);
        } finally {
            lock.unlock();
        }
        if (end == null) {
            return new StatusException(Code.INVALID_ARGUMENT, "session '" + id + "' of model '" + modelName + "' is unknown");
        }
        return new StatusException(Code.INVALID_ARGUMENT, "session '" + id + "' of model '" + modelName + "' " + end.phrase());
    }

    /** Gives back a reference; the session's memory is freed if it has ended and this was the last one. */
    public void release(Session session) {
        boolean free;
        lock.lock();
        try {
            if (session.references <= 0) {
                throw new IllegalStateException("session released more often than acquired");
            }
            session.references--;
            session.lastUsedMillis = Math.max(session.lastUsedMillis, clock.millis());
            free = session.references == 0 && session.end != null;
        } finally {
            lock.unlock();
        }
        if (free) {
            session.releaseTensors();
        }
    }

    /**
     * Ends a session (close, unload): later requests naming it are refused; requests already queued
     * still run; its memory is freed once the last of them is done. Ending an ended session does nothing.
     */
    public void end(Session session, SessionEnd why) {
        boolean free;
        lock.lock();
        try {
            if (session.end != null) {
                return;
            }
            endLocked(session, why);
            free = session.references == 0;
        } finally {
            lock.unlock();
        }
        ended(session, why);
        if (free) {
            session.releaseTensors();
        }
    }

    /** Ends every session of {@code owner} (an unloaded model version). */
    public void endAll(SessionOwner owner, SessionEnd why) {
        List<Session> of = new ArrayList<>();
        lock.lock();
        try {
            for (Session s : sessions.values()) {
                if (s.owner() == owner) {
                    of.add(s);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Session s : of) {
            end(s, why);
        }
    }

    /**
     * Leases session memory for {@code forSession}, evicting the least recently used idle sessions
     * (never one with a request queued or running, never {@code forSession}) until it fits.
     *
     * @throws StatusException RESOURCE_EXHAUSTED when it does not fit even with every idle session evicted
     */
    public DeviceBuffer allocate(long bytes, Session forSession) {
        while (true) {
            DeviceBuffer buffer = device.tryAllocate(bytes, MemoryUse.SESSION_CACHE);
            if (buffer != null) {
                return buffer;
            }
            Session victim = null;
            lock.lock();
            try {
                for (Session s : sessions.values()) {
                    if (s.references == 0 && s != forSession && s.end == null && s.bytes() > 0) {
                        victim = s;
                        endLocked(s, SessionEnd.EVICTED);
                        break;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (victim == null) {
                throw new StatusException(Code.RESOURCE_EXHAUSTED, "the session memory budget of " + device.budgetBytes(MemoryUse.SESSION_CACHE)
                        + " bytes is full: " + device.usedBytes(MemoryUse.SESSION_CACHE) + " bytes are held by sessions in use and "
                        + bytes + " more are needed");
            }
            ended(victim, SessionEnd.EVICTED);
            victim.releaseTensors();
        }
    }

    /** Ends the idle sessions whose time has passed; returns how many. Called by the sweeper and by tests. */
    public int expireDue() {
        long now = clock.millis();
        List<Session> due = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
                Session s = it.next();
                if (s.references == 0 && now >= s.deadlineMillis(s.lastUsedMillis)) {
                    due.add(s);
                }
            }
            for (Session s : due) {
                endLocked(s, SessionEnd.EXPIRED);
            }
        } finally {
            lock.unlock();
        }
        for (Session s : due) {
            ended(s, SessionEnd.EXPIRED);
            s.releaseTensors();
        }
        return due.size();
    }

    /** The counters of a model's sessions (created on first use). */
    public SessionCounters counters(String modelName) {
        return counters.computeIfAbsent(modelName, k -> new SessionCounters());
    }

    /** Every model's counters, by model name. */
    public Map<String, SessionCounters> allCounters() {
        return Map.copyOf(counters);
    }

    /** Sessions open now, on every model. */
    public int openSessions() {
        lock.lock();
        try {
            return sessions.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the sweeper and ends every session (their memory is freed once their requests are done). */
    @Override
    public void close() {
        closed = true;
        if (sweeper != null) {
            LockSupport.unpark(sweeper);
        }
        List<Session> all;
        lock.lock();
        try {
            all = new ArrayList<>(sessions.values());
        } finally {
            lock.unlock();
        }
        for (Session s : all) {
            end(s, SessionEnd.UNLOADED);
        }
    }

    private void endLocked(Session session, SessionEnd why) {
        session.end = why;
        sessions.remove(session.key());
        ends.put(session.key(), why);
    }

    private void ended(Session session, SessionEnd why) {
        counters(session.owner().modelName()).ended(why);
        session.owner().sessionEnded(session);
    }
}
