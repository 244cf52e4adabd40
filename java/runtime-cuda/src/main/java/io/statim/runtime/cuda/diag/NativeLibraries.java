package io.statim.runtime.cuda.diag;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/**
 * Versions of the NVIDIA libraries on the library path, asked through the FFM API without loading
 * JavaCPP: what {@code statim doctor} reports even where the Java bindings are not installed. Each
 * answer is empty when the library is not there. Any thread.
 */
@SuppressWarnings("restricted") // native access is what this class is for; java runs with --enable-native-access
public final class NativeLibraries {
    private NativeLibraries() {
    }

    /** The CUDA runtime's version ({@code cudaRuntimeGetVersion}), first of the sonames given, as {@code 12090}. */
    public static Optional<Integer> cudaRuntimeVersion(List<String> sonames) {
        for (String soname : sonames) {
            Optional<Integer> v = callIntOut(soname, "cudaRuntimeGetVersion");
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    /** TensorRT's {@code getInferLibVersion()} from {@code libnvinfer.so.10}, as {@code 101200}. */
    public static Optional<Integer> tensorRtVersion() {
        return callInt("libnvinfer.so.10", "getInferLibVersion");
    }

    /** cuDNN's {@code cudnnGetVersion()} from {@code libcudnn.so.9}, as {@code 91000}. */
    public static Optional<Long> cudnnVersion() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup("libcudnn.so.9", arena);
            MemorySegment symbol = lib.find("cudnnGetVersion").orElse(null);
            if (symbol == null) {
                return Optional.empty();
            }
            MethodHandle h = Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_LONG));
            return Optional.of((long) h.invokeExact());
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> callInt(String soname, String function) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(soname, arena);
            MemorySegment symbol = lib.find(function).orElse(null);
            if (symbol == null) {
                return Optional.empty();
            }
            MethodHandle h = Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT));
            return Optional.of((int) h.invokeExact());
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> callIntOut(String soname, String function) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(soname, arena);
            MemorySegment symbol = lib.find(function).orElse(null);
            if (symbol == null) {
                return Optional.empty();
            }
            MethodHandle h = Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            int status = (int) h.invokeExact(out);
            return status == 0 ? Optional.of(out.get(ValueLayout.JAVA_INT, 0)) : Optional.empty();
        } catch (Throwable t) {
            return Optional.empty();
        }
    }
}
