package io.statim.model.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

class VersionPolicyTest {
    private static final SortedSet<Long> AVAILABLE = new TreeSet<>(List.of(1L, 2L, 5L, 10L));

    @Test
    void defaultServesTheHighestVersionOnly() {
        assertThat(VersionPolicy.DEFAULT.select(AVAILABLE)).containsExactly(10L);
    }

    @Test
    void latestServesTheHighestN() {
        assertThat(new VersionPolicy.Latest(2).select(AVAILABLE)).containsExactly(5L, 10L);
    }

    @Test
    void latestServesAllWhenFewerAreAvailable() {
        assertThat(new VersionPolicy.Latest(9).select(AVAILABLE)).containsExactly(1L, 2L, 5L, 10L);
    }

    @Test
    void allServesEveryVersion() {
        assertThat(new VersionPolicy.All().select(AVAILABLE)).containsExactly(1L, 2L, 5L, 10L);
    }

    @Test
    void specificServesTheListedVersionsThatExist() {
        assertThat(new VersionPolicy.Specific(new TreeSet<>(List.of(2L, 3L, 10L))).select(AVAILABLE))
                .containsExactly(2L, 10L);
    }

    @Test
    void selectsNothingFromNoVersions() {
        assertThat(VersionPolicy.DEFAULT.select(new TreeSet<>())).isEmpty();
    }

    @Test
    void rejectsLatestOfZero() {
        assertThatThrownBy(() -> new VersionPolicy.Latest(0)).hasMessage("num_versions=0 must be >= 1");
    }

    @Test
    void readsInTritonSyntax() {
        assertThat(new VersionPolicy.Latest(2)).hasToString("latest { num_versions: 2 }");
        assertThat(new VersionPolicy.Specific(new TreeSet<>(List.of(3L, 1L)))).hasToString("specific { versions: [1, 3] }");
    }
}
