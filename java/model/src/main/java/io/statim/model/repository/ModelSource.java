package io.statim.model.repository;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.config.ModelConfig;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A model as found in a repository: its validated config, its directory, and every numeric version
 * directory on disk (served or not). Immutable; safe for any thread.
 *
 * @param config the validated {@code config.pbtxt}
 * @param modelDir {@code <repo>/<model>}
 * @param versionDirs version number to {@code <repo>/<model>/<version>}, for every version directory
 */
public record ModelSource(ModelConfig config, Path modelDir, SortedMap<Long, Path> versionDirs) {

    public ModelSource {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(modelDir, "modelDir");
        versionDirs = Collections.unmodifiableSortedMap(new TreeMap<>(versionDirs));
    }

    /** The model's name. */
    public String name() {
        return config.name();
    }

    /** The versions the config's version policy selects among those on disk. */
    public SortedSet<Long> servedVersions() {
        return config.versionPolicy().select(Collections.unmodifiableSortedSet(new TreeSet<>(versionDirs.keySet())));
    }

    /**
     * The model file of a version: {@code <version dir>/<default_model_filename>}.
     *
     * @throws StatusException NOT_FOUND when the version has no directory
     */
    public Path modelFile(long version) {
        Path dir = versionDirs.get(version);
        if (dir == null) {
            throw new StatusException(Code.NOT_FOUND, "model '" + name() + "' has no version " + version);
        }
        return dir.resolve(config.defaultModelFilename());
    }
}
