package io.statim.runtime.cuda.tensorrt;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.runtime.cuda.GpuInfo;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineCacheTest {
    private static final GpuInfo H100 = new GpuInfo(0, "NVIDIA H100 80GB HBM3", 9, 0, 80L << 30);
    private static final EngineKey KEY = new EngineKey("c".repeat(64), H100.name(), "9.0", "10.12.0.36", "X:1x4/8x4/8x4;",
            "precision=fp16;workspace=1;level=3");

    @TempDir
    Path root;

    private static MemorySegment bytes(String text) {
        return MemorySegment.ofArray(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void laysEnginesOutByModelVersionAndKeyDigest() {
        EngineCache cache = new EngineCache(root);
        assertThat(root.relativize(cache.enginePath("bert/base", 3, KEY)).toString())
                .isEqualTo("engines/bert_base/3/" + KEY.digest() + ".engine");
        assertThat(root.relativize(cache.keyPath("bert/base", 3, KEY)).toString()).isEqualTo("engines/bert_base/3/" + KEY.digest() + ".key");
        assertThat(root.relativize(cache.timingCachePath(H100, "10.12.0.36")).toString()).isEqualTo("timing/sm_90-trt10.12.0.36.timing");
    }

    @Test
    void findsWhatItStoredAndNothingElse() throws IOException {
        EngineCache cache = new EngineCache(root);
        assertThat(cache.find("m", 1, KEY)).isEmpty();
        Path stored = cache.store("m", 1, KEY, bytes("a serialized engine"));
        assertThat(cache.find("m", 1, KEY)).contains(stored);
        assertThat(Files.readString(stored)).isEqualTo("a serialized engine");
        assertThat(Files.readString(cache.keyPath("m", 1, KEY))).startsWith(KEY.describe()).contains("engine_sha256: ");
        assertThat(cache.find("m", 2, KEY)).isEmpty();
        try (Stream<Path> files = Files.list(stored.getParent())) {
            assertThat(files.filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void aDamagedEngineIsDeletedAndReportedMissing() throws IOException {
        EngineCache cache = new EngineCache(root);
        Path stored = cache.store("m", 1, KEY, bytes("a serialized engine"));
        Files.writeString(stored, "a truncated engi");
        assertThat(cache.find("m", 1, KEY)).isEmpty();
        assertThat(stored).doesNotExist();
        assertThat(cache.keyPath("m", 1, KEY)).doesNotExist();
    }

    @Test
    void anEngineWithoutItsKeyFileDoesNotCount() throws IOException {
        EngineCache cache = new EngineCache(root);
        Path stored = cache.store("m", 1, KEY, bytes("engine"));
        Files.delete(cache.keyPath("m", 1, KEY));
        assertThat(cache.find("m", 1, KEY)).isEmpty();
        assertThat(stored).exists();
    }

    @Test
    void keepsTheTimingCacheOfEachGpuArchitecture() {
        EngineCache cache = new EngineCache(root);
        assertThat(cache.loadTimingCache(H100, "10.12.0.36")).isEmpty();
        cache.storeTimingCache(H100, "10.12.0.36", bytes("timings"));
        assertThat(cache.loadTimingCache(H100, "10.12.0.36")).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8))
                .isEqualTo("timings"));
        assertThat(cache.loadTimingCache(new GpuInfo(0, "NVIDIA A100", 8, 0, 1), "10.12.0.36")).isEmpty();
    }

    @Test
    void mapsAnEngineForDeserialization() {
        EngineCache cache = new EngineCache(root);
        Path stored = cache.store("m", 1, KEY, bytes("0123456789"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = EngineCache.map(stored, arena);
            assertThat(mapped.byteSize()).isEqualTo(10);
            assertThat(mapped.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 9)).isEqualTo((byte) '9');
        }
    }

    @Test
    void modelNamesBecomeSafePathSegments() {
        assertThat(EngineCache.safe("minilm")).isEqualTo("minilm");
        assertThat(EngineCache.safe("../etc")).isEqualTo(".._etc");
        assertThat(EngineCache.safe("..")).isEqualTo("_..");
        assertThat(EngineCache.safe("a b/c")).isEqualTo("a_b_c");
    }
}
