package io.statim.runtime.cuda.diag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The CPU's model and the instruction-set features that matter to inference kernels (ONNX Runtime's
 * MLAS picks its kernels by them), read from {@code /proc/cpuinfo}. Stateless; any thread.
 *
 * @param model    the model name of the first processor, or {@code unknown}
 * @param features the interesting flags present, in {@link #INTERESTING} order
 */
public record CpuFeatures(String model, List<String> features) {
    /** Flags worth reporting, as the kernel names them. */
    public static final List<String> INTERESTING = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
            "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2");

    public CpuFeatures {
        features = List.copyOf(features);
    }

    /** Parses the text of {@code /proc/cpuinfo} (x86 {@code flags} or Arm {@code Features} lines). */
    public static CpuFeatures parse(String cpuinfo) {
        String model = "unknown";
        Set<String> flags = new LinkedHashSet<>();
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (model.equals("unknown") && (key.equals("model name") || key.equals("Model") || key.equals("CPU part"))) {
                model = value;
            } else if (flags.isEmpty() && (key.equals("flags") || key.equals("Features"))) {
                flags.addAll(List.of(value.split("\\s+")));
            }
        }
        List<String> present = new ArrayList<>();
        for (String f : INTERESTING) {
            if (flags.contains(f)) {
                present.add(f);
            }
        }
        return new CpuFeatures(model, present);
    }

    /** This machine's, or {@code unknown} with no features where {@code /proc/cpuinfo} cannot be read. */
    public static CpuFeatures local() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return new CpuFeatures("unknown (/proc/cpuinfo not readable)", List.of());
        }
    }
}
