package io.statim.runtime.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import org.junit.jupiter.api.Test;

class CudaStatusTest {
    @Test
    void successPasses() {
        assertThatNoException().isThrownBy(() -> CudaStatus.check(0, "cudaMalloc(16 bytes)"));
    }

    @Test
    void outOfMemoryIsResourceExhaustedNamingTheCallAndTheError() {
        assertThatThrownBy(() -> CudaStatus.check(2, "cudaMalloc(1048576 bytes) on cuda:0"))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status().code()).isEqualTo(Code.RESOURCE_EXHAUSTED))
                .hasMessage("cudaMalloc(1048576 bytes) on cuda:0 failed: cudaErrorMemoryAllocation (2)");
    }

    @Test
    void otherErrorsAreInternal() {
        StatusException e = CudaStatus.error(700, "cudaStreamSynchronize on cuda:0", CudaStatus::knownName);
        assertThat(e.status().code()).isEqualTo(Code.INTERNAL);
        assertThat(e).hasMessage("cudaStreamSynchronize on cuda:0 failed: cudaErrorIllegalAddress (700)");
    }

    @Test
    void unknownCodesStillSayTheNumber() {
        assertThat(CudaStatus.knownName(12345)).isEqualTo("cudaError 12345");
    }

    @Test
    void formatsCudaVersions() {
        assertThat(CudaVersions.format(12090)).isEqualTo("12.9");
        assertThat(CudaVersions.format(13000)).isEqualTo("13.0");
        assertThat(CudaVersions.format(12100)).isEqualTo("12.10");
        assertThat(CudaVersions.format(0)).isEqualTo("none");
        assertThat(CudaVersions.major(12090)).isEqualTo(12);
    }
}
