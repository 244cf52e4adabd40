package io.statim.runtime.cuda;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Turns CUDA status codes into Statim's {@link Status}: every CUDA call of this module goes through
 * {@link #check}, so a failure always names the call and the CUDA error ({@code cudaErrorMemoryAllocation}),
 * never just a number. Out of memory is RESOURCE_EXHAUSTED (the caller may shed load); everything
 * else is INTERNAL (the batch fails with 500, the instance goes on). Stateless; any thread.
 */
public final class CudaStatus {
    /** {@code cudaSuccess}. */
    public static final int SUCCESS = 0;
    /** {@code cudaErrorInvalidValue}, also what statim_kernels returns for a bad argument. */
    public static final int INVALID_VALUE = 1;
    /** {@code cudaErrorMemoryAllocation}. */
    public static final int MEMORY_ALLOCATION = 2;

    /** Names of the cudaError_t values a server meets, for when the CUDA runtime cannot name them itself. */
    private static final Map<Integer, String> KNOWN = Map.ofEntries(
            Map.entry(0, "cudaSuccess"),
            Map.entry(1, "cudaErrorInvalidValue"),
            Map.entry(2, "cudaErrorMemoryAllocation"),
            Map.entry(3, "cudaErrorInitializationError"),
            Map.entry(4, "cudaErrorCudartUnloading"),
            Map.entry(35, "cudaErrorInsufficientDriver"),
            Map.entry(46, "cudaErrorDevicesUnavailable"),
            Map.entry(98, "cudaErrorInvalidDeviceFunction"),
            Map.entry(100, "cudaErrorNoDevice"),
            Map.entry(101, "cudaErrorInvalidDevice"),
            Map.entry(209, "cudaErrorNoKernelImageForDevice"),
            Map.entry(222, "cudaErrorUnsupportedPtxVersion"),
            Map.entry(400, "cudaErrorInvalidResourceHandle"),
            Map.entry(600, "cudaErrorNotReady"),
            Map.entry(700, "cudaErrorIllegalAddress"),
            Map.entry(701, "cudaErrorLaunchOutOfResources"),
            Map.entry(702, "cudaErrorLaunchTimeout"),
            Map.entry(719, "cudaErrorLaunchFailure"),
            Map.entry(900, "cudaErrorStreamCaptureUnsupported"),
            Map.entry(901, "cudaErrorStreamCaptureInvalidated"),
            Map.entry(999, "cudaErrorUnknown"));

    private CudaStatus() {
    }

    /**
     * Throws when {@code status} is not {@code cudaSuccess}.
     *
     * @param call what was called, with the arguments worth knowing: {@code "cudaMalloc(1048576 bytes)"}
     * @throws StatusException RESOURCE_EXHAUSTED for out of memory, INTERNAL otherwise; the message
     *         names the call and the CUDA error
     */
    public static void check(int status, String call) {
        if (status != SUCCESS) {
            throw error(status, call, CudaStatus::name);
        }
    }

    /** The exception for a failed call, with names from {@code names}. */
    public static StatusException error(int status, String call, IntFunction<String> names) {
        Code code = status == MEMORY_ALLOCATION ? Code.RESOURCE_EXHAUSTED : Code.INTERNAL;
        return new StatusException(code, call + " failed: " + names.apply(status) + " (" + status + ")");
    }

    /** The name of a cudaError_t: the runtime's own when it is loaded, else from a table of common ones. */
    public static String name(int status) {
        String fromRuntime = CudaRuntime.errorName(status);
        return fromRuntime != null ? fromRuntime : knownName(status);
    }

    /** The name of a cudaError_t from the table, or {@code "cudaError <n>"} for one not in it. */
    public static String knownName(int status) {
        String name = KNOWN.get(status);
        return name != null ? name : "cudaError " + status;
    }
}
