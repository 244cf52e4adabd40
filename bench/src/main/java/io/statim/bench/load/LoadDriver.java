package io.statim.bench.load;

import io.statim.client.InferResult;
import io.statim.client.PreparedInfer;
import io.statim.client.StatimClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps load on the server until stopped, recording every outcome. The hot path sends requests
 * prepared once ({@link PreparedInfer}: the body or protobuf message is built before the run) and
 * records into wait-free counters on the client's I/O threads; it does not decode responses.
 */
abstract sealed class LoadDriver permits ClosedLoop, OpenLoop {
    protected final StatimClient client;
    protected final PreparedInfer[] inputs;
    protected final WindowRecorder recorder;
    protected final AtomicInteger inFlight = new AtomicInteger();
    protected volatile boolean running;

    LoadDriver(StatimClient client, PreparedInfer[] inputs, WindowRecorder recorder) {
        if (inputs.length == 0) {
            throw new IllegalArgumentException("no inputs to send");
        }
        this.client = client;
        this.inputs = inputs;
        this.recorder = recorder;
    }

    /** Starts sending; returns at once. */
    abstract void start();

    /** Stops sending and waits up to {@code drain} for the requests in flight to finish. */
    void stop(Duration drain) {
        running = false;
        long deadline = System.nanoTime() + drain.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Sends one request whose latency counts from {@code startNanos}. */
    protected final CompletableFuture<InferResult> send(PreparedInfer input, long startNanos) {
        inFlight.incrementAndGet();
        CompletableFuture<InferResult> f;
        try {
            f = client.inferAsync(input);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((result, error) -> {
            inFlight.decrementAndGet();
            if (error == null) {
                recorder.success(System.nanoTime() - startNanos);
            } else {
                recorder.failure(error);
            }
        });
    }
}
