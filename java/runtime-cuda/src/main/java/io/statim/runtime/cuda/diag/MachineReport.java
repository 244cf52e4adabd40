package io.statim.runtime.cuda.diag;

import io.statim.runtime.cuda.CudaRuntime;
import io.statim.runtime.cuda.CudaVersions;
import io.statim.runtime.cuda.GpuInfo;
import io.statim.runtime.cuda.NvidiaDriver;
import io.statim.runtime.cuda.kernels.KernelLibrary;
import io.statim.runtime.cuda.tensorrt.TensorRt;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code statim doctor} says about the machine: Java, OS, CPU and its features, and where present
 * the NVIDIA driver, the GPUs, the CUDA runtime, cuDNN, TensorRT, the Java bindings and Statim's
 * kernels. Asking never throws and never prints a stack trace; on a machine without a GPU the GPU part
 * is one line. Any thread.
 */
public final class MachineReport {
    /** The CUDA major version of the GPU stack (JavaCPP 1.5.12's presets, ONNX Runtime's GPU jar). */
    public static final int CUDA_MAJOR = 12;

    private MachineReport() {
    }

    /** True when a driver and at least one GPU are there. */
    public static boolean hasGpu() {
        return NvidiaDriver.probe().hasGpu();
    }

    /** The report's lines. */
    public static List<String> lines() {
        List<String> lines = new ArrayList<>();
        Runtime rt = Runtime.getRuntime();
        lines.add("Java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + "), max heap " + (rt.maxMemory() >> 20) + " MiB");
        lines.add("OS: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        CpuFeatures cpu = CpuFeatures.local();
        lines.add("CPU: " + cpu.model() + ", " + rt.availableProcessors() + " cores available; features: "
                + (cpu.features().isEmpty() ? "none of interest found" : String.join(" ", cpu.features())));
        NvidiaDriver.Probe driver = NvidiaDriver.probe();
        if (!driver.hasGpu()) {
            lines.add("GPU: none (" + (driver.present() ? "the NVIDIA driver sees no CUDA device" : driver.reason()) + ")");
            return lines;
        }
        lines.add("NVIDIA driver: supports CUDA up to " + driver.driverCudaVersion());
        for (GpuInfo gpu : driver.gpus()) {
            lines.add(String.format(Locale.ROOT, "GPU %d: %s, compute capability %s (%s), %.1f GiB", gpu.ordinal(), gpu.name(),
                    gpu.computeCapability(), gpu.smName(), gpu.totalMemoryBytes() / (double) (1L << 30)));
        }
        lines.add("CUDA runtime: " + cudaRuntime());
        lines.add("cuDNN: " + NativeLibraries.cudnnVersion().map(MachineReport::cudnn).orElse("not found (libcudnn.so.9; ONNX Runtime's CUDA provider needs it)"));
        lines.add("TensorRT: " + NativeLibraries.tensorRtVersion().map(v -> TensorRt.formatVersion(v, 0)
                + (v / 100 == 1012 ? "" : " (the bindings are built for " + TensorRt.BOUND_VERSION + ")"))
                .orElse("not found (libnvinfer.so.10)"));
        CudaRuntime.Availability cuda = CudaRuntime.availability();
        lines.add("Java CUDA bindings (JavaCPP): " + (cuda.available() ? "loaded, runtime " + CudaVersions.format(cuda.runtimeVersion())
                : "not usable: " + cuda.reason()));
        if (cuda.available()) {
            TensorRt.Availability trt = TensorRt.availability();
            lines.add("Java TensorRT bindings (JavaCPP): " + (trt.available() ? "loaded, TensorRT " + trt.version() : "not usable: " + trt.reason()));
        }
        KernelLibrary.Found kernels = KernelLibrary.find(KernelLibrary.Build.CUDA);
        lines.add("Statim kernels: " + (kernels.present() ? kernels.library().path() + " (sm_80, sm_90)" : kernels.reason()));
        return lines;
    }

    private static String cudaRuntime() {
        Optional<Integer> stack = NativeLibraries.cudaRuntimeVersion(List.of("libcudart.so." + CUDA_MAJOR));
        if (stack.isPresent()) {
            return CudaVersions.format(stack.get()) + " (libcudart.so." + CUDA_MAJOR + ")";
        }
        Optional<Integer> other = NativeLibraries.cudaRuntimeVersion(List.of("libcudart.so.13", "libcudart.so.11"));
        return "libcudart.so." + CUDA_MAJOR + " not found" + other.map(v -> "; found CUDA " + CudaVersions.format(v)
                + ", which is not the CUDA " + CUDA_MAJOR + " that Statim's GPU stack is built for").orElse("");
    }

    private static String cudnn(long version) {
        return (version / 10000) + "." + (version / 100) % 100 + "." + version % 100;
    }
}
