package io.statim.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.router.UpstreamAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {
    private static Upstream[] upstreams(String... keys) {
        return Arrays.stream(keys).map(k -> new Upstream(UpstreamAddress.parse(k), new UpstreamHealth(1, 1, 0, 0), null))
                .toArray(Upstream[]::new);
    }

    @Test
    void ownerDoesNotDependOnTheOrderOfTheUpstreams() {
        Upstream[] a = upstreams("10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000", "10.0.0.4:8000");
        Upstream[] b = {a[3], a[1], a[0], a[2]};
        for (int i = 0; i < 1000; i++) {
            assertThat(Rendezvous.owner("seq-" + i, b)).isSameAs(Rendezvous.owner("seq-" + i, a));
        }
    }

    @Test
    void ownerIsTheSameInAnotherProcess() {
        // Fixed hashes (FNV-1a and murmur3's finalizer), no seed: these owners hold for every router that has these upstreams.
        Upstream[] a = upstreams("10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000");
        Map<String, String> owners = new HashMap<>();
        for (String id : List.of("1", "42", "18446744073709551615", "patient-visit-7")) {
            owners.put(id, Rendezvous.owner(id, a).key());
        }
        Upstream[] fresh = upstreams("10.0.0.3:8000", "10.0.0.1:8000", "10.0.0.2:8000");
        owners.forEach((id, owner) -> assertThat(Rendezvous.owner(id, fresh).key()).isEqualTo(owner));
        assertThat(Rendezvous.hash("42")).isEqualTo(Rendezvous.hash(new String("42".toCharArray())));
    }

    @Test
    void spreadsKeysEvenly() {
        Upstream[] a = upstreams("10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000", "10.0.0.4:8000");
        Map<String, Integer> counts = new HashMap<>();
        int keys = 40_000;
        for (int i = 0; i < keys; i++) {
            counts.merge(Rendezvous.owner(Integer.toString(i), a).key(), 1, Integer::sum);
        }
        assertThat(counts).hasSize(4);
        counts.values().forEach(n -> assertThat(n).isBetween(keys / 4 - keys / 40, keys / 4 + keys / 40));
    }

    @Test
    void removingAnUpstreamMovesOnlyItsKeys() {
        Upstream[] four = upstreams("10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000", "10.0.0.4:8000");
        Upstream[] three = {four[0], four[1], four[3]};
        for (int i = 0; i < 5000; i++) {
            String key = "s" + i;
            Upstream before = Rendezvous.owner(key, four);
            if (before != four[2]) {
                assertThat(Rendezvous.owner(key, three)).isSameAs(before);
            }
        }
    }

    @Test
    void noUpstreamOwnsNothing() {
        assertThat(Rendezvous.owner("42", new Upstream[0])).isNull();
    }
}
