package io.statim.router.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutedSessionIdsTest {
    private static final String SERVER_ID = "4f1c2a9e0b7d6c5e4f3a2b1c0d9e8f7a";

    @Test
    void decodesWhatItEncodes() {
        String id = RoutedSessionIds.encode("10.0.0.7:8000", SERVER_ID);
        assertThat(RoutedSessionIds.decode(id)).isEqualTo(new RoutedSessionIds.Decoded("10.0.0.7:8000", SERVER_ID));
    }

    @Test
    void encodesTheUpstreamAsBase32BeforeTheFirstDash() {
        // RFC 4648 base32 of "10.0.0.7:8000", lower case, no padding
        assertThat(RoutedSessionIds.encode("10.0.0.7:8000", SERVER_ID)).isEqualTo("geyc4mbogaxdoorygayda-" + SERVER_ID);
    }

    @Test
    void keepsUpstreamIdsThatHaveDashes() {
        String id = RoutedSessionIds.encode("statim-0.statim.default.svc:8000", "node-7-" + SERVER_ID);
        RoutedSessionIds.Decoded d = RoutedSessionIds.decode(id);
        assertThat(d.upstreamKey()).isEqualTo("statim-0.statim.default.svc:8000");
        assertThat(d.upstreamId()).isEqualTo("node-7-" + SERVER_ID);
    }

    @Test
    void handsOutOnlyLettersDigitsAndDashesWithinSageMakersLimit() {
        Random random = new Random(7);
        for (int i = 0; i < 1000; i++) {
            String host = "h" + random.nextInt(1000) + ".example-" + random.nextInt(50) + ".internal";
            byte[] raw = new byte[16];
            random.nextBytes(raw);
            String id = RoutedSessionIds.encode(host + ":" + (1 + random.nextInt(65535)), HexFormat.of().formatHex(raw));
            assertThat(id).matches("[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]").hasSizeLessThanOrEqualTo(RoutedSessionIds.MAX_LENGTH);
            assertThat(RoutedSessionIds.decode(id)).isNotNull();
        }
    }

    @Test
    void encodesIpv6Keys() {
        String id = RoutedSessionIds.encode("[::1]:8000", "abc");
        assertThat(RoutedSessionIds.decode(id).upstreamKey()).isEqualTo("[::1]:8000");
    }

    @Test
    void refusesToEncodeAnIdThatWouldPassTheLimit() {
        assertThat(RoutedSessionIds.encode("10.0.0.7:8000", "a".repeat(250))).isNull();
    }

    @Test
    void doesNotDecodeIdsItDidNotIssue() {
        assertThat(RoutedSessionIds.decode(SERVER_ID)).as("a server's own id: no dash").isNull();
        assertThat(RoutedSessionIds.decode("-abc")).isNull();
        assertThat(RoutedSessionIds.decode("gexdalrq-")).isNull();
        assertThat(RoutedSessionIds.decode("prefix1-" + SERVER_ID)).as("'1' is not base32").isNull();
        assertThat(RoutedSessionIds.decode("mfrgg-" + SERVER_ID)).as("base32 of 'abc': no port").isNull();
        assertThat(RoutedSessionIds.decode("NEW_SESSION")).isNull();
    }
}
