package io.statim.bench.load;

import io.statim.client.InferResult;
import io.statim.client.PreparedInfer;
import io.statim.client.StatimClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Closed loop at a fixed concurrency, as perf_analyzer's concurrency mode: each of {@code concurrency}
 * slots sends its next request as soon as its previous one completes (from the I/O thread's
 * callback, no thread hand-over). Slots cycle through the inputs from different offsets. After a
 * failure a slot waits {@value #FAILURE_PAUSE_MILLIS} ms before its next request, so that a server that
 * fails every request at once (or a closed client) is not hammered by a spinning I/O thread.
 */
final class ClosedLoop extends LoadDriver {
    private static final long FAILURE_PAUSE_MILLIS = 1;
    private static final Executor AFTER_FAILURE = CompletableFuture.delayedExecutor(FAILURE_PAUSE_MILLIS, TimeUnit.MILLISECONDS);

    private final int concurrency;

    ClosedLoop(StatimClient client, PreparedInfer[] inputs, WindowRecorder recorder, int concurrency) {
        super(client, inputs, recorder);
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency=" + concurrency + " must be >= 1");
        }
        this.concurrency = concurrency;
    }

    @Override
    void start() {
        running = true;
        for (int i = 0; i < concurrency; i++) {
            new Slot(i).run();
        }
    }

    /** One outstanding request at a time. */
    private final class Slot {
        private int next;

        Slot(int offset) {
            next = offset % inputs.length;
        }

        /** Sends the slot's next request; its completion sends the one after. */
        void run() {
            if (!running) {
                return;
            }
            PreparedInfer input = inputs[next];
            next = next + 1 == inputs.length ? 0 : next + 1;
            CompletableFuture<InferResult> f = send(input, System.nanoTime());
            f.whenComplete((result, error) -> {
                if (error == null) {
                    run();
                } else {
                    AFTER_FAILURE.execute(this::run);
                }
            });
        }
    }
}
