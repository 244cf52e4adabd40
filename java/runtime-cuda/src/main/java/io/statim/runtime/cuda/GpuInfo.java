package io.statim.runtime.cuda;

/**
 * One GPU as the driver describes it.
 *
 * @param ordinal          the CUDA device ordinal (0-based, as {@code CUDA_VISIBLE_DEVICES} numbers them)
 * @param name             e.g. {@code NVIDIA H100 80GB HBM3}
 * @param computeMajor     compute capability, major (9 for Hopper)
 * @param computeMinor     compute capability, minor
 * @param totalMemoryBytes device memory
 */
public record GpuInfo(int ordinal, String name, int computeMajor, int computeMinor, long totalMemoryBytes) {
    /** {@code sm_90} for compute capability 9.0. */
    public String smName() {
        return "sm_" + computeMajor + computeMinor;
    }

    /** {@code 9.0}. */
    public String computeCapability() {
        return computeMajor + "." + computeMinor;
    }
}
