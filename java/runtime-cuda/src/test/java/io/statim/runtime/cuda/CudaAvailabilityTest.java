package io.statim.runtime.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What every machine can check: asking for CUDA never throws, and a "no" always says why in one line. */
class CudaAvailabilityTest {
    @Test
    void probingTheDriverNeverThrowsAndExplainsAnAbsence() {
        NvidiaDriver.Probe probe = NvidiaDriver.probe();
        if (probe.present()) {
            assertThat(probe.reason()).isEmpty();
            assertThat(probe.driverVersion()).isPositive();
        } else {
            assertThat(probe.reason()).isNotBlank().doesNotContain("\n");
            assertThat(probe.gpus()).isEmpty();
        }
    }

    @Test
    void availabilityIsDecidedOnceAndExplainsANo() {
        CudaRuntime.Availability a = CudaRuntime.availability();
        assertThat(CudaRuntime.availability()).isSameAs(a);
        if (!a.available()) {
            assertThat(a.reason()).isNotBlank().doesNotContain("\n");
            assertThat(a.runtimeVersion()).isZero();
        }
    }
}
