package io.statim.runtime.cuda.diag;

import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.StatusException;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import io.statim.runtime.cuda.CudaDevice;
import io.statim.runtime.cuda.CudaRuntime;
import io.statim.runtime.cuda.CudaStream;
import io.statim.runtime.cuda.kernels.CpuKernels;
import io.statim.runtime.cuda.kernels.KernelLibrary;
import io.statim.runtime.cuda.tensorrt.TensorRt;
import io.statim.runtime.cuda.tensorrt.TensorRtBackend;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code statim doctor --gpu-selftest}: on GPU 0, allocates device and pinned memory, copies a pattern
 * there and back, runs each of Statim's kernels against its Java reference, then builds and runs a
 * tiny TensorRT engine ({@link SelfTestModel}) from a fresh cache. Each step is reported as it ends;
 * a step whose prerequisite failed is reported as skipped. Never throws.
 */
public final class GpuSelfTest {
    /** The outcome of one step. */
    public enum Outcome {
        PASS, FAIL, SKIP
    }

    /**
     * One step's result.
     *
     * @param name    what was tried
     * @param outcome pass, fail or skip
     * @param detail  why it failed or was skipped, or a figure; may be empty
     * @param millis  how long it took
     */
    public record Step(String name, Outcome outcome, String detail, long millis) {
        /** {@code PASS  copy 64 MiB ... (12 ms)}. */
        public String line() {
            return String.format("%-4s  %s (%d ms)%s", outcome, name, millis, detail.isEmpty() ? "" : ": " + detail);
        }
    }

    private final Consumer<Step> report;
    private final List<Step> steps = new ArrayList<>();

    private GpuSelfTest(Consumer<Step> report) {
        this.report = report;
    }

    /** Runs every step, reporting each as it ends; returns them all. */
    public static List<Step> run(Consumer<Step> report) {
        GpuSelfTest test = new GpuSelfTest(report);
        test.all();
        return test.steps;
    }

    private void all() {
        CudaRuntime.Availability cuda = CudaRuntime.availability();
        if (!step("CUDA runtime loads through JavaCPP", () -> {
            if (!cuda.available()) {
                throw new IllegalStateException(cuda.reason());
            }
        })) {
            skip("every GPU step", "the CUDA runtime is not usable");
            return;
        }
        CudaDevice device;
        try {
            device = CudaDevice.open(CudaDevice.Config.defaults(0));
        } catch (RuntimeException e) {
            record(new Step("open GPU 0", Outcome.FAIL, message(e), 0));
            return;
        }
        try (device; CudaStream stream = device.newStream()) {
            long bytes = 64L << 20;
            step("allocate 64 MiB of device memory and 64 MiB of pinned host memory", () -> {
                device.allocate(bytes, MemoryUse.STAGING).release();
                device.pinned().allocate(bytes, MemoryUse.STAGING).release();
            });
            step("copy 64 MiB host to device to host", () -> copyRoundTrip(device, stream, bytes));
            KernelLibrary.Found found = KernelLibrary.find(KernelLibrary.Build.CUDA);
            if (!step("load Statim's CUDA kernels", () -> {
                if (!found.present()) {
                    throw new IllegalStateException(found.reason());
                }
            })) {
                skip("kernel checks", "the kernel library did not load");
            } else {
                KernelChecks kernels = new KernelChecks(found.library(), device, stream);
                step("kernel pack_padded + unpack_padded against the Java reference", kernels::packUnpack);
                step("kernel cast FP32 <-> FP16 against the Java reference", kernels::castF16);
                step("kernel cast FP32 <-> BF16 against the Java reference", kernels::castBf16);
                step("kernel gather_rows (LoRA slots) against the Java reference", kernels::gather);
            }
            TensorRt.Availability trt = TensorRt.availability();
            if (!step("TensorRT loads through JavaCPP" + (trt.available() ? " (" + trt.version() + ")" : ""), () -> {
                if (!trt.available()) {
                    throw new IllegalStateException(trt.reason());
                }
            })) {
                skip("TensorRT engine", "TensorRT is not usable");
            } else {
                tensorRt(device);
            }
            if (!device.leakReport().isEmpty()) {
                record(new Step("no buffer left leased", Outcome.FAIL, String.join("; ", device.leakReport()), 0));
            }
        } catch (RuntimeException e) {
            record(new Step("release the GPU", Outcome.FAIL, message(e), 0));
        }
    }

    private void tensorRt(CudaDevice device) {
        Path dir;
        try {
            dir = Files.createTempDirectory("statim-selftest");
        } catch (IOException e) {
            record(new Step("TensorRT engine", Outcome.FAIL, "no temporary folder: " + e.getMessage(), 0));
            return;
        }
        try {
            Path repo = dir.resolve("models");
            SelfTestModel.write(repo);
            ModelSource source = new ModelRepository(repo).load(SelfTestModel.NAME);
            TensorRtBackend backend = new TensorRtBackend(dir.resolve("cache"));
            ModelInstance[] instance = new ModelInstance[1];
            if (step("build a TensorRT engine for a tiny ONNX model", () -> instance[0] = backend.load(source, 1,
                    new InstanceSpec(SelfTestModel.NAME + "_0", 0, 0), device))) {
                try (ModelInstance loaded = instance[0]) {
                    step("run the engine on a batch of 2 requests and check every output", () -> SimpleModelCheck.run(loaded));
                }
                step("load the engine again from the engine cache", () -> {
                    try (ModelInstance again = backend.load(source, 1, new InstanceSpec(SelfTestModel.NAME + "_1", 1, 0), device)) {
                        SimpleModelCheck.run(again);
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            record(new Step("TensorRT engine", Outcome.FAIL, message(e), 0));
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void copyRoundTrip(CudaDevice device, CudaStream stream, long bytes) {
        DeviceBuffer in = device.pinned().allocate(bytes, MemoryUse.STAGING);
        DeviceBuffer out = device.pinned().allocate(bytes, MemoryUse.OUTPUT);
        DeviceBuffer gpu = device.allocate(bytes, MemoryUse.STAGING);
        try {
            for (long i = 0; i < bytes / 8; i++) {
                in.segment().setAtIndex(ValueLayout.JAVA_LONG, i, i * 0x9E3779B97F4A7C15L);
            }
            stream.copyToDevice(gpu, 0, in.segment(), bytes);
            stream.copyToHost(out.segment(), gpu, 0, bytes);
            stream.synchronize();
            long at = out.segment().mismatch(in.segment());
            if (at >= 0) {
                throw new IllegalStateException("byte " + at + " differs after the round trip");
            }
        } finally {
            in.release();
            out.release();
            gpu.release();
        }
    }

    /** The kernels on small random data against {@link CpuKernels}. */
    private record KernelChecks(KernelLibrary kernels, CudaDevice device, CudaStream stream) {
        void packUnpack() {
            try (Arena arena = Arena.ofConfined()) {
                int rows = 5;
                int maxLen = 7;
                int width = 3;
                int[] lengths = {7, 0, 3, 1, 6};
                long[] offsets = {0, 7, 7, 10, 11};
                long items = 17;
                MemorySegment src = random(arena, items * width * 4, 1);
                MemorySegment expected = arena.allocate((long) rows * maxLen * width * 4, 16);
                CpuKernels.packPadded(expected, src, offsets, lengths, maxLen, width, 4, 0xFFFF_FFFFL);
                DeviceBuffer dSrc = upload(src);
                DeviceBuffer dOffsets = upload(arena.allocateFrom(ValueLayout.JAVA_LONG, offsets));
                DeviceBuffer dLengths = upload(arena.allocateFrom(ValueLayout.JAVA_INT, lengths));
                DeviceBuffer dPadded = device.allocate(expected.byteSize(), MemoryUse.STAGING);
                DeviceBuffer dBack = device.allocate(src.byteSize(), MemoryUse.STAGING);
                try {
                    kernels.packPadded(dPadded.segment(), dSrc.segment(), dOffsets.segment(), dLengths.segment(), rows, maxLen, width, 4,
                            0xFFFF_FFFFL, stream.handle());
                    same(download(arena, dPadded), expected, "pack");
                    kernels.unpackPadded(dBack.segment(), dPadded.segment(), dOffsets.segment(), dLengths.segment(), rows, maxLen, width, 4,
                            stream.handle());
                    same(download(arena, dBack), src, "unpack");
                } finally {
                    for (DeviceBuffer b : new DeviceBuffer[] {dSrc, dOffsets, dLengths, dPadded, dBack}) {
                        b.release();
                    }
                }
            }
        }

        void castF16() {
            casts(true);
        }

        void castBf16() {
            casts(false);
        }

        private void casts(boolean f16) {
            try (Arena arena = Arena.ofConfined()) {
                int n = 1 << 16;
                MemorySegment floats = arena.allocate(n * 4L, 16);
                Random random = new Random(3);
                for (int i = 0; i < n; i++) {
                    float f = i % 2 == 0 ? (float) random.nextGaussian() * 1000 : Float.intBitsToFloat(random.nextInt());
                    floats.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.isNaN(f) ? 0f : f);
                }
                MemorySegment halves = arena.allocate(n * 2L, 16);
                MemorySegment back = arena.allocate(n * 4L, 16);
                if (f16) {
                    CpuKernels.castF32ToF16(halves, floats, n);
                    CpuKernels.castF16ToF32(back, halves, n);
                } else {
                    CpuKernels.castF32ToBf16(halves, floats, n);
                    CpuKernels.castBf16ToF32(back, halves, n);
                }
                DeviceBuffer dFloats = upload(floats);
                DeviceBuffer dHalves = device.allocate(halves.byteSize(), MemoryUse.STAGING);
                DeviceBuffer dBack = device.allocate(back.byteSize(), MemoryUse.STAGING);
                try {
                    if (f16) {
                        kernels.castF32ToF16(dHalves.segment(), dFloats.segment(), n, stream.handle());
                        kernels.castF16ToF32(dBack.segment(), dHalves.segment(), n, stream.handle());
                    } else {
                        kernels.castF32ToBf16(dHalves.segment(), dFloats.segment(), n, stream.handle());
                        kernels.castBf16ToF32(dBack.segment(), dHalves.segment(), n, stream.handle());
                    }
                    same(download(arena, dHalves), halves, f16 ? "FP32 to FP16" : "FP32 to BF16");
                    same(download(arena, dBack), back, f16 ? "FP16 to FP32" : "BF16 to FP32");
                } finally {
                    dFloats.release();
                    dHalves.release();
                    dBack.release();
                }
            }
        }

        void gather() {
            try (Arena arena = Arena.ofConfined()) {
                long rowBytes = 4 * 48;
                long slotCount = 4;
                long[] slots = {3, 0, 0, -1, 2, 1, 4};
                MemorySegment pool = random(arena, slotCount * rowBytes, 2);
                MemorySegment expected = arena.allocate(slots.length * rowBytes, 16);
                CpuKernels.gatherRows(expected, pool, slots, slotCount, rowBytes);
                DeviceBuffer dPool = upload(pool);
                DeviceBuffer dSlots = upload(arena.allocateFrom(ValueLayout.JAVA_LONG, slots));
                DeviceBuffer dOut = device.allocate(expected.byteSize(), MemoryUse.LORA_SLOTS);
                try {
                    kernels.gatherRows(dOut.segment(), dPool.segment(), dSlots.segment(), slots.length, slotCount, rowBytes, stream.handle());
                    same(download(arena, dOut), expected, "gather");
                } finally {
                    dPool.release();
                    dSlots.release();
                    dOut.release();
                }
            }
        }

        private DeviceBuffer upload(MemorySegment host) {
            DeviceBuffer staging = device.pinned().allocate(host.byteSize(), MemoryUse.STAGING);
            DeviceBuffer buffer = device.allocate(host.byteSize(), MemoryUse.STAGING);
            try {
                staging.segment().copyFrom(host);
                stream.copyToDevice(buffer, 0, staging.segment(), host.byteSize());
                stream.synchronize();
                return buffer;
            } catch (RuntimeException e) {
                buffer.release();
                throw e;
            } finally {
                staging.release();
            }
        }

        private MemorySegment download(Arena arena, DeviceBuffer buffer) {
            DeviceBuffer staging = device.pinned().allocate(buffer.byteSize(), MemoryUse.OUTPUT);
            try {
                stream.copyToHost(staging.segment(), buffer, 0, buffer.byteSize());
                stream.synchronize();
                MemorySegment copy = arena.allocate(buffer.byteSize(), 16);
                copy.copyFrom(staging.segment());
                return copy;
            } finally {
                staging.release();
            }
        }

        private static MemorySegment random(Arena arena, long bytes, long seed) {
            byte[] b = new byte[(int) bytes];
            new Random(seed).nextBytes(b);
            return arena.allocateFrom(ValueLayout.JAVA_BYTE, b);
        }

        private static void same(MemorySegment actual, MemorySegment expected, String what) {
            long at = actual.mismatch(expected);
            if (at >= 0) {
                throw new IllegalStateException(what + ": byte " + at + " differs from the Java reference");
            }
        }
    }

    private boolean step(String name, Runnable body) {
        long start = System.nanoTime();
        try {
            body.run();
            record(new Step(name, Outcome.PASS, "", (System.nanoTime() - start) / 1_000_000));
            return true;
        } catch (RuntimeException | Error e) {
            record(new Step(name, Outcome.FAIL, message(e), (System.nanoTime() - start) / 1_000_000));
            return false;
        }
    }

    private void skip(String name, String why) {
        record(new Step(name, Outcome.SKIP, why, 0));
    }

    private void record(Step step) {
        steps.add(step);
        report.accept(step);
    }

    private static String message(Throwable t) {
        if (t instanceof StatusException s) {
            return s.getMessage();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temporary folder; the OS cleans it eventually
                }
            });
        } catch (IOException e) {
            // nothing to clean
        }
    }
}
