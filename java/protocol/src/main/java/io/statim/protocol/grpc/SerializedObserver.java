package io.statim.protocol.grpc;

import io.grpc.stub.StreamObserver;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a gRPC {@link StreamObserver} (which is not thread-safe) callable from many threads: each call
 * is queued, and whichever caller finds the queue idle delivers the queued calls one at a time, in
 * order, while the others return at once. No lock, no thread of its own, and no caller waits on
 * another's I/O ({@code onNext} only hands the message to gRPC's transport). Nothing is delivered after
 * {@code onCompleted}, or after the observer refused a call (its client went away).
 */
final class SerializedObserver<T> {
    private static final Logger LOG = LoggerFactory.getLogger(SerializedObserver.class);
    private static final Object COMPLETED = new Object();

    private final StreamObserver<T> out;
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    /** Calls queued and not yet delivered; the caller that raises it from 0 delivers. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Touched only by the delivering thread; {@link #pending} orders one deliverer after the next. */
    private boolean done;

    SerializedObserver(StreamObserver<T> out) {
        this.out = out;
    }

    /** Any thread. */
    void onNext(T message) {
        signal(message);
    }

    /** Any thread; later calls are dropped. */
    void onCompleted() {
        signal(COMPLETED);
    }

    private void signal(Object signal) {
        queue.add(signal);
        if (pending.getAndIncrement() != 0) {
            return;
        }
        do {
            deliver(queue.poll());
        } while (pending.decrementAndGet() != 0);
    }

    @SuppressWarnings("unchecked")
    private void deliver(Object signal) {
        if (done) {
            return;
        }
        try {
            if (signal == COMPLETED) {
                done = true;
                out.onCompleted();
            } else {
                out.onNext((T) signal);
            }
        } catch (RuntimeException e) {
            done = true;
            LOG.debug("a gRPC stream ended before all its answers: {}", e.toString());
        }
    }
}
