package io.statim.protocol.lora;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.lora.PeftAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the adapter API may read adapters from: the base model's own directory, and the folders
 * given with {@code --adapter-root}. A path a caller sends is refused with PERMISSION_DENIED before
 * anything is read when it lies outside them, written or through a symbolic link, so that the API
 * cannot be used to probe or read the server's other files. Adapters named in a model's
 * {@code config.pbtxt} are the repository owner's and are not checked.
 *
 * <p>What is not covered: a link inside a root that is changed after registration to point outside
 * it is followed when the adapter is next read from disk. Thread-safe (immutable).
 */
public final class AdapterPaths {
    private final List<Path> roots;

    /** @param roots folders beyond each model's own directory that adapters may be read from */
    public AdapterPaths(List<Path> roots) {
        List<Path> absolute = new ArrayList<>(roots.size());
        for (Path root : roots) {
            absolute.add(root.toAbsolutePath().normalize());
        }
        this.roots = List.copyOf(absolute);
    }

    /** Only each model's own directory. */
    public static AdapterPaths modelDirectoryOnly() {
        return new AdapterPaths(List.of());
    }

    /** The folders beyond each model's own directory. */
    public List<Path> roots() {
        return roots;
    }

    /**
     * Checks that {@code path} (absolute, or relative to {@code modelDir}, as registration resolves
     * it) lies inside an allowed folder once the links of its existing part are followed, and that
     * the adapter files in it do too. A missing path inside one passes (registration then answers
     * NOT_FOUND).
     *
     * @return the path to register: {@code path} with its links followed, so that a link changed
     *         between this check and the registration's reads is not followed again ({@code path}
     *         itself when it is null or blank: registration says what is missing)
     * @throws StatusException PERMISSION_DENIED when it lies outside; INVALID_ARGUMENT for a path that is not one
     */
    public String check(Path modelDir, String path) {
        if (path == null || path.isBlank()) {
            return path;
        }
        Path resolved;
        try {
            Path p = Path.of(path);
            resolved = (p.isAbsolute() ? p : modelDir.resolve(p)).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, "adapter path '" + path + "' is not a valid path");
        }
        List<Path> allowed = new ArrayList<>(roots.size() + 1);
        allowed.add(modelDir.toAbsolutePath().normalize());
        allowed.addAll(roots);
        if (!insideAny(resolved, allowed)) {
            throw outside(path);
        }
        List<Path> real = new ArrayList<>(allowed.size());
        for (Path root : allowed) {
            try {
                real.add(root.toRealPath());
            } catch (IOException e) {
                // a root that does not exist holds nothing
            }
        }
        // Where the path leads once the links of its existing part are followed: a missing folder behind a
        // link that leads out is refused like an existing one, so the answer never says which it is.
        Path checked = realPath(resolved, path);
        if (!insideAny(checked, real)) {
            throw outside(path);
        }
        // The files registration reads must not lead out either.
        for (String file : List.of(PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE, PeftAdapter.PICKLE_WEIGHTS_FILE)) {
            Path f = resolved.resolve(file);
            if (Files.exists(f, LinkOption.NOFOLLOW_LINKS) && !insideAny(realPath(f, path), real)) {
                throw outside(path);
            }
        }
        return checked.toString();
    }

    /** The real path of {@code resolved}'s longest existing prefix, with the rest appended; a dangling link or loop is outside. */
    private Path realPath(Path resolved, String path) {
        Path existing = resolved;
        while (existing.getParent() != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(resolved));
        } catch (IOException e) {
            throw outside(path);
        }
    }

    private static boolean insideAny(Path path, List<Path> folders) {
        for (Path folder : folders) {
            if (path.startsWith(folder)) {
                return true;
            }
        }
        return false;
    }

    private StatusException outside(String path) {
        // The allowed folders are not named: they are the server's own paths.
        return new StatusException(Code.PERMISSION_DENIED, "adapter path '" + path + "' is outside the model's directory"
                + (roots.isEmpty() ? "; start the server with --adapter-root <folder> to allow adapters from another folder"
                        : " and the server's --adapter-root folders"));
    }
}
