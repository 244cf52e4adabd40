package io.statim.runtime.cuda.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.runtime.cuda.GpuInfo;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EngineKeyTest {
    private static final GpuInfo H100 = new GpuInfo(0, "NVIDIA H100 80GB HBM3", 9, 0, 80L << 30);
    private static final String MODEL = "a".repeat(64);
    private static final ProfileShapes PROFILE = ProfileShapes.of(Configs.gpu(Configs.parameter("tensorrt_dims.IDS", "8:128:512")));
    private static final TensorRtOptions OPTIONS = TensorRtOptions.of(Configs.gpu(""));

    @Test
    void isStableAcrossRuns() {
        EngineKey key = EngineKey.of(MODEL, H100, "10.12.0.36", PROFILE, OPTIONS);
        assertThat(key.digest()).hasSize(64).matches("[0-9a-f]+").isEqualTo(EngineKey.of(MODEL, H100, "10.12.0.36", PROFILE, OPTIONS).digest());
        assertThat(key.describe()).isEqualTo("""
                format: 1
                model_sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                gpu: NVIDIA H100 80GB HBM3
                compute_capability: 9.0
                tensorrt: 10.12.0.36
                profile: X:1x4/16x4/16x4;IDS:1x8/16x128/16x512;
                build: precision=fp32;workspace=1073741824;level=3
                """);
    }

    @Test
    void changesWithEveryPartThatMakesAnEngineDifferent() {
        EngineKey base = EngineKey.of(MODEL, H100, "10.12.0.36", PROFILE, OPTIONS);
        List<EngineKey> variants = List.of(
                EngineKey.of("b".repeat(64), H100, "10.12.0.36", PROFILE, OPTIONS),
                EngineKey.of(MODEL, new GpuInfo(0, "NVIDIA A100-SXM4-80GB", 8, 0, 80L << 30), "10.12.0.36", PROFILE, OPTIONS),
                EngineKey.of(MODEL, new GpuInfo(0, "NVIDIA H100 80GB HBM3", 9, 1, 80L << 30), "10.12.0.36", PROFILE, OPTIONS),
                EngineKey.of(MODEL, H100, "10.13.0.10", PROFILE, OPTIONS),
                EngineKey.of(MODEL, H100, "10.12.0.36", ProfileShapes.of(Configs.gpu(Configs.parameter("tensorrt_dims.IDS", "8:128:256"))),
                        OPTIONS),
                EngineKey.of(MODEL, H100, "10.12.0.36", PROFILE, TensorRtOptions.of(Configs.gpu(Configs.parameter("tensorrt_precision", "fp16")))));
        Set<String> digests = new HashSet<>();
        digests.add(base.digest());
        for (EngineKey v : variants) {
            digests.add(v.digest());
        }
        assertThat(digests).hasSize(variants.size() + 1);
    }

    @Test
    void ignoresTheGpuOrdinalAndMemorySize() {
        EngineKey a = EngineKey.of(MODEL, H100, "10.12.0.36", PROFILE, OPTIONS);
        EngineKey b = EngineKey.of(MODEL, new GpuInfo(3, "NVIDIA H100 80GB HBM3", 9, 0, 79L << 30), "10.12.0.36", PROFILE, OPTIONS);
        assertThat(b.digest()).isEqualTo(a.digest());
    }
}
