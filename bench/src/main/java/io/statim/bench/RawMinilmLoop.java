package io.statim.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The limit for model work: all-MiniLM-L6-v2 run in-process by plain ONNX Runtime, no server. Each
 * of THREADS threads owns a one-thread session and loops over tokenize, run, mean-pool and normalize
 * on the same text the served benchmark sends, one text per run (as one request per run is served).
 * Usage: {@code RawMinilmLoop MODEL_DIR TEXT_FILE THREADS SECONDS}; prints one JSON line.
 */
public final class RawMinilmLoop {
    private RawMinilmLoop() {
    }

    /** Runs the loop and prints {@code {"runs_per_s": ...}}. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String text = Files.readString(Path.of(args[1])).strip();
        int threads = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        LongAdder runs = new LongAdder();
        long warmupEnd = System.nanoTime() + 3_000_000_000L;
        long end = warmupEnd + seconds * 1_000_000_000L;
        List<Thread> workers = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"))) {
                    options.setIntraOpNumThreads(1);
                    options.setInterOpNumThreads(1);
                    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                    try (OrtSession session = env.createSession(dir.resolve("model.onnx").toString(), options)) {
                        while (true) {
                            long now = System.nanoTime();
                            if (now > end) {
                                break;
                            }
                            embed(env, session, tokenizer, text);
                            if (now > warmupEnd) {
                                runs.increment();
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
        System.out.printf("{\"limit\":\"raw onnxruntime in-process\",\"threads\":%d,\"seconds\":%d,\"runs_per_s\":%.1f}%n",
                threads, seconds, runs.sum() / (double) seconds);
    }

    private static float[] embed(OrtEnvironment env, OrtSession session, HuggingFaceTokenizer tokenizer, String text) throws Exception {
        Encoding e = tokenizer.encode(text);
        long[] ids = e.getIds();
        long[] mask = e.getAttentionMask();
        long[] types = e.getTypeIds();
        long[] shape = {1, ids.length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
        inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
        if (session.getInputNames().contains("token_type_ids")) {
            inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
        }
        try (OrtSession.Result result = session.run(inputs)) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            float[] pooled = new float[hidden[0][0].length];
            int tokens = 0;
            for (int t = 0; t < ids.length; t++) {
                if (mask[t] == 1) {
                    tokens++;
                    for (int d = 0; d < pooled.length; d++) {
                        pooled[d] += hidden[0][t][d];
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
            return pooled;
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }
}
