package io.statim.bench.load;

import io.statim.client.PreparedInfer;
import io.statim.client.StatimClient;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Open loop at a fixed request rate, constant or Poisson (exponential gaps), from one sender thread.
 * Latency counts from the time a request was due, not when it was sent, so a sender or server that
 * falls behind shows in the latencies (no coordinated omission). A request due while
 * {@code maxOutstanding} are in flight is not sent and counts as {@code dropped}.
 */
final class OpenLoop extends LoadDriver {
    private final double ratePerSecond;
    private final boolean poisson;
    private final int maxOutstanding;
    private final SplittableRandom random = new SplittableRandom(42);
    private Thread sender;

    OpenLoop(StatimClient client, PreparedInfer[] inputs, WindowRecorder recorder, double ratePerSecond, boolean poisson,
            int maxOutstanding) {
        super(client, inputs, recorder);
        if (ratePerSecond <= 0) {
            throw new IllegalArgumentException("request rate=" + ratePerSecond + " must be > 0");
        }
        this.ratePerSecond = ratePerSecond;
        this.poisson = poisson;
        this.maxOutstanding = maxOutstanding;
    }

    @Override
    void start() {
        running = true;
        sender = Thread.ofPlatform().name("loadgen-open-loop").daemon().start(this::sendUntilStopped);
    }

    @Override
    void stop(java.time.Duration drain) {
        super.stop(drain);
        if (sender != null) {
            sender.interrupt();
        }
    }

    private void sendUntilStopped() {
        long due = System.nanoTime();
        int next = 0;
        while (running) {
            due += gapNanos();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (inFlight.get() >= maxOutstanding) {
                recorder.dropped();
                continue;
            }
            send(inputs[next], due);
            next = next + 1 == inputs.length ? 0 : next + 1;
        }
    }

    private long gapNanos() {
        double mean = 1e9 / ratePerSecond;
        return (long) (poisson ? -Math.log(1 - random.nextDouble()) * mean : mean);
    }
}
