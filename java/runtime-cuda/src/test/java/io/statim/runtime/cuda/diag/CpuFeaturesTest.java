package io.statim.runtime.cuda.diag;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuFeaturesTest {
    @Test
    void readsTheModelAndTheInterestingX86Flags() {
        CpuFeatures cpu = CpuFeatures.parse("""
                processor\t: 0
                vendor_id\t: GenuineIntel
                model name\t: Intel(R) Xeon(R) Platinum 8480+
                flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f avx512_bf16 amx_bf16 amx_tile ht
                processor\t: 1
                model name\t: ignored
                flags\t\t: fpu
                """);
        assertThat(cpu.model()).isEqualTo("Intel(R) Xeon(R) Platinum 8480+");
        assertThat(cpu.features()).containsExactly("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16");
    }

    @Test
    void readsArmFeatures() {
        CpuFeatures cpu = CpuFeatures.parse("processor : 0\nFeatures : fp asimd sve sve2 bf16\nCPU part : 0xd4f\n");
        assertThat(cpu.features()).containsExactly("asimd", "sve", "sve2");
        assertThat(cpu.model()).isEqualTo("0xd4f");
    }

    @Test
    void saysUnknownWhenThereIsNothingToRead() {
        assertThat(CpuFeatures.parse("")).isEqualTo(new CpuFeatures("unknown", java.util.List.of()));
    }
}
