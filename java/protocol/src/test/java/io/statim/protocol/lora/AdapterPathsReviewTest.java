package io.statim.protocol.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review: paths through a link that leads out must not reveal whether the target exists. */
class AdapterPathsReviewTest {
    @TempDir
    Path tmp;

    private static Code codeOf(Runnable r) {
        Throwable t = catchThrowable(r::run);
        return t == null ? Code.OK : ((StatusException) t).code();
    }

    @Test
    void aMissingPathBehindALinkOutIsRefusedLikeAnExistingOne() throws IOException {
        Path modelDir = Files.createDirectories(tmp.resolve("repo/m"));
        Path root = Files.createDirectories(tmp.resolve("adapters"));
        Path secrets = Files.createDirectories(tmp.resolve("secrets"));
        Files.createDirectories(secrets.resolve("exists"));
        Files.createSymbolicLink(root.resolve("out"), secrets);
        Files.createSymbolicLink(modelDir.resolve("out"), secrets);
        AdapterPaths paths = new AdapterPaths(List.of(root));

        // Both answers must be the same 403; today the missing one passes the check (and registration then says NOT_FOUND).
        assertThat(codeOf(() -> paths.check(modelDir, root.resolve("out/exists").toString()))).isEqualTo(Code.PERMISSION_DENIED);
        assertThat(codeOf(() -> paths.check(modelDir, root.resolve("out/missing").toString()))).isEqualTo(Code.PERMISSION_DENIED);
        assertThat(codeOf(() -> paths.check(modelDir, "out/missing"))).isEqualTo(Code.PERMISSION_DENIED);
    }

    @Test
    void aDanglingLinkOutIsRefused() throws IOException {
        Path modelDir = Files.createDirectories(tmp.resolve("repo/m"));
        Files.createSymbolicLink(modelDir.resolve("dangling"), tmp.resolve("not-there-yet"));
        assertThat(codeOf(() -> AdapterPaths.modelDirectoryOnly().check(modelDir, "dangling"))).isEqualTo(Code.PERMISSION_DENIED);
    }

    @Test
    void prefixAndTrailingSlashAndRelativeRoots() throws IOException {
        Path modelDir = Files.createDirectories(tmp.resolve("repo/m"));
        Path root = Files.createDirectories(tmp.resolve("data/adapters"));
        Files.createDirectories(tmp.resolve("data/adapters-evil/x"));
        AdapterPaths slash = new AdapterPaths(List.of(Path.of(root + "/")));
        assertThat(codeOf(() -> slash.check(modelDir, tmp.resolve("data/adapters-evil/x").toString()))).isEqualTo(Code.PERMISSION_DENIED);
        assertThat(codeOf(() -> slash.check(modelDir, root.resolve("y").toString()))).isEqualTo(Code.OK);
        Path cwd = Path.of("").toAbsolutePath();
        AdapterPaths relative = new AdapterPaths(List.of(cwd.relativize(root)));
        assertThat(codeOf(() -> relative.check(modelDir, root.resolve("y").toString()))).isEqualTo(Code.OK);
        assertThat(codeOf(() -> relative.check(modelDir, tmp.resolve("data/adapters-evil/x").toString()))).isEqualTo(Code.PERMISSION_DENIED);
    }

    @Test
    void filesInsideAnAllowedFolderThatLinkOutAreNotChecked() throws IOException {
        Path modelDir = Files.createDirectories(tmp.resolve("repo/m"));
        Path folder = Files.createDirectories(modelDir.resolve("a"));
        Path secret = Files.writeString(tmp.resolve("secret.json"), "root:x:0:0");
        Files.createSymbolicLink(folder.resolve("adapter_config.json"), secret);
        // The folder check passes; registration would then read the secret file through the link.
        assertThat(codeOf(() -> AdapterPaths.modelDirectoryOnly().check(modelDir, "a"))).isEqualTo(Code.PERMISSION_DENIED);
    }
}
