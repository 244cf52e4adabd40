package io.statim.runtime.cuda.tensorrt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The identity of a model version's files for the engine cache: a SHA-256 over the model file and
 * every other regular file of its version folder (ONNX external weights live beside the model), in
 * name order, each with its name. Reads every byte once per load; stateless.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * Hex SHA-256 of {@code modelFile} and its siblings.
     *
     * @throws UncheckedIOException when a file cannot be read
     */
    public static String sha256(Path modelFile) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            Path dir = modelFile.toAbsolutePath().getParent();
            List<Path> files;
            try (Stream<Path> listing = Files.list(dir)) {
                files = listing.filter(Files::isRegularFile).sorted().toList();
            }
            byte[] buffer = new byte[1 << 16];
            for (Path file : files) {
                digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                try (InputStream in = Files.newInputStream(file)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        digest.update(buffer, 0, n);
                    }
                }
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model files beside " + modelFile, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
