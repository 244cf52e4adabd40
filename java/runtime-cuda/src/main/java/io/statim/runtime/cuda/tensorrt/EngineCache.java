package io.statim.runtime.cuda.tensorrt;

import io.statim.runtime.cuda.GpuInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serialized TensorRT engines and timing caches on disk, so that an engine is built once per
 * (model, GPU, TensorRT version, profile, settings) and a restart loads it in seconds. Layout under
 * the root:
 * <pre>
 *   engines/&lt;model&gt;/&lt;version&gt;/&lt;key digest&gt;.engine   the serialized engine
 *   engines/&lt;model&gt;/&lt;version&gt;/&lt;key digest&gt;.key      {@link EngineKey#describe()} + the engine's SHA-256
 *   timing/&lt;sm_XY&gt;-trt&lt;version&gt;.timing                   TensorRT's timing cache, shared by all models
 * </pre>
 * Files are written to a temporary name and moved into place; the {@code .key} file comes last, so an
 * entry exists only when complete. An entry whose key text or checksum does not match is deleted and
 * rebuilt, never loaded. Engines of other keys are kept (other GPUs may share the folder).
 *
 * <p>Thread-safe for different keys; the backend serializes the builds of one key.
 */
public final class EngineCache {
    private static final Logger LOG = LoggerFactory.getLogger(EngineCache.class);
    private static final String CHECKSUM = "engine_sha256: ";

    private final Path root;

    /** A cache rooted at {@code root} (created when first written). */
    public EngineCache(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Where the engine of a key lives (whether or not it is there). */
    public Path enginePath(String model, long version, EngineKey key) {
        return modelDir(model, version).resolve(key.digest() + ".engine");
    }

    /** Where the key of an engine lives. */
    public Path keyPath(String model, long version, EngineKey key) {
        return modelDir(model, version).resolve(key.digest() + ".key");
    }

    /** Where the timing cache of a GPU architecture and TensorRT version lives. */
    public Path timingCachePath(GpuInfo gpu, String tensorRtVersion) {
        return root.resolve("timing").resolve(gpu.smName() + "-trt" + safe(tensorRtVersion) + ".timing");
    }

    /**
     * The engine file of a key when a complete, matching entry is there. A damaged entry (key text
     * differs, checksum wrong, engine missing) is deleted and reported as absent.
     */
    public Optional<Path> find(String model, long version, EngineKey key) {
        Path engine = enginePath(model, version, key);
        Path keyFile = keyPath(model, version, key);
        if (!Files.isRegularFile(keyFile)) {
            return Optional.empty();
        }
        try {
            String stored = Files.readString(keyFile, StandardCharsets.UTF_8);
            int at = stored.lastIndexOf(CHECKSUM);
            String reason = null;
            if (at < 0 || !stored.substring(0, at).equals(key.describe())) {
                reason = "its key does not match";
            } else if (!Files.isRegularFile(engine)) {
                reason = "the engine file is missing";
            } else if (!stored.substring(at + CHECKSUM.length()).strip().equals(sha256(engine))) {
                reason = "the engine's checksum does not match";
            }
            if (reason != null) {
                LOG.warn("engine cache entry {} of model '{}' v{} is damaged ({}); rebuilding", key.digest(), model, version, reason);
                Files.deleteIfExists(keyFile);
                Files.deleteIfExists(engine);
                return Optional.empty();
            }
            return Optional.of(engine);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the engine cache entry " + keyFile, e);
        }
    }

    /** Stores an engine under its key, replacing any entry of the same key. Returns the engine's path. */
    public Path store(String model, long version, EngineKey key, MemorySegment engine) {
        Path target = enginePath(model, version, key);
        try {
            Files.createDirectories(target.getParent());
            writeAtomically(target, engine);
            String checksum = sha256(target);
            writeAtomically(keyPath(model, version, key),
                    MemorySegment.ofArray((key.describe() + CHECKSUM + checksum + "\n").getBytes(StandardCharsets.UTF_8)));
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the engine cache entry " + target, e);
        }
    }

    /** The timing cache's bytes, or empty when there is none yet. */
    public Optional<byte[]> loadTimingCache(GpuInfo gpu, String tensorRtVersion) {
        Path path = timingCachePath(gpu, tensorRtVersion);
        try {
            return Files.isRegularFile(path) ? Optional.of(Files.readAllBytes(path)) : Optional.empty();
        } catch (IOException e) {
            LOG.warn("cannot read the TensorRT timing cache {}: {}; building without it", path, e.getMessage());
            return Optional.empty();
        }
    }

    /** Replaces the timing cache. A failure is logged, not thrown: the cache only saves build time. */
    public void storeTimingCache(GpuInfo gpu, String tensorRtVersion, MemorySegment bytes) {
        Path path = timingCachePath(gpu, tensorRtVersion);
        try {
            Files.createDirectories(path.getParent());
            writeAtomically(path, bytes);
        } catch (IOException e) {
            LOG.warn("cannot write the TensorRT timing cache {}: {}", path, e.getMessage());
        }
    }

    /** Maps an engine file read-only for as long as {@code arena} lives. */
    public static MemorySegment map(Path engine, Arena arena) {
        try (FileChannel channel = FileChannel.open(engine, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map the engine " + engine, e);
        }
    }

    private Path modelDir(String model, long version) {
        return root.resolve("engines").resolve(safe(model)).resolve(Long.toString(version));
    }

    /** A path segment: letters, digits, '.', '_' and '-' stay, anything else becomes '_'. */
    static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.equals(".") || s.equals("..") ? "_" + s : s;
    }

    private static void writeAtomically(Path target, MemorySegment bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buffer = bytes.asByteBuffer();
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
