package io.statim.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * What the NVIDIA driver says about the machine, asked through the FFM API from {@code libcuda.so.1}
 * (the CUDA driver API), so that it works without JavaCPP, the CUDA toolkit or any Statim native
 * library: {@code statim doctor} and every GPU test start here. A machine without the driver gives
 * an absent {@link Probe} with the reason, never an exception or a stack trace.
 *
 * <p>The probe runs once per process ({@link #probe()}); any thread.
 */
@SuppressWarnings("restricted") // native access is what this class is for; java runs with --enable-native-access
public final class NvidiaDriver {
    /** The driver library that every CUDA application loads. */
    public static final String LIBRARY = "libcuda.so.1";
    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    /** CUDA_ERROR_STUB_LIBRARY: the toolkit's stub libcuda, found instead of a driver. */
    private static final int CUDA_ERROR_STUB_LIBRARY = 34;
    private static final int CUDA_ERROR_NO_DEVICE = 100;

    /**
     * The outcome of asking the driver.
     *
     * @param present       true when the driver loaded and initialized
     * @param reason        why not, in one line; empty when present
     * @param driverVersion the CUDA version the driver supports, as {@code 12090} for 12.9; 0 when absent
     * @param gpus          the visible GPUs; empty when none or absent
     */
    public record Probe(boolean present, String reason, int driverVersion, List<GpuInfo> gpus) {
        public Probe {
            gpus = List.copyOf(gpus);
        }

        static Probe absent(String reason) {
            return new Probe(false, reason, 0, List.of());
        }

        /** True when a driver is there and sees at least one GPU. */
        public boolean hasGpu() {
            return present && !gpus.isEmpty();
        }

        /** {@code 12.9} for 12090. */
        public String driverCudaVersion() {
            return CudaVersions.format(driverVersion);
        }
    }

    private NvidiaDriver() {
    }

    /** The driver's answer, asked once per process. */
    public static Probe probe() {
        return Holder.PROBE;
    }

    private static final class Holder {
        static final Probe PROBE = ask();
    }

    private static Probe ask() {
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException e) {
            return Probe.absent("no NVIDIA driver: " + LIBRARY + " is not on the library path");
        } catch (IllegalCallerException e) {
            return Probe.absent("native access is disabled: run java with --enable-native-access=ALL-UNNAMED");
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle cuInit = handle(linker, lib, "cuInit", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle cuDriverGetVersion = handle(linker, lib, "cuDriverGetVersion",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle cuDeviceGetCount = handle(linker, lib, "cuDeviceGetCount",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle cuDeviceGet = handle(linker, lib, "cuDeviceGet",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle cuDeviceGetName = handle(linker, lib, "cuDeviceGetName",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle cuDeviceGetAttribute = handle(linker, lib, "cuDeviceGetAttribute",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle cuDeviceTotalMem = handle(linker, lib, "cuDeviceTotalMem_v2",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
                int status = (int) cuInit.invokeExact(0);
                if (status == CUDA_ERROR_STUB_LIBRARY) {
                    return Probe.absent("no NVIDIA driver: " + LIBRARY + " is the CUDA toolkit's stub library");
                }
                if (status == CUDA_ERROR_NO_DEVICE) {
                    return Probe.absent("the NVIDIA driver sees no CUDA device");
                }
                if (status != 0) {
                    return Probe.absent("the NVIDIA driver did not initialize: cuInit returned " + status);
                }
                int version = 0;
                if ((int) cuDriverGetVersion.invokeExact(out) == 0) {
                    version = out.get(ValueLayout.JAVA_INT, 0);
                }
                if ((int) cuDeviceGetCount.invokeExact(out) != 0) {
                    return new Probe(true, "", version, List.of());
                }
                int count = out.get(ValueLayout.JAVA_INT, 0);
                List<GpuInfo> gpus = new ArrayList<>(count);
                MemorySegment name = arena.allocate(256);
                for (int ordinal = 0; ordinal < count; ordinal++) {
                    if ((int) cuDeviceGet.invokeExact(out, ordinal) != 0) {
                        continue;
                    }
                    int device = out.get(ValueLayout.JAVA_INT, 0);
                    String deviceName = (int) cuDeviceGetName.invokeExact(name, (int) name.byteSize(), device) == 0
                            ? name.getString(0) : "unknown";
                    int major = (int) cuDeviceGetAttribute.invokeExact(out, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device) == 0
                            ? out.get(ValueLayout.JAVA_INT, 0) : 0;
                    int minor = (int) cuDeviceGetAttribute.invokeExact(out, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device) == 0
                            ? out.get(ValueLayout.JAVA_INT, 0) : 0;
                    long memory = (int) cuDeviceTotalMem.invokeExact(out, device) == 0 ? out.get(ValueLayout.JAVA_LONG, 0) : 0;
                    gpus.add(new GpuInfo(ordinal, deviceName, major, minor, memory));
                }
                return new Probe(true, "", version, gpus);
            }
        } catch (Throwable t) {
            return Probe.absent("the NVIDIA driver could not be asked: " + firstLine(t));
        }
    }

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor descriptor) {
        return linker.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no " + name)),
                descriptor);
    }

    static String firstLine(Throwable t) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
