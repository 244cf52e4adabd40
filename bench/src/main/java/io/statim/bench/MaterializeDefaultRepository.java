package io.statim.bench;

import io.statim.server.DefaultRepository;
import java.nio.file.Path;

/** Writes the embedded default repository under a cache folder and prints its root, for bench scripts. */
public final class MaterializeDefaultRepository {
    private MaterializeDefaultRepository() {
    }

    /** Usage: {@code MaterializeDefaultRepository CACHE_DIR}. */
    public static void main(String[] args) {
        System.out.println(DefaultRepository.materialize(Path.of(args[0])));
    }
}
