package io.statim.protocol.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerializedObserverTest {

    /** Records calls and fails if two ever overlap. */
    private static final class Recorder implements StreamObserver<Integer> {
        final List<Object> calls = new ArrayList<>();
        final AtomicInteger inside = new AtomicInteger();
        volatile boolean overlapped;

        @Override
        public void onNext(Integer value) {
            enter();
            calls.add(value);
            inside.decrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError("not used");
        }

        @Override
        public void onCompleted() {
            enter();
            calls.add("completed");
            inside.decrementAndGet();
        }

        private void enter() {
            if (inside.incrementAndGet() != 1) {
                overlapped = true;
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void deliversCallsFromManyThreadsOneAtATime() throws Exception {
        Recorder recorder = new Recorder();
        SerializedObserver<Integer> out = new SerializedObserver<>(recorder);
        int threads = 8;
        int each = 2_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            senders.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    out.onNext(base + i);
                }
            }));
        }
        go.countDown();
        for (Thread t : senders) {
            t.join();
        }
        out.onCompleted();
        assertThat(recorder.overlapped).isFalse();
        assertThat(recorder.calls).hasSize(threads * each + 1).last().isEqualTo("completed");
    }

    @Test
    void dropsWhatComesAfterCompletion() {
        Recorder recorder = new Recorder();
        SerializedObserver<Integer> out = new SerializedObserver<>(recorder);
        out.onNext(1);
        out.onCompleted();
        out.onNext(2);
        out.onCompleted();
        assertThat(recorder.calls).containsExactly(1, "completed");
    }

    @Test
    void stopsDeliveringOnceTheObserverRefusesACall() {
        List<Integer> delivered = new ArrayList<>();
        SerializedObserver<Integer> out = new SerializedObserver<>(new StreamObserver<>() {
            @Override
            public void onNext(Integer value) {
                if (value == 2) {
                    throw new IllegalStateException("call already cancelled");
                }
                delivered.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                delivered.add(-1);
            }
        });
        out.onNext(1);
        out.onNext(2);
        out.onNext(3);
        out.onCompleted();
        assertThat(delivered).containsExactly(1);
    }
}
