package io.statim.runtime.cuda.kernels;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.runtime.cuda.CudaStatus;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Statim's kernels (native/include/statim_kernels.h) called through the FFM API: downcall handles
 * bound once per library, no JNI. The {@link Build#CUDA} library takes device pointers and queues
 * its work on the stream given; the {@link Build#HOST} library runs the same element code on host
 * memory at once, so the bindings are tested on every machine.
 *
 * <p>Every call returns normally or throws a {@link StatusException} naming the kernel and the CUDA
 * error. Thread-safe (the handles are immutable); each call is as thread-safe as the stream passed.
 */
@SuppressWarnings("restricted") // native access is what this class is for; java runs with --enable-native-access
public final class KernelLibrary {
    /** Which build of the library. */
    public enum Build {
        /** {@code libstatim_kernels.so}: CUDA kernels for sm_80 and sm_90. */
        CUDA("libstatim_kernels.so"),
        /** {@code libstatim_kernels_cpu.so}: the same ABI on the host. */
        HOST("libstatim_kernels_cpu.so");

        /** The file name CMake gives it. */
        public final String fileName;

        Build(String fileName) {
            this.fileName = fileName;
        }
    }

    /** The ABI version this binding speaks (STATIM_KERNELS_ABI_VERSION). */
    public static final int ABI_VERSION = 1;
    /** The system property naming the folder of the libraries; the environment variable is STATIM_KERNELS_DIR. */
    public static final String DIR_PROPERTY = "statim.kernels.dir";

    private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;

    private final Build build;
    private final Path path;
    private final MethodHandle errorName;
    private final MethodHandle packPadded;
    private final MethodHandle unpackPadded;
    private final MethodHandle f32ToF16;
    private final MethodHandle f16ToF32;
    private final MethodHandle f32ToBf16;
    private final MethodHandle bf16ToF32;
    private final MethodHandle gatherRows;

    private KernelLibrary(Build build, Path path, SymbolLookup lib) throws Throwable {
        this.build = build;
        this.path = path;
        Linker linker = Linker.nativeLinker();
        MethodHandle abi = linker.downcallHandle(symbol(lib, "statim_kernels_abi_version"), FunctionDescriptor.of(INT));
        int version = (int) abi.invokeExact();
        if (version != ABI_VERSION) {
            throw new IllegalStateException(path + " speaks ABI " + version + ", this binding " + ABI_VERSION + ": rebuild native/");
        }
        MethodHandle isCuda = linker.downcallHandle(symbol(lib, "statim_kernels_is_cuda"), FunctionDescriptor.of(INT));
        if (((int) isCuda.invokeExact() == 1) != (build == Build.CUDA)) {
            throw new IllegalStateException(path + " is not the " + build + " build");
        }
        errorName = linker.downcallHandle(symbol(lib, "statim_error_name"), FunctionDescriptor.of(ADDRESS, INT));
        FunctionDescriptor padded = FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, INT, INT, INT, INT, LONG, ADDRESS);
        packPadded = linker.downcallHandle(symbol(lib, "statim_pack_padded"), padded);
        unpackPadded = linker.downcallHandle(symbol(lib, "statim_unpack_padded"),
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, INT, INT, INT, INT, ADDRESS));
        FunctionDescriptor cast = FunctionDescriptor.of(INT, ADDRESS, ADDRESS, LONG, ADDRESS);
        f32ToF16 = linker.downcallHandle(symbol(lib, "statim_cast_f32_to_f16"), cast);
        f16ToF32 = linker.downcallHandle(symbol(lib, "statim_cast_f16_to_f32"), cast);
        f32ToBf16 = linker.downcallHandle(symbol(lib, "statim_cast_f32_to_bf16"), cast);
        bf16ToF32 = linker.downcallHandle(symbol(lib, "statim_cast_bf16_to_f32"), cast);
        gatherRows = linker.downcallHandle(symbol(lib, "statim_gather_rows"),
                FunctionDescriptor.of(INT, ADDRESS, ADDRESS, ADDRESS, LONG, LONG, LONG, ADDRESS));
    }

    /**
     * The outcome of looking for a library: the library, or why there is none (one line).
     *
     * @param library the loaded library, or {@code null}
     * @param reason  why it is missing; empty when found
     */
    public record Found(KernelLibrary library, String reason) {
        public boolean present() {
            return library != null;
        }
    }

    /**
     * Looks for a build in {@code -Dstatim.kernels.dir}, {@code $STATIM_KERNELS_DIR}, {@code native/build}
     * of the working directory and of its parents (tests run in a module folder), {@code /opt/statim/lib},
     * then {@code java.library.path}; loads the first found. Never throws.
     */
    public static Found find(Build build) {
        List<Path> tried = new ArrayList<>();
        for (Path dir : searchPath()) {
            Path candidate = dir.resolve(build.fileName);
            tried.add(candidate);
            if (Files.isRegularFile(candidate)) {
                try {
                    return new Found(load(build, candidate), "");
                } catch (StatusException e) {
                    return new Found(null, e.getMessage());
                }
            }
        }
        return new Found(null, build.fileName + " is not built (cmake -S cmake -B native/build && cmake --build native/build); looked in "
                + tried.size() + " places, first " + (tried.isEmpty() ? "none" : tried.getFirst().getParent()));
    }

    /**
     * Loads a build from a file.
     *
     * @throws StatusException FAILED_PRECONDITION when it does not load or is not the build or ABI expected
     */
    public static KernelLibrary load(Build build, Path file) {
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup(file, Arena.global());
            return new KernelLibrary(build, file, lib);
        } catch (Throwable t) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().lines().findFirst().orElse("");
            throw new StatusException(Code.FAILED_PRECONDITION, "cannot load " + file + ": " + message);
        }
    }

    public Build build() {
        return build;
    }

    public Path path() {
        return path;
    }

    /** The library's name for a status (cudaGetErrorName in the CUDA build). */
    public String errorName(int status) {
        try {
            MemorySegment name = (MemorySegment) errorName.invokeExact(status);
            return name.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return CudaStatus.knownName(status);
        }
    }

    /** See {@link CpuKernels#packPadded}; {@code offsets} (INT64) and {@code lengths} (INT32) hold {@code rows} entries. */
    public void packPadded(MemorySegment dst, MemorySegment src, MemorySegment offsets, MemorySegment lengths, int rows, int maxLen,
            int width, int elemBytes, long padBits, MemorySegment stream) {
        int status;
        try {
            status = (int) packPadded.invokeExact(dst, src, offsets, lengths, rows, maxLen, width, elemBytes, padBits, stream);
        } catch (Throwable t) {
            throw failed("statim_pack_padded", t);
        }
        check(status, "statim_pack_padded(" + rows + " rows, " + maxLen + " x " + width + " x " + elemBytes + " bytes)");
    }

    /** See {@link CpuKernels#unpackPadded}. */
    public void unpackPadded(MemorySegment dst, MemorySegment src, MemorySegment offsets, MemorySegment lengths, int rows, int maxLen,
            int width, int elemBytes, MemorySegment stream) {
        int status;
        try {
            status = (int) unpackPadded.invokeExact(dst, src, offsets, lengths, rows, maxLen, width, elemBytes, stream);
        } catch (Throwable t) {
            throw failed("statim_unpack_padded", t);
        }
        check(status, "statim_unpack_padded(" + rows + " rows, " + maxLen + " x " + width + " x " + elemBytes + " bytes)");
    }

    /** FP32 to FP16, {@code n} values. */
    public void castF32ToF16(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        cast(f32ToF16, "statim_cast_f32_to_f16", dst, src, n, stream);
    }

    /** FP16 to FP32. */
    public void castF16ToF32(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        cast(f16ToF32, "statim_cast_f16_to_f32", dst, src, n, stream);
    }

    /** FP32 to BF16. */
    public void castF32ToBf16(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        cast(f32ToBf16, "statim_cast_f32_to_bf16", dst, src, n, stream);
    }

    /** BF16 to FP32. */
    public void castBf16ToF32(MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        cast(bf16ToF32, "statim_cast_bf16_to_f32", dst, src, n, stream);
    }

    /** See {@link CpuKernels#gatherRows}; {@code slots} (INT64) holds {@code rows} entries. */
    public void gatherRows(MemorySegment dst, MemorySegment pool, MemorySegment slots, long rows, long slotCount, long rowBytes,
            MemorySegment stream) {
        int status;
        try {
            status = (int) gatherRows.invokeExact(dst, pool, slots, rows, slotCount, rowBytes, stream);
        } catch (Throwable t) {
            throw failed("statim_gather_rows", t);
        }
        check(status, "statim_gather_rows(" + rows + " rows of " + rowBytes + " bytes)");
    }

    private void cast(MethodHandle handle, String name, MemorySegment dst, MemorySegment src, long n, MemorySegment stream) {
        int status;
        try {
            status = (int) handle.invokeExact(dst, src, n, stream);
        } catch (Throwable t) {
            throw failed(name, t);
        }
        check(status, name + "(" + n + " values)");
    }

    private void check(int status, String call) {
        if (status != CudaStatus.SUCCESS) {
            throw CudaStatus.error(status, call, this::errorName);
        }
    }

    private static StatusException failed(String name, Throwable t) {
        return new StatusException(Code.INTERNAL, name + " could not be called: " + t);
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("missing symbol " + name));
    }

    private static List<Path> searchPath() {
        List<Path> dirs = new ArrayList<>();
        String property = System.getProperty(DIR_PROPERTY);
        if (property != null && !property.isBlank()) {
            dirs.add(Path.of(property));
        }
        String env = System.getenv("STATIM_KERNELS_DIR");
        if (env != null && !env.isBlank()) {
            dirs.add(Path.of(env));
        }
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; dir != null && up < 4; up++, dir = dir.getParent()) {
            dirs.add(dir.resolve("native").resolve("build"));
        }
        dirs.add(Path.of("/opt/statim/lib"));
        String libraryPath = System.getProperty("java.library.path", "");
        for (String entry : libraryPath.split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                dirs.add(Path.of(entry));
            }
        }
        return dirs;
    }
}
