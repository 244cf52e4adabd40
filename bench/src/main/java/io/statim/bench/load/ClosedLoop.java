package io.statim.bench.load;

import io.statim.client.InferResult;
import io.statim.client.PreparedInfer;
import io.statim.client.StatimClient;
import java.util.concurrent.CompletableFuture;

/**
 * Closed loop at a fixed concurrency, as perf_analyzer's concurrency mode: each of {@code concurrency}
 * slots sends its next request as soon as its previous one completes (from the I/O thread's
 * callback, no thread hand-over). Slots cycle through the inputs from different offsets.
 */
final class ClosedLoop extends LoadDriver {
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
            next = offset;
        }

        /** Sends until a request is pending; an already-finished one loops here instead of recursing. */
        void run() {
            while (running) {
                PreparedInfer input = inputs[next];
                next = next + 1 == inputs.length ? 0 : next + 1;
                CompletableFuture<InferResult> f = send(input, System.nanoTime());
                if (!f.isDone()) {
                    f.whenComplete((r, e) -> run());
                    return;
                }
            }
        }
    }
}
