package io.statim.runtime.cuda;

/** CUDA's integer versions ({@code 1000 * major + 10 * minor}) as text. Stateless. */
public final class CudaVersions {
    private CudaVersions() {
    }

    /** {@code "12.9"} for 12090, {@code "12.10"} for 12100; {@code "none"} for 0 or less. */
    public static String format(int version) {
        if (version <= 0) {
            return "none";
        }
        return (version / 1000) + "." + (version % 1000) / 10;
    }

    /** The CUDA major version of an integer version: 12 for 12090. */
    public static int major(int version) {
        return version / 1000;
    }
}
