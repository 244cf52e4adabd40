package io.statim.protocol.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapter registrations stay inside the model's directory and the --adapter-root folders, links followed. */
class AdapterPathsTest {
    @TempDir
    Path tmp;
    private Path modelDir;
    private Path shared;
    private Path elsewhere;

    @BeforeEach
    void folders() throws IOException {
        modelDir = Files.createDirectories(tmp.resolve("repo/lora_toy"));
        Files.createDirectories(modelDir.resolve("adapters/a"));
        shared = Files.createDirectories(tmp.resolve("shared-adapters"));
        Files.createDirectories(shared.resolve("b"));
        elsewhere = Files.createDirectories(tmp.resolve("secrets"));
    }

    private static void assertDenied(AdapterPaths paths, Path modelDir, String path) {
        assertThatThrownBy(() -> paths.check(modelDir, path))
                .isInstanceOfSatisfying(StatusException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.PERMISSION_DENIED);
                    assertThat(e.getMessage()).contains("outside the model's directory");
                });
    }

    @Test
    void byDefaultOnlyTheModelsOwnDirectoryIsAllowed() {
        AdapterPaths paths = AdapterPaths.modelDirectoryOnly();
        assertThatCode(() -> paths.check(modelDir, "adapters/a")).doesNotThrowAnyException();
        assertThatCode(() -> paths.check(modelDir, modelDir.resolve("adapters/a").toString())).doesNotThrowAnyException();
        assertDenied(paths, modelDir, shared.resolve("b").toString());
        assertDenied(paths, modelDir, "/etc");
        assertThatThrownBy(() -> paths.check(modelDir, "/etc")).hasMessageContaining("--adapter-root");
    }

    @Test
    void dotDotCannotClimbOutOfTheModelsDirectory() {
        AdapterPaths paths = AdapterPaths.modelDirectoryOnly();
        assertDenied(paths, modelDir, "../../secrets");
        assertDenied(paths, modelDir, "adapters/../../lora_toy_other");
        assertThatCode(() -> paths.check(modelDir, "adapters/../adapters/a")).doesNotThrowAnyException();
    }

    @Test
    void aPathOutsideIsRefusedWithoutSayingWhetherItExists() {
        AdapterPaths paths = AdapterPaths.modelDirectoryOnly();
        String exists = elsewhere.toString();
        String missing = elsewhere.resolve("nothing-here").toString();
        Throwable a = org.assertj.core.api.Assertions.catchThrowable(() -> paths.check(modelDir, exists));
        Throwable b = org.assertj.core.api.Assertions.catchThrowable(() -> paths.check(modelDir, missing));
        assertThat(((StatusException) a).code()).isEqualTo(Code.PERMISSION_DENIED);
        assertThat(((StatusException) b).code()).isEqualTo(Code.PERMISSION_DENIED);
    }

    @Test
    void adapterRootsAreAllowedToo() {
        AdapterPaths paths = new AdapterPaths(List.of(shared));
        assertThatCode(() -> paths.check(modelDir, shared.resolve("b").toString())).doesNotThrowAnyException();
        assertThatCode(() -> paths.check(modelDir, shared.resolve("not-yet").toString()))
                .as("a missing folder inside a root is left to registration's NOT_FOUND").doesNotThrowAnyException();
        assertDenied(paths, modelDir, elsewhere.toString());
        assertThatThrownBy(() -> paths.check(modelDir, elsewhere.toString()))
                .hasMessageContaining("--adapter-root").as("the server's own folders are not named")
                .hasMessageNotContaining(shared.toString());
    }

    @Test
    void whatIsRegisteredIsThePathWithItsLinksFollowed() throws IOException {
        Files.createSymbolicLink(modelDir.resolve("adapters/alias"), modelDir.resolve("adapters/a"));
        String checked = AdapterPaths.modelDirectoryOnly().check(modelDir, "adapters/alias");
        assertThat(Path.of(checked)).isEqualTo(modelDir.resolve("adapters/a").toRealPath());
        assertThat(AdapterPaths.modelDirectoryOnly().check(modelDir, "adapters/not-yet"))
                .as("a missing folder: its existing part's links followed, the rest kept")
                .isEqualTo(modelDir.resolve("adapters").toRealPath().resolve("not-yet").toString());
    }

    @Test
    void aLinkInsideAnAllowedFolderThatLeadsOutIsRefused() throws IOException {
        Files.createSymbolicLink(modelDir.resolve("adapters/escape"), elsewhere);
        Files.createSymbolicLink(modelDir.resolve("adapters/to-shared"), shared.resolve("b"));
        assertDenied(AdapterPaths.modelDirectoryOnly(), modelDir, "adapters/escape");
        assertDenied(AdapterPaths.modelDirectoryOnly(), modelDir, "adapters/to-shared");
        assertThatCode(() -> new AdapterPaths(List.of(shared)).check(modelDir, "adapters/to-shared")).doesNotThrowAnyException();
    }

    @Test
    void aModelDirectoryReachedThroughALinkStillHoldsItsAdapters() throws IOException {
        Path linkedRepo = Files.createSymbolicLink(tmp.resolve("repo-link"), tmp.resolve("repo"));
        Path linkedModelDir = linkedRepo.resolve("lora_toy");
        assertThatCode(() -> AdapterPaths.modelDirectoryOnly().check(linkedModelDir, "adapters/a")).doesNotThrowAnyException();
    }

    @Test
    void aPathThatIsNotOneIsABadArgument() {
        assertThatThrownBy(() -> AdapterPaths.modelDirectoryOnly().check(modelDir, "bad\0path"))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_ARGUMENT));
    }
}
