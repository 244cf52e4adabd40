package io.statim.scheduler.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.device.HostDevice;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Status;
import io.statim.core.tensor.Tensor;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.TestRequests;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.scheduler.ModelManager;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The two session test models served by a real ModelManager on ONNX Runtime, with a session store on
 * a clock the test moves, and helpers to send their requests and read their answers.
 */
final class SessionModels implements AutoCloseable {
    static final int WIDTH = TestModels.SESSION_DOCUMENT_WIDTH;

    final HostDevice device;
    final MutableClock clock = new MutableClock(1_700_000_000_000L);
    final SessionStore store;
    final ModelManager manager;
    final TestRequests tensors;
    private final List<InferenceResponse> responses = new ArrayList<>();

    /** @param sessionBudget the SESSION_CACHE budget in bytes */
    SessionModels(Path repo, long sessionBudget, String... configEdits) throws Exception {
        TestModels.writeSessionDocument(repo);
        TestModels.writeAccumulator(repo);
        for (int i = 0; i + 1 < configEdits.length; i += 2) {
            Path config = repo.resolve(TestModels.ACCUMULATOR).resolve("config.pbtxt");
            java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config).replace(configEdits[i], configEdits[i + 1]));
        }
        device = new HostDevice(new HostDevice.Config(1 << 20, Map.of(MemoryUse.SESSION_CACHE, sessionBudget), true));
        store = new SessionStore(device, new SessionIds(), clock, 0);
        manager = new ModelManager(new ModelRepository(repo), List.of(new OnnxRuntimeBackend()), device, new ModelManager.Settings(64, 2),
                store);
        manager.loadAll(manager.repository().modelNames());
        tensors = new TestRequests(device);
    }

    SequenceScheduler scheduler(String model) {
        return (SequenceScheduler) manager.resolve(model, InferenceRequest.LATEST).scheduler();
    }

    /** A document of {@code rows} rows where row r holds r + c / 1000 at column c. */
    Tensor document(int rows) {
        float[] values = new float[rows * WIDTH];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < WIDTH; c++) {
                values[r * WIDTH + c] = r + c / 1000f;
            }
        }
        return tensors.fp32("DOCUMENT", values, rows, WIDTH);
    }

    /** The query whose dot product with row r is checked by {@link #expectedScore}: all ones. */
    Tensor query() {
        return tensors.fp32("QUERY", new float[] {1f}, WIDTH);
    }

    static float expectedScore(long row) {
        double sum = 0;
        for (int c = 0; c < WIDTH; c++) {
            sum += row + c / 1000f;
        }
        return (float) sum;
    }

    /** An accumulator INPUT of one row, all elements {@code value}. */
    Tensor input(float value) {
        return tensors.fp32("INPUT", new float[] {value}, 1, TestModels.ACCUMULATOR_WIDTH);
    }

    static InferenceRequest request(String model, List<Tensor> inputs, TestRequests.Outcome outcome) {
        return new InferenceRequest("r", model, InferenceRequest.LATEST, inputs, List.of(), 1, System.nanoTime(), outcome);
    }

    /** Waits for a response, keeps it to release at close, and returns it. */
    InferenceResponse response(TestRequests.Outcome outcome) throws Exception {
        InferenceResponse r = outcome.response.get(10, TimeUnit.SECONDS);
        responses.add(r);
        return r;
    }

    /** Waits for a failure. */
    static Status error(TestRequests.Outcome outcome) throws Exception {
        return outcome.error.get(10, TimeUnit.SECONDS);
    }

    static float[] floats(Tensor t) {
        return t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
    }

    static int[] ints(Tensor t) {
        return t.data().toArray(ValueLayout.JAVA_INT_UNALIGNED);
    }

    static long[] longs(Tensor t) {
        return t.data().toArray(ValueLayout.JAVA_LONG_UNALIGNED);
    }

    @Override
    public void close() {
        responses.forEach(InferenceResponse::release);
        tensors.release();
        manager.close();
        store.close();
        assertThat(device.usedBytes(MemoryUse.SESSION_CACHE)).as("session memory after close").isZero();
        io.statim.core.device.LeakCheck.assertNoLeaks(device);
        device.close();
    }
}
