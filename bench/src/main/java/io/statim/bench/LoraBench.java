package io.statim.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.statim.bench.load.TextInputs;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.HostDevice;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Status;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.lora.PeftAdapterWriter;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.AdapterBinding;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.ServedModel;
import io.statim.scheduler.lora.AdapterRegistry;
import io.statim.scheduler.lora.AdapterStatistics;
import io.statim.server.DefaultRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Issue 6's figures, in-process through the real ModelManager, dynamic batcher and adapter pool (no
 * network, so the figures are about the model, the batching and the pool): all-MiniLM-L6-v2 served
 * plain ({@code minilm}) and with LoRA on query and value of its 6 layers ({@code minilm_lora}, rank 16,
 * 64 device slots), one ~128-token clinical paragraph per request:
 * <ol>
 *   <li>base model, no LoRA; the LoRA model with no adapter; the LoRA model with 32 requests on 32
 *       different adapters (batches mix them): texts/s, measured in alternating bursts of 32 requests for
 *       about 3 x SECONDS, so that the three see the same machine;
 *   <li>1,000 registered adapters, 64 slots, adapters drawn from Zipf(1.0), a closed loop of OUTSTANDING
 *       requests for 40 s after 20 s of warm-up:
 *       slot hit rate, p50/p99, texts/s, and the mean time of a host→slot and of a disk→host load (rank 16).
 * </ol>
 * Usage: {@code LoraBench DATA_JSONL WORK_DIR OUTSTANDING SECONDS}; prints one JSON object.
 */
public final class LoraBench {
    private static final int RANK = 16;
    private static final int HIDDEN = 384;
    private static final int LAYERS = 6;
    /** Requests sent at once per burst: 32 adapters, one request each. */
    private static final int BURST = 32;
    private static final int WARMUP_S = 10;
    /** The Zipf run: long enough for the slots to reach their steady state after the warm-up. */
    private static final int ZIPF_WARMUP_S = 20;
    private static final int ZIPF_S = 40;

    private LoraBench() {
    }

    /** Runs every phase and prints the figures. */
    public static void main(String[] args) throws Exception {
        List<String> texts = TextInputs.read(Path.of(args[0]), "long");
        Path work = Path.of(args[1]);
        int outstanding = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        Path repo = repository(work);
        Path adapters = adapters(work.resolve("adapters"), 1000);
        HostDevice device = new HostDevice();
        ModelManager models = new ModelManager(new ModelRepository(repo), List.of(new OnnxRuntimeBackend()), device,
                new ModelManager.Settings(4096, Runtime.getRuntime().availableProcessors()));
        List<Tensor> inputs = new ArrayList<>();
        List<DeviceBuffer> memory = new ArrayList<>();
        for (String text : texts) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            DeviceBuffer b = device.allocate(4 + utf8.length, MemoryUse.STAGING);
            Tensor.writeBytesElements(List.of(utf8), b.segment());
            memory.add(b);
            inputs.add(new Tensor("TEXT", DataType.BYTES, Shape.of(1, 1), b.segment()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("texts", "clinical paragraphs (kind long), " + texts.size() + " distinct");
        out.put("outstanding", outstanding);
        out.put("seconds", seconds);
        try {
            models.load("minilm");
            models.load("minilm_lora");
            ServedModel base = models.resolve("minilm", InferenceRequest.LATEST);
            ServedModel lora = models.resolve("minilm_lora", InferenceRequest.LATEST);
            AdapterRegistry registry = lora.adapters();
            for (int i = 0; i < 1000; i++) {
                registry.register("a" + i, adapters.resolve("a" + i).toString());
            }
            // Throughput against the base model, measured in alternating bursts: BURST requests at once to
            // one configuration, all answered, then the next; drift in what else the machine does then hits
            // the three alike, at a granularity of about a second.
            IntFunction<AdapterBinding> none = i -> null;
            IntFunction<AdapterBinding> mixed32 = i -> registry.acquire("a" + (i % 32));
            run("warm-up", base, inputs, none, outstanding, WARMUP_S, 0);
            run("warm-up", lora, inputs, mixed32, outstanding, WARMUP_S, 0);
            long[] nanos = new long[3];
            long[] sent = new long[3];
            long deadline = System.nanoTime() + seconds * 3L * 1_000_000_000L;
            int bursts = 0;
            while (System.nanoTime() < deadline || bursts < 3) {
                nanos[0] += burst(base, inputs, none, BURST, bursts);
                nanos[1] += burst(lora, inputs, none, BURST, bursts);
                nanos[2] += burst(lora, inputs, mixed32, BURST, bursts);
                for (int k = 0; k < 3; k++) {
                    sent[k] += BURST;
                }
                bursts++;
            }
            List<Map<String, Object>> mixed = new ArrayList<>();
            String[] names = {"base model, no LoRA", "LoRA model, no adapter", "LoRA model, 32 adapters mixed"};
            for (int k = 0; k < 3; k++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("run", names[k]);
                row.put("texts_per_second", sent[k] / (nanos[k] / 1e9));
                row.put("vs_base", (double) nanos[0] / nanos[k]);
                row.put("bursts", bursts);
                mixed.add(row);
            }
            out.put("burst_size", BURST);
            out.put("mixed", mixed);
            // The Zipf run's peer: the base model in the same closed loop, just before it.
            out.put("closed_loop_base", run("base model, no LoRA, closed loop", base, inputs, none, outstanding, WARMUP_S, ZIPF_S));
            AdapterStatistics before = registry.statistics();
            Zipf zipf = new Zipf(1000, 1.0, 11);
            Map<String, Object> zipfRun = run("LoRA model, 1000 adapters, Zipf(1.0), 64 slots", lora, inputs,
                    i -> registry.acquire("a" + zipf.next()), outstanding, ZIPF_WARMUP_S, ZIPF_S);
            AdapterStatistics after = registry.statistics();
            long hits = after.device().hits() - before.device().hits();
            long misses = after.device().misses() - before.device().misses();
            zipfRun.put("slot_hit_rate", hits / (double) Math.max(1, hits + misses));
            zipfRun.put("slot_loads", after.device().loads() - before.device().loads());
            zipfRun.put("slot_evictions", after.device().evictions() - before.device().evictions());
            zipfRun.put("slot_waits", after.slotWaits() - before.slotWaits());
            zipfRun.put("no_slot_refusals", after.noSlot() - before.noSlot());
            out.put("zipf", zipfRun);
            out.put("host_to_slot_mean_us", after.device().loadNanos() / 1e3 / Math.max(1, after.device().loads()));
            out.put("disk_to_host_mean_us", after.host().loadNanos() / 1e3 / Math.max(1, after.host().loads()));
            out.put("host_loads", after.host().loads());
            out.put("slot_bytes", after.device().budgetBytes() / Math.max(1, after.deviceSlots()));
        } finally {
            models.close();
            memory.forEach(DeviceBuffer::release);
            device.close();
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** Sends {@code n} requests at once and waits for all; returns the elapsed nanoseconds. */
    private static long burst(ServedModel model, List<Tensor> inputs, IntFunction<AdapterBinding> adapter, int n, int round)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong failed = new AtomicLong();
        ResponseListener listener = new ResponseListener() {
            @Override
            public void onResponse(InferenceResponse response) {
                response.release();
                done.countDown();
            }

            @Override
            public void onError(Status status) {
                failed.incrementAndGet();
                done.countDown();
            }
        };
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int text = round * n + i;
            model.scheduler().submit(new InferenceRequest("", model.name(), InferenceRequest.LATEST, List.of(inputs.get(text % inputs.size())),
                    List.of(), 1, System.nanoTime(), listener, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, adapter.apply(i)));
        }
        done.await();
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests of a burst on " + model.name() + " failed");
        }
        return System.nanoTime() - start;
    }

    /** A closed loop of {@code outstanding} requests: each completion sends the next. */
    private static Map<String, Object> run(String name, ServedModel model, List<Tensor> inputs, IntFunction<AdapterBinding> adapter,
            int outstanding, int warmupSeconds, int seconds) throws InterruptedException {
        ConcurrentHistogram latency = new ConcurrentHistogram(3);
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong next = new AtomicLong();
        long warmupEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        long end = warmupEnd + seconds * 1_000_000_000L;
        CountDownLatch stopped = new CountDownLatch(outstanding);
        class Loop implements ResponseListener {
            long sent;

            void send() {
                long now = System.nanoTime();
                if (now >= end) {
                    stopped.countDown();
                    return;
                }
                int i = (int) next.getAndIncrement();
                sent = now;
                model.scheduler().submit(new InferenceRequest("", model.name(), InferenceRequest.LATEST, List.of(inputs.get(i % inputs.size())),
                        List.of(), 1, now, this, InferenceRequest.DEFAULT_PRIORITY, InferenceRequest.NO_TIMEOUT, adapter.apply(i)));
            }

            @Override
            public void onResponse(InferenceResponse response) {
                response.release();
                record();
                send();
            }

            @Override
            public void onError(Status status) {
                failed.incrementAndGet();
                send();
            }

            private void record() {
                long now = System.nanoTime();
                if (now >= warmupEnd && now < end) {
                    latency.recordValue((now - sent) / 1000);
                    done.incrementAndGet();
                }
            }
        }
        for (int i = 0; i < outstanding; i++) {
            new Loop().send();
        }
        stopped.await();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", name);
        row.put("texts_per_second", seconds == 0 ? 0.0 : done.get() / (double) seconds);
        row.put("p50_ms", latency.getValueAtPercentile(50) / 1000.0);
        row.put("p99_ms", latency.getValueAtPercentile(99) / 1000.0);
        row.put("failed", failed.get());
        return row;
    }

    /** The default repository's minilm, plus minilm_lora: the same files with LoRA on query and value. */
    private static Path repository(Path work) throws Exception {
        Path cache = DefaultRepository.materialize(work.resolve("cache"));
        Path repo = work.resolve("repo");
        copy(cache.resolve("minilm"), repo.resolve("minilm"));
        copy(cache.resolve("minilm"), repo.resolve("minilm_lora"));
        Path config = repo.resolve("minilm_lora/config.pbtxt");
        Files.writeString(config, Files.readString(cache.resolve("minilm/config.pbtxt")).replace("name: \"minilm\"", "name: \"minilm_lora\"")
                + "parameters { key: \"lora_target_modules\" value: { string_value: \"query,value\" } }\n"
                + "parameters { key: \"lora_max_rank\" value: { string_value: \"" + RANK + "\" } }\n"
                + "parameters { key: \"lora_slots\" value: { string_value: \"64\" } }\n"
                + "parameters { key: \"lora_host_memory_bytes\" value: { string_value: \"" + (2L << 30) + "\" } }\n");
        return repo;
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (!Files.exists(target)) {
                    Files.copy(f, target);
                }
            }
        }
    }

    /** {@code count} random rank-16 PEFT adapters for minilm's query and value, written once. */
    private static Path adapters(Path dir, int count) throws Exception {
        Random random = new Random(5);
        for (int i = 0; i < count; i++) {
            Path a = dir.resolve("a" + i);
            if (Files.exists(a.resolve("adapter_model.safetensors"))) {
                continue;
            }
            PeftAdapterWriter writer = new PeftAdapterWriter(RANK, 2 * RANK).targetModules(List.of("query", "value"));
            for (int layer = 0; layer < LAYERS; layer++) {
                for (String module : List.of("query", "value")) {
                    writer.randomModule("encoder.layer." + layer + ".attention.self." + module, HIDDEN, HIDDEN, random);
                }
            }
            writer.write(a);
        }
        return dir;
    }

    /** Zipf-distributed ranks 0..n-1 (rank 0 most frequent), by inverting the cumulative distribution. */
    static final class Zipf {
        private final double[] cumulative;
        private final Random random;

        Zipf(int n, double s, long seed) {
            cumulative = new double[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += 1 / Math.pow(k + 1, s);
                cumulative[k] = sum;
            }
            for (int k = 0; k < n; k++) {
                cumulative[k] /= sum;
            }
            random = new Random(seed);
        }

        synchronized int next() {
            double u = random.nextDouble();
            int lo = 0;
            int hi = cumulative.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }
}
