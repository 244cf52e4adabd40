package io.statim.runtime.cuda.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.device.LeakCheck;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.cuda.CudaDevice;
import io.statim.runtime.cuda.GpuTests;
import io.statim.runtime.cuda.diag.SelfTestModel;
import io.statim.runtime.cuda.diag.SimpleModelCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds and runs a real engine. Needs a GPU and TensorRT: skipped with the reason elsewhere. */
class TensorRtGpuTest {
    @TempDir
    Path dir;

    @BeforeEach
    void gpu() {
        GpuTests.assumeCuda();
        TensorRt.Availability trt = TensorRt.availability();
        Assumptions.assumeTrue(trt.available(), () -> "no TensorRT: " + trt.reason());
    }

    private ModelSource model(String... parameters) throws IOException {
        SelfTestModel.write(dir.resolve("models"), parameters);
        return new ModelRepository(dir.resolve("models")).load(SelfTestModel.NAME);
    }

    @Test
    void buildsAnEngineRunsABatchAndLoadsItFromTheCacheTheSecondTime() throws IOException {
        ModelSource source = model();
        TensorRtBackend backend = new TensorRtBackend(dir.resolve("cache"));
        try (CudaDevice device = CudaDevice.open(CudaDevice.Config.defaults(0))) {
            try (ModelInstance instance = backend.load(source, 1, new InstanceSpec("a", 0, 0), device)) {
                SimpleModelCheck.run(instance);
                assertThat(instance.phases().inferNs()).isPositive();
            }
            long engines = countEngines();
            assertThat(engines).isEqualTo(1);
            try (ModelInstance again = backend.load(source, 1, new InstanceSpec("b", 1, 0), device)) {
                SimpleModelCheck.run(again);
            }
            assertThat(countEngines()).isEqualTo(1);
            LeakCheck.assertNoLeaks(device);
        }
    }

    @Test
    void replaysCudaGraphsForShapesSeenBefore() throws IOException {
        ModelSource source = model("tensorrt_cuda_graphs", "true");
        try (CudaDevice device = CudaDevice.open(CudaDevice.Config.defaults(0));
                ModelInstance instance = new TensorRtBackend(dir.resolve("cache")).load(source, 1, new InstanceSpec("a", 0, 0), device)) {
            for (int i = 0; i < 3; i++) {
                SimpleModelCheck.run(instance);
            }
        }
    }

    private long countEngines() throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("cache"))) {
            return files.filter(p -> p.toString().endsWith(".engine")).count();
        }
    }
}
