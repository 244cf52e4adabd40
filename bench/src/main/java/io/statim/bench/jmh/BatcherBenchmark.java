package io.statim.bench.jmh;

import io.statim.core.status.Status;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.ResponseListener;
import io.statim.scheduler.ModelStatistics;
import io.statim.scheduler.NanoClock;
import io.statim.scheduler.batch.Admission;
import io.statim.scheduler.batch.BatchQueue;
import io.statim.scheduler.batch.BatchingPolicy;
import io.statim.scheduler.batch.DynamicBatcher;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The batcher's own cost, without a backend. {@code queueAddAndDispatch}: the decision core alone,
 * one request queued and dispatched per operation on one thread (the work the batcher thread does per
 * request). {@code submitToCompletion}: a request submitted from the benchmark thread, batched on
 * the batcher thread, run by a no-op instance on its worker thread and completed back: the whole
 * enqueue-to-dispatch path including two thread hand-overs, whose cost is dominated by waking parked
 * threads. {@code submitBurst}: 64 requests back to back, the per-request cost while the threads stay
 * awake. Run with {@code -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class BatcherBenchmark {

    private static ModelConfig config() {
        return ModelConfigParser.parse("max_batch_size: 8\n"
                + "input { name: \"X\" data_type: TYPE_FP32 dims: [ 16 ] }\n"
                + "output { name: \"Y\" data_type: TYPE_FP32 dims: [ 16 ] }\n"
                + "dynamic_batching { }\n", "config.pbtxt", "m");
    }

    private static List<Tensor> inputs() {
        return List.of(new Tensor("X", DataType.FP32, Shape.of(1, 16), MemorySegment.NULL));
    }

    /** The decision core on one thread. */
    @State(Scope.Thread)
    public static class QueueState {
        BatchQueue queue;
        Admission admission;
        InferenceRequest request;
        final List<InferenceRequest> batch = new ArrayList<>(8);

        @Setup(Level.Trial)
        public void setUp() {
            BatchingPolicy policy = new BatchingPolicy(config(), 1024);
            admission = new Admission(policy);
            queue = new BatchQueue(policy, admission);
            request = new InferenceRequest("", "m", 1, inputs(), List.of(), 1, 0, new Ignore());
        }
    }

    @Benchmark
    public boolean queueAddAndDispatch(QueueState s) {
        s.admission.tryAcquire(1);
        s.queue.add(s.request);
        return s.queue.poll(1, s.batch);
    }

    /** The whole path through the batcher and worker threads. */
    @State(Scope.Thread)
    public static class BatcherState {
        DynamicBatcher batcher;
        final Completion completion = new Completion();
        List<Tensor> inputs;

        @Setup(Level.Trial)
        public void setUp() {
            inputs = inputs();
            batcher = new DynamicBatcher(config(), 1, List.of(new NoopInstance()), 1024, new ModelStatistics(8), NanoClock.SYSTEM);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            batcher.close();
        }
    }

    @Benchmark
    public long submitToCompletion(BatcherState s) {
        long before = s.completion.count.get();
        s.batcher.submit(new InferenceRequest("", "m", 1, s.inputs, List.of(), 1, System.nanoTime(), s.completion));
        while (s.completion.count.get() == before) {
            Thread.onSpinWait();
        }
        return before;
    }

    /** Requests per burst in {@link #submitBurst}. */
    static final int BURST = 64;

    /**
     * A burst of requests submitted back to back, then waited for: the per-request cost when the
     * batcher and worker threads stay awake, as under load.
     */
    @Benchmark
    @org.openjdk.jmh.annotations.OperationsPerInvocation(BURST)
    public long submitBurst(BatcherState s) {
        long target = s.completion.count.get() + BURST;
        for (int i = 0; i < BURST; i++) {
            s.batcher.submit(new InferenceRequest("", "m", 1, s.inputs, List.of(), 1, System.nanoTime(), s.completion));
        }
        while (s.completion.count.get() < target) {
            Thread.onSpinWait();
        }
        return target;
    }

    /** Counts completions. */
    static final class Completion implements ResponseListener {
        final AtomicLong count = new AtomicLong();

        @Override
        public void onResponse(InferenceResponse response) {
            count.incrementAndGet();
        }

        @Override
        public void onError(Status status) {
            count.incrementAndGet();
        }
    }

    /** A listener that drops outcomes. */
    static final class Ignore implements ResponseListener {
        @Override
        public void onResponse(InferenceResponse response) {
        }

        @Override
        public void onError(Status status) {
        }
    }

    /** Answers every request with an empty response, reusing one response object per request slot. */
    static final class NoopInstance implements ModelInstance {
        private final List<InferenceResponse> out = new ArrayList<>(8);
        private final InferenceResponse empty = new InferenceResponse("m", 1, "", List.of(), List.of());

        @Override
        public List<InferenceResponse> execute(List<InferenceRequest> batch) {
            out.clear();
            for (int i = 0; i < batch.size(); i++) {
                out.add(empty);
            }
            return out;
        }

        @Override
        public void close() {
        }
    }
}
