package io.statim.model.repository;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.ModelConfigParser;
import io.statim.model.config.VersionPolicy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A model repository laid out as Triton's: {@code <root>/<model>/config.pbtxt} and
 * {@code <root>/<model>/<version>/model.onnx} (or the config's {@code default_model_filename}).
 * Version directories are named by positive integers without a leading zero; other entries are
 * ignored, as in Triton.
 *
 * <p>Reads the file system on every call and holds no state besides the root; safe for any thread.
 * Errors name paths relative to the root, never absolute ones.
 */
public final class ModelRepository {
    /** The config file name in each model directory. */
    public static final String CONFIG_FILE = "config.pbtxt";

    private final Path root;

    public ModelRepository(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    public Path root() {
        return root;
    }

    /**
     * The names of the models in the repository: subdirectories holding a {@code config.pbtxt}, sorted.
     *
     * @throws StatusException INVALID_ARGUMENT when the root cannot be listed
     */
    public List<String> modelNames() {
        List<String> names = new ArrayList<>();
        for (Path dir : list(root, "the model repository")) {
            if (Files.isRegularFile(dir.resolve(CONFIG_FILE))) {
                names.add(dir.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * Loads and validates one model.
     *
     * @throws StatusException NOT_FOUND when there is no such model directory; INVALID_ARGUMENT when its
     *     config is missing or invalid, no version directory is selected by its version policy, a
     *     version listed by a {@code specific} policy is missing, or a served version lacks its model file
     */
    public ModelSource load(String name) {
        Path modelDir = modelDir(name);
        Path configFile = modelDir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw invalid("model '" + name + "' has no " + relative(configFile));
        }
        ModelConfig config = ModelConfigParser.parse(read(configFile), relative(configFile), name);
        ModelSource source = new ModelSource(config, modelDir, versionDirs(modelDir));
        checkServable(source);
        return source;
    }

    private Path modelDir(String name) {
        Path dir = name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")
                ? null
                : root.resolve(name);
        if (dir == null || !Files.isDirectory(dir)) {
            throw new StatusException(Code.NOT_FOUND, "model '" + name + "' is not in the repository");
        }
        return dir;
    }

    private SortedMap<Long, Path> versionDirs(Path modelDir) {
        SortedMap<Long, Path> versions = new TreeMap<>();
        for (Path dir : list(modelDir, relative(modelDir))) {
            String dirName = dir.getFileName().toString();
            if (Files.isDirectory(dir) && dirName.matches("[1-9][0-9]{0,17}")) {
                versions.put(Long.parseLong(dirName), dir);
            }
        }
        return versions;
    }

    private void checkServable(ModelSource source) {
        VersionPolicy policy = source.config().versionPolicy();
        SortedSet<Long> available = new TreeSet<>(source.versionDirs().keySet());
        if (policy instanceof VersionPolicy.Specific specific) {
            for (long version : specific.versions()) {
                if (!available.contains(version)) {
                    throw invalid("model '" + source.name() + "': version " + version + " of version_policy "
                            + policy + " has no directory " + relative(source.modelDir().resolve(Long.toString(version))));
                }
            }
        }
        SortedSet<Long> served = source.servedVersions();
        if (served.isEmpty()) {
            throw invalid("model '" + source.name() + "' has no version directory for version_policy " + policy
                    + " in " + relative(source.modelDir()) + " (found " + available + ")");
        }
        for (long version : served) {
            Path file = source.modelFile(version);
            if (!Files.isRegularFile(file)) {
                throw invalid("model '" + source.name() + "' version " + version + " has no model file "
                        + relative(file));
            }
        }
    }

    private List<Path> list(Path dir, String what) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new StatusException(Status.invalidArgument("cannot list " + what + ": " + e.getClass().getSimpleName()), e);
        }
    }

    private String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StatusException(Status.invalidArgument("cannot read " + relative(file) + " as UTF-8 text: "
                    + e.getClass().getSimpleName()), e);
        }
    }

    private String relative(Path path) {
        return root.relativize(path).toString().replace('\\', '/');
    }

    private static StatusException invalid(String message) {
        return new StatusException(Code.INVALID_ARGUMENT, message);
    }
}
