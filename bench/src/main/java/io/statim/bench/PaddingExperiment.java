package io.statim.bench;

import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.HostDevice;
import io.statim.core.device.MemoryUse;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.ResponseListener;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.core.status.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Padding to the batch's longest text against grouping texts of similar length, for the text
 * pipeline: the same texts (a random mix of short spans and ~128-token paragraphs from the shared
 * clinical data) run through one minilm instance in batches of {@code BATCH} rows, once in arrival
 * order (each batch padded to its longest) and once sorted by length (what length buckets would
 * give). Usage: {@code PaddingExperiment REPOSITORY BATCH ROUNDS DATA_JSONL}; prints texts/s for both.
 */
public final class PaddingExperiment {
    private PaddingExperiment() {
    }

    /** Runs the experiment. */
    public static void main(String[] args) throws Exception {
        Path repository = Path.of(args[0]);
        int batchRows = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[3]))) {
            int start = line.indexOf("\"text\": \"") + 9;
            texts.add(line.substring(start, line.lastIndexOf('"')).replace("\\\"", "\""));
        }
        Collections.shuffle(texts, new Random(7));
        List<String> arrival = texts.subList(0, Math.min(texts.size(), 256));
        List<String> sorted = new ArrayList<>(arrival);
        sorted.sort(Comparator.comparingInt(String::length));
        try (HostDevice device = new HostDevice()) {
            ModelSource source = new ModelRepository(repository).load("minilm");
            try (ModelInstance instance = new OnnxRuntimeBackend().load(source, 1, new InstanceSpec("minilm_0", 0, 1), device)) {
                run(instance, device, arrival, batchRows, 1);
                run(instance, device, sorted, batchRows, 1);
                double padded = run(instance, device, arrival, batchRows, rounds);
                double bucketed = run(instance, device, sorted, batchRows, rounds);
                System.out.printf("{\"batch_rows\":%d,\"texts\":%d,\"padded_texts_per_s\":%.1f,\"length_sorted_texts_per_s\":%.1f}%n",
                        batchRows, arrival.size(), padded, bucketed);
            }
        }
    }

    private static double run(ModelInstance instance, HostDevice device, List<String> texts, int batchRows, int rounds) {
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < texts.size(); i += batchRows) {
                List<String> chunk = texts.subList(i, Math.min(texts.size(), i + batchRows));
                List<byte[]> bytes = chunk.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
                DeviceBuffer buffer = device.allocate(Tensor.serializedSize(bytes), MemoryUse.STAGING);
                Tensor.writeBytesElements(bytes, buffer.segment());
                Tensor input = new Tensor("TEXT", DataType.BYTES, Shape.of(chunk.size(), 1), buffer.segment());
                InferenceRequest request = new InferenceRequest("", "minilm", 1, List.of(input), List.of(), chunk.size(),
                        System.nanoTime(), new Ignore());
                for (InferenceResponse r : instance.execute(List.of(request))) {
                    r.release();
                }
                buffer.release();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return texts.size() * (double) rounds / seconds;
    }

    private static final class Ignore implements ResponseListener {
        @Override
        public void onResponse(InferenceResponse response) {
            response.release();
        }

        @Override
        public void onError(Status status) {
        }
    }
}
