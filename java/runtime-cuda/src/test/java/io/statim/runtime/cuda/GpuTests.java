package io.statim.runtime.cuda;

import io.statim.runtime.cuda.kernels.KernelLibrary;
import org.junit.jupiter.api.Assumptions;

/** The gates of the tests that need a GPU: each skips with the reason when the machine has none. */
public final class GpuTests {
    private GpuTests() {
    }

    /** Skips the test unless CUDA can be used here. */
    public static void assumeCuda() {
        CudaRuntime.Availability a = CudaRuntime.availability();
        Assumptions.assumeTrue(a.available(), () -> "no CUDA device: " + a.reason());
    }

    /** Skips the test unless CUDA can be used and the CUDA build of statim_kernels is there; returns it. */
    public static KernelLibrary assumeCudaKernels() {
        assumeCuda();
        KernelLibrary.Found found = KernelLibrary.find(KernelLibrary.Build.CUDA);
        Assumptions.assumeTrue(found.present(), () -> "CUDA kernel library not available: " + found.reason());
        return found.library();
    }
}
