package io.statim.runtime.cuda.tensorrt;

import io.statim.runtime.cuda.GpuInfo;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a serialized TensorRT engine depends on, and so the name it is cached under: the model's
 * bytes, the GPU (name and compute capability: an engine built on one GPU model may not run, or not
 * run well, on another), TensorRT's exact version (engines do not cross versions), and the build
 * settings (profile, precision, workspace, optimization level). Two keys are equal exactly when an
 * engine built for one serves the other.
 *
 * @param modelSha256     hex SHA-256 of the model files ({@link ModelFiles#sha256})
 * @param gpuName         the GPU's name, as the driver says
 * @param computeCapability e.g. {@code 9.0}
 * @param tensorRtVersion TensorRT's library version, e.g. {@code 10.12.0} (build number included when known)
 * @param profile         the optimization profile's {@link ProfileShapes#canonical()} text
 * @param build           the build settings ({@link TensorRtOptions} that change the engine)
 */
public record EngineKey(String modelSha256, String gpuName, String computeCapability, String tensorRtVersion, String profile, String build) {
    /** Bumped when the key's recipe or the cache layout changes, so old entries are never misread. */
    static final int FORMAT = 1;

    public EngineKey {
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(gpuName, "gpuName");
        Objects.requireNonNull(computeCapability, "computeCapability");
        Objects.requireNonNull(tensorRtVersion, "tensorRtVersion");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(build, "build");
    }

    /** The key of a model's engine on a GPU. */
    public static EngineKey of(String modelSha256, GpuInfo gpu, String tensorRtVersion, ProfileShapes profile, TensorRtOptions options) {
        return new EngineKey(modelSha256, gpu.name(), gpu.computeCapability(), tensorRtVersion, profile.canonical(), options.engineDescription());
    }

    /** The text hashed into {@link #digest()}: every field, one per line, labelled. Also written beside the engine. */
    public String describe() {
        return "format: " + FORMAT + "\n"
                + "model_sha256: " + modelSha256 + "\n"
                + "gpu: " + gpuName + "\n"
                + "compute_capability: " + computeCapability + "\n"
                + "tensorrt: " + tensorRtVersion + "\n"
                + "profile: " + profile + "\n"
                + "build: " + build + "\n";
    }

    /** Hex SHA-256 of {@link #describe()}: 64 characters, the file name of the engine. */
    public String digest() {
        return sha256Hex(describe().getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
