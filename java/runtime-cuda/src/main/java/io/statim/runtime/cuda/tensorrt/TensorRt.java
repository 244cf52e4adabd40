package io.statim.runtime.cuda.tensorrt;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.runtime.cuda.CudaRuntime;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;

/**
 * Whether TensorRT can be used in this process, and its version; the one place that loads JavaCPP's
 * TensorRT bindings, after {@link CudaRuntime} said CUDA is there. A failure becomes a one-line
 * reason. Decided once; any thread.
 */
public final class TensorRt {
    /** The TensorRT major.minor the presets bind (JavaCPP 1.5.12's tensorrt 10.12). */
    public static final String BOUND_VERSION = "10.12";

    /**
     * @param available true when TensorRT and its ONNX parser loaded
     * @param reason    why not, one line; empty when available
     * @param version   the library's version, {@code 10.12.0.36}; empty when unavailable
     */
    public record Availability(boolean available, String reason, String version) {
    }

    private TensorRt() {
    }

    public static Availability availability() {
        return Holder.AVAILABILITY;
    }

    /** @throws StatusException FAILED_PRECONDITION with the reason when TensorRT cannot be used */
    public static Availability require() {
        Availability a = availability();
        if (!a.available()) {
            throw new StatusException(Code.FAILED_PRECONDITION, "TensorRT is not available: " + a.reason());
        }
        return a;
    }

    /** {@code 10.12.0} for TensorRT's integer version 101200, with {@code .build} appended when known. */
    public static String formatVersion(int version, int build) {
        String v = (version / 10000) + "." + (version / 100) % 100 + "." + version % 100;
        return build > 0 ? v + "." + build : v;
    }

    private static final class Holder {
        static final Availability AVAILABILITY = decide();
    }

    private static Availability decide() {
        CudaRuntime.Availability cuda = CudaRuntime.availability();
        if (!cuda.available()) {
            return new Availability(false, cuda.reason(), "");
        }
        try {
            Loader.load(nvinfer.class);
            Loader.load(nvonnxparser.class);
            return new Availability(true, "", formatVersion(nvinfer.getInferLibVersion(), nvinfer.getInferLibBuildVersion()));
        } catch (LinkageError | RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new Availability(false, "JavaCPP's TensorRT " + BOUND_VERSION + " bindings did not load (install TensorRT "
                    + BOUND_VERSION + " for CUDA 12: libnvinfer10, libnvonnxparsers10): " + message, "");
        }
    }
}
