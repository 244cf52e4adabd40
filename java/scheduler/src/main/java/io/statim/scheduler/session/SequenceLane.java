package io.statim.scheduler.session;

import io.statim.runtime.InferenceRequest;
import io.statim.runtime.ModelInstance;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One instance of a sequence model, its queue and the thread that owns it. Requests of the sessions
 * pinned to the instance queue here in arrival order; the worker takes, oldest first, at most one
 * request per session into a batch (Triton's oldest strategy), so requests of different sessions run
 * together while each session's requests run one after the other, in order.
 *
 * <p>Threads: the queue is guarded by {@link #lock}, held only to add or take requests. The worker
 * thread alone touches the instance.
 */
final class SequenceLane {
    /** A queued request and what the session scheduler needs to run it. */
    record Pending(InferenceRequest request, Session session, boolean opens, boolean ends) {
    }

    /** The worker's life, implemented by the sequence scheduler. */
    interface Runner {
        /** Runs one batch on this lane's instance; the requests are started or done already. */
        void run(SequenceLane lane, List<Pending> batch);

        /** A request left the queue without running (cancelled, timed out, unloaded); the runner settles it. */
        void dropped(Pending pending, boolean timedOut);
    }

    final int index;
    final ModelInstance instance;
    /** Sessions pinned here, to place new ones on the least used lane. */
    final AtomicInteger sessions = new AtomicInteger();
    private final int maxRequests;
    private final long maxDelayNanos;
    private final io.statim.scheduler.NanoClock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread thread;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    SequenceLane(int index, ModelInstance instance, int maxRequests, long maxDelayNanos, io.statim.scheduler.NanoClock clock, Runner runner,
            String threadName) {
        this.index = index;
        this.instance = instance;
        this.maxRequests = maxRequests;
        this.maxDelayNanos = maxDelayNanos;
        this.clock = clock;
        this.thread = Thread.ofPlatform().name(threadName).daemon().unstarted(() -> {
            try {
                work(runner);
            } finally {
                instance.close();
            }
        });
    }

    void start() {
        thread.start();
    }

    /** Requests waiting here. */
    int queued() {
        return queued.get();
    }

    /** Queues a request; false when the lane is closed (the caller fails it). */
    boolean add(Pending pending) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            queue.addLast(pending);
            queued.incrementAndGet();
            ready.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the worker so that it drops cancelled requests (they may hold a session). */
    void poke() {
        lock.lock();
        try {
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking requests and returns those still queued; the worker finishes its batch and ends. */
    List<Pending> close() {
        lock.lock();
        try {
            closed = true;
            List<Pending> left = new ArrayList<>(queue);
            queue.clear();
            queued.set(0);
            ready.signal();
            return left;
        } finally {
            lock.unlock();
        }
    }

    boolean join(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    private void work(Runner runner) {
        List<Pending> batch = new ArrayList<>(maxRequests);
        List<Pending> dropped = new ArrayList<>();
        List<Pending> timedOut = new ArrayList<>();
        while (true) {
            boolean stop = false;
            lock.lock();
            try {
                while (true) {
                    if (closed) {
                        stop = true; // the requests swept already are settled below, before the worker ends
                        break;
                    }
                    long now = clock.nanoTime();
                    sweep(now, dropped, timedOut);
                    if (queue.isEmpty()) {
                        if (!dropped.isEmpty() || !timedOut.isEmpty()) {
                            break;
                        }
                        ready.awaitUninterruptibly();
                        continue;
                    }
                    long wait = delayLeft(now);
                    if (wait <= 0) {
                        take(batch);
                        break;
                    }
                    ready.awaitNanos(wait);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop = true;
            } finally {
                lock.unlock();
            }
            for (Pending p : dropped) {
                runner.dropped(p, false);
            }
            for (Pending p : timedOut) {
                runner.dropped(p, true);
            }
            dropped.clear();
            timedOut.clear();
            if (stop) {
                return;
            }
            if (!batch.isEmpty()) {
                runner.run(this, batch);
                batch.clear();
            }
        }
    }

    /** With the lock held: moves cancelled requests and those past their timeout out of the queue. */
    private void sweep(long now, List<Pending> dropped, List<Pending> timedOut) {
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            InferenceRequest r = p.request();
            if (r.isDone()) {
                it.remove();
                queued.decrementAndGet();
                dropped.add(p);
            } else if (r.timeoutNs() != InferenceRequest.NO_TIMEOUT && now - r.arrivalNanos() > r.timeoutNs()) {
                it.remove();
                queued.decrementAndGet();
                timedOut.add(p);
            }
        }
    }

    /**
     * With the lock held: how long to wait for more sessions' requests before taking a batch — zero
     * once the batch would be full or the oldest request has waited the queue delay.
     */
    private long delayLeft(long now) {
        if (maxDelayNanos <= 0 || maxRequests <= 1 || distinctSessions() >= maxRequests) {
            return 0;
        }
        return maxDelayNanos - (now - queue.peekFirst().request().arrivalNanos());
    }

    private int distinctSessions() {
        List<Session> seen = new ArrayList<>(maxRequests);
        int count = 0;
        for (Pending p : queue) {
            if (p.session() == null || !containsSession(seen, p.session())) {
                count++;
                if (p.session() != null) {
                    seen.add(p.session());
                }
                if (count >= maxRequests) {
                    break;
                }
            }
        }
        return count;
    }

    /** With the lock held: oldest first, at most one request per session, up to the batch limit. */
    private void take(List<Pending> batch) {
        for (Iterator<Pending> it = queue.iterator(); it.hasNext() && batch.size() < maxRequests; ) {
            Pending p = it.next();
            if (p.session() != null && containsSession(batch, p.session())) {
                continue; // a later request of a session in this batch: it runs after, in order
            }
            it.remove();
            queued.decrementAndGet();
            batch.add(p);
        }
    }

    private static boolean containsSession(List<?> items, Session session) {
        for (Object o : items) {
            Session s = o instanceof Pending p ? p.session() : (Session) o;
            if (s == session) {
                return true;
            }
        }
        return false;
    }

    static long micros(long us) {
        return TimeUnit.MICROSECONDS.toNanos(us);
    }
}
