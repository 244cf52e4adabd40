package io.statim.runtime.cuda;

import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;

/**
 * Whether this process can use CUDA, and the one place that loads JavaCPP's CUDA runtime bindings.
 * The order matters on machines without a GPU: the driver is asked first through FFM
 * ({@link NvidiaDriver}), and the JavaCPP classes, whose static initializers load native libraries,
 * are touched only when a GPU is there; a failure to load becomes a one-line reason, never a stack
 * trace. Nothing else in this module may reference {@code org.bytedeco} classes before
 * {@link #availability()} said yes.
 *
 * <p>Decided once per process; any thread.
 */
public final class CudaRuntime {
    /**
     * Whether CUDA can be used.
     *
     * @param available      true when a driver, a GPU and JavaCPP's CUDA runtime bindings are all there
     * @param reason         why not, in one line; empty when available
     * @param runtimeVersion the CUDA runtime version (12090 for 12.9); 0 when unavailable
     */
    public record Availability(boolean available, String reason, int runtimeVersion) {
        static Availability no(String reason) {
            return new Availability(false, reason, 0);
        }
    }

    private static volatile boolean loaded;

    private CudaRuntime() {
    }

    /** Whether CUDA can be used here, decided once. */
    public static Availability availability() {
        return Holder.AVAILABILITY;
    }

    /** Shorthand for {@code availability().available()}. */
    public static boolean available() {
        return availability().available();
    }

    /**
     * Throws FAILED_PRECONDITION with the reason when CUDA cannot be used.
     *
     * @throws io.statim.core.status.StatusException when unavailable
     */
    public static void require() {
        Availability a = availability();
        if (!a.available()) {
            throw new io.statim.core.status.StatusException(io.statim.core.status.Code.FAILED_PRECONDITION,
                    "CUDA is not available: " + a.reason());
        }
    }

    /** The runtime's name for a cudaError_t, or {@code null} when the runtime is not loaded. */
    static String errorName(int status) {
        if (!loaded) {
            return null;
        }
        BytePointer name = cudart.cudaGetErrorName(status);
        return name == null || name.isNull() ? null : name.getString();
    }

    private static final class Holder {
        static final Availability AVAILABILITY = decide();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static Availability decide() {
        NvidiaDriver.Probe driver = NvidiaDriver.probe();
        if (!driver.present()) {
            return Availability.no(driver.reason());
        }
        if (driver.gpus().isEmpty()) {
            return Availability.no("the NVIDIA driver sees no CUDA device");
        }
        // Before JavaCPP's first class loads: its log through SLF4J rather than stderr, and no cap on the process's
        // physical memory (JavaCPP's default, twice the heap, is far below what pinned buffers and engines take).
        setIfAbsent("org.bytedeco.javacpp.logger", "slf4j");
        setIfAbsent("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        setIfAbsent("org.bytedeco.javacpp.maxBytes", "0");
        try {
            Loader.load(cudart.class);
            int[] version = new int[1];
            int status = cudart.cudaRuntimeGetVersion(version);
            if (status != CudaStatus.SUCCESS) {
                return Availability.no("cudaRuntimeGetVersion failed: " + CudaStatus.knownName(status));
            }
            loaded = true;
            if (CudaVersions.major(version[0]) > CudaVersions.major(driver.driverVersion())) {
                return Availability.no("the CUDA runtime is " + CudaVersions.format(version[0]) + " but the driver supports only "
                        + driver.driverCudaVersion() + ": update the NVIDIA driver");
            }
            return new Availability(true, "", version[0]);
        } catch (LinkageError | RuntimeException e) {
            return Availability.no("JavaCPP's CUDA runtime bindings did not load (build with -Pgpu, and install the CUDA "
                    + CudaVersions.format(12090) + " runtime): " + NvidiaDriver.firstLine(e));
        }
    }
}
