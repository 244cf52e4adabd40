package io.statim.bench;

import io.statim.core.device.HostDevice;
import io.statim.core.device.MemoryUse;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.status.Status;
import io.statim.core.tensor.DataType;
import io.statim.core.tensor.Shape;
import io.statim.core.tensor.Tensor;
import io.statim.model.onnx.TestModels;
import io.statim.model.repository.ModelRepository;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InferenceResponse;
import io.statim.runtime.ResponseListener;
import io.statim.runtime.onnx.OnnxRuntimeBackend;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.session.SequenceScheduler;
import io.statim.scheduler.session.Session;
import io.statim.scheduler.session.SessionIds;
import io.statim.scheduler.session.SessionStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle session, measured in-process: SESSIONS sessions of the {@code accumulator} model are
 * opened and each runs one request (so it holds its 16-byte state), then left idle. Prints the Java
 * heap they take (used heap after full GCs, minus the same before) and the session memory they hold on
 * the device, each divided by the number of sessions. Usage: {@code SessionIdleMemory SESSIONS}.
 */
public final class SessionIdleMemory {
    private SessionIdleMemory() {
    }

    /** Runs the measurement and prints one JSON object. */
    public static void main(String[] args) throws Exception {
        int sessions = Integer.parseInt(args[0]);
        Path repo = Files.createTempDirectory("statim-idle");
        TestModels.writeAccumulator(repo);
        HostDevice device = new HostDevice(new HostDevice.Config(4L << 20, Map.of(), false));
        SessionStore store = new SessionStore(device, new SessionIds(), Clock.systemUTC(), 0);
        ModelManager manager = new ModelManager(new ModelRepository(repo), List.of(new OnnxRuntimeBackend()), device,
                new ModelManager.Settings(1024, 2), store);
        manager.load(TestModels.ACCUMULATOR);
        SequenceScheduler scheduler = (SequenceScheduler) manager.resolve(TestModels.ACCUMULATOR, InferenceRequest.LATEST).scheduler();
        DeviceBuffer input = device.allocate(16, MemoryUse.STAGING);
        input.segment().fill((byte) 0);
        Tensor tensor = new Tensor("INPUT", DataType.FP32, Shape.of(1, TestModels.ACCUMULATOR_WIDTH), input.segment());
        run(scheduler, scheduler.open("warmup"), tensor);
        long heapBefore = usedHeapAfterGc();
        long deviceBefore = device.usedBytes(MemoryUse.SESSION_CACHE);
        for (int i = 0; i < sessions; i++) {
            run(scheduler, scheduler.open(null), tensor);
        }
        long heapAfter = usedHeapAfterGc();
        long deviceAfter = device.usedBytes(MemoryUse.SESSION_CACHE);
        System.out.printf("{\"sessions\": %d, \"heap_bytes_per_session\": %.0f, \"device_bytes_per_session\": %.0f, \"open\": %d}%n",
                sessions, (heapAfter - heapBefore) / (double) sessions, (deviceAfter - deviceBefore) / (double) sessions,
                store.openSessions());
        manager.close();
        store.close();
        input.release();
        device.close();
    }

    private static void run(SequenceScheduler scheduler, Session session, Tensor input) throws Exception {
        CompletableFuture<InferenceResponse> done = new CompletableFuture<>();
        ResponseListener listener = new ResponseListener() {
            @Override
            public void onResponse(InferenceResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Status status) {
                done.completeExceptionally(status.asException());
            }
        };
        scheduler.submit(new InferenceRequest("", TestModels.ACCUMULATOR, InferenceRequest.LATEST, List.of(input), List.of(), 1,
                System.nanoTime(), listener), session, true, false);
        done.get(10, TimeUnit.SECONDS).release();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
