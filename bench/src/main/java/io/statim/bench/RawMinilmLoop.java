package io.statim.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The limit for model work: all-MiniLM-L6-v2 run in-process by plain ONNX Runtime, no server, no
 * Statim code. Each of THREADS threads owns a session with INTRA intra-op threads and loops over
 * tokenize (padded to the batch's longest, truncated at 128 tokens as the served model), run,
 * mean-pool and normalize for BATCH texts at a time, cycling through the same texts the load
 * generator sends (a {@code .jsonl} file of the shared data, filtered by KIND short, long or all;
 * any other file is one text). Usage:
 * {@code RawMinilmLoop MODEL_DIR DATA KIND THREADS INTRA BATCH SECONDS}; prints one JSON line
 * with texts/s and the p50/p99 latency of one run.
 */
public final class RawMinilmLoop {
    private RawMinilmLoop() {
    }

    /** Runs the loop. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        List<String> texts = texts(Path.of(args[1]), args[2]);
        int threads = Integer.parseInt(args[3]);
        int intra = Integer.parseInt(args[4]);
        int batch = Integer.parseInt(args[5]);
        int seconds = Integer.parseInt(args[6]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        LongAdder done = new LongAdder();
        ConcurrentLinkedQueue<Histogram> histograms = new ConcurrentLinkedQueue<>();
        long warmupEnd = System.nanoTime() + 3_000_000_000L;
        long end = warmupEnd + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t * 7;
            workers.add(Thread.ofPlatform().start(() -> {
                Histogram latency = new Histogram(3);
                histograms.add(latency);
                try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                                Map.of("padding", "true", "truncation", "true", "maxLength", "128"))) {
                    options.setIntraOpNumThreads(intra);
                    options.setInterOpNumThreads(1);
                    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                    options.addConfigEntry("session.intra_op.allow_spinning", "0");
                    try (OrtSession session = env.createSession(dir.resolve("model.onnx").toString(), options)) {
                        int next = offset;
                        while (true) {
                            long start = System.nanoTime();
                            if (start > end) {
                                break;
                            }
                            String[] chunk = new String[batch];
                            for (int i = 0; i < batch; i++) {
                                chunk[i] = texts.get(next++ % texts.size());
                            }
                            embed(env, session, tokenizer, chunk);
                            if (start > warmupEnd) {
                                latency.recordValue((System.nanoTime() - start) / 1000);
                                done.add(batch);
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        Histogram all = new Histogram(3);
        histograms.forEach(all::add);
        System.out.printf("{\"limit\":\"raw onnxruntime in-process\",\"kind\":\"%s\",\"threads\":%d,\"intra_op\":%d,\"batch\":%d,"
                + "\"texts_per_s\":%.1f,\"run_p50_us\":%d,\"run_p99_us\":%d}%n", args[2], threads, intra, batch,
                done.sum() / (double) seconds, all.getValueAtPercentile(50), all.getValueAtPercentile(99));
    }

    private static List<String> texts(Path data, String kind) throws Exception {
        List<String> out = new ArrayList<>();
        if (!data.toString().endsWith(".jsonl")) {
            out.add(Files.readString(data).strip());
            return out;
        }
        for (String line : Files.readAllLines(data)) {
            boolean isShort = line.contains("\"kind\": \"short\"");
            if (kind.equals("all") || kind.equals("short") == isShort) {
                int start = line.indexOf("\"text\": \"") + 9;
                out.add(line.substring(start, line.lastIndexOf('"')).replace("\\\"", "\""));
            }
        }
        return out;
    }

    private static void embed(OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer, String[] texts) throws Exception {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int rows = encodings.length;
        int length = encodings[0].getIds().length;
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        long[] types = new long[rows * length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(encodings[r].getIds(), 0, ids, r * length, length);
            System.arraycopy(encodings[r].getAttentionMask(), 0, mask, r * length, length);
            System.arraycopy(encodings[r].getTypeIds(), 0, types, r * length, length);
        }
        long[] shape = {rows, length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
        inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
        if (session.getInputNames().contains("token_type_ids")) {
            inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
        }
        try (OrtSession.Result result = session.run(inputs)) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            for (int r = 0; r < rows; r++) {
                float[] pooled = new float[hidden[r][0].length];
                int tokens = 0;
                for (int t = 0; t < length; t++) {
                    if (mask[r * length + t] == 1) {
                        tokens++;
                        for (int d = 0; d < pooled.length; d++) {
                            pooled[d] += hidden[r][t][d];
                        }
                    }
                }
                double norm = 0;
                for (int d = 0; d < pooled.length; d++) {
                    pooled[d] /= tokens;
                    norm += pooled[d] * pooled[d];
                }
                float inv = (float) (1 / Math.sqrt(norm));
                for (int d = 0; d < pooled.length; d++) {
                    pooled[d] *= inv;
                }
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }
}
