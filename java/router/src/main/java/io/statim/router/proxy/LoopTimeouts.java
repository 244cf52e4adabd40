package io.statim.router.proxy;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * The upstream timeouts of one event loop's exchanges, without a scheduled task per request: every
 * HTTP exchange waits the same time, so the exchanges waiting for a response form a FIFO that is also
 * in deadline order, kept as an intrusive doubly-linked list (O(1) add and remove, nothing allocated).
 * One sweep task, scheduled only while the list is not empty, times out the expired ones every
 * {@code sweepNanos}; a timeout fires at most that late. (A scheduled task per request would also
 * re-arm the loop's timer on every request: a system call each.)
 *
 * <p>Confined to its event loop.
 */
final class LoopTimeouts {
    /** Upper bound of the sweep period; shorter for short timeouts (tests). */
    private static final long MAX_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final EventLoop loop;
    private final long timeoutNanos;
    private final long sweepNanos;
    private final Runnable sweep = this::sweep;
    private Exchange head;
    private Exchange tail;
    private boolean scheduled;

    LoopTimeouts(EventLoop loop, long timeoutMillis) {
        this.loop = loop;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(MAX_SWEEP_NANOS, timeoutNanos / 4));
    }

    /** Starts the timeout of {@code e}, which must not be waiting already. */
    void add(Exchange e) {
        e.deadlineNanos = System.nanoTime() + timeoutNanos;
        e.timeoutPrev = tail;
        e.timeoutNext = null;
        if (tail == null) {
            head = e;
        } else {
            tail.timeoutNext = e;
        }
        tail = e;
        e.timeoutLinked = true;
        if (!scheduled) {
            scheduled = true;
            loop.schedule(sweep, sweepNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Ends the timeout of {@code e} (its response started, or it ended); nothing when it is not waiting. */
    void remove(Exchange e) {
        if (!e.timeoutLinked) {
            return;
        }
        e.timeoutLinked = false;
        Exchange prev = e.timeoutPrev;
        Exchange next = e.timeoutNext;
        if (prev == null) {
            head = next;
        } else {
            prev.timeoutNext = next;
        }
        if (next == null) {
            tail = prev;
        } else {
            next.timeoutPrev = prev;
        }
        e.timeoutPrev = null;
        e.timeoutNext = null;
    }

    private void sweep() {
        long now = System.nanoTime();
        while (head != null && now - head.deadlineNanos >= 0) {
            Exchange e = head;
            remove(e);
            e.timedOut();
        }
        if (head != null) {
            loop.schedule(sweep, sweepNanos, TimeUnit.NANOSECONDS);
        } else {
            scheduled = false;
        }
    }
}
