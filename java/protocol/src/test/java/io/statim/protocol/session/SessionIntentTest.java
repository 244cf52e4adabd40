package io.statim.protocol.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.protocol.session.SessionIntent.Kind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionIntentTest {
    @Test
    void noHeaderAndNoParametersIsStateless() {
        assertThat(SessionIntent.of(null, Map.of())).isEqualTo(SessionIntent.NONE);
    }

    @Test
    void sageMakerHeaderOpensOrUsesASession() {
        assertThat(SessionIntent.of("NEW_SESSION", Map.of())).isEqualTo(new SessionIntent(Kind.OPEN, null, false));
        assertThat(SessionIntent.of("ab-12", Map.of())).isEqualTo(new SessionIntent(Kind.USE, "ab-12", false));
        assertThat(SessionIntent.of("ab-12", Map.of("sequence_end", true))).isEqualTo(new SessionIntent(Kind.USE, "ab-12", true));
        assertThat(SessionIntent.of("ab-12", Map.of("sequence_id", "ab-12"))).isEqualTo(new SessionIntent(Kind.USE, "ab-12", false));
    }

    @Test
    void oipSequenceParametersMapOntoTheSameSessions() {
        assertThat(SessionIntent.of(null, Map.of("sequence_id", 42L, "sequence_start", true))).isEqualTo(new SessionIntent(Kind.OPEN, "42", false));
        assertThat(SessionIntent.of(null, Map.of("sequence_id", "doc-7"))).isEqualTo(new SessionIntent(Kind.USE, "doc-7", false));
        assertThat(SessionIntent.of(null, Map.of("sequence_id", 42L, "sequence_end", true))).isEqualTo(new SessionIntent(Kind.USE, "42", true));
        assertThat(SessionIntent.of(null, Map.of("sequence_start", true))).isEqualTo(new SessionIntent(Kind.OPEN, null, false));
        // A sequence of one request is a stateless request; id 0 means "no sequence", as in Triton.
        assertThat(SessionIntent.of(null, Map.of("sequence_start", true, "sequence_end", true))).isEqualTo(SessionIntent.NONE);
        assertThat(SessionIntent.of(null, Map.of("sequence_id", 0L))).isEqualTo(SessionIntent.NONE);
        // uint64 ids above 2^63 arrive as negative longs and are named unsigned.
        assertThat(SessionIntent.of(null, Map.of("sequence_id", -1L)).id()).isEqualTo("18446744073709551615");
    }

    @Test
    void malformedOrConflictingIntentsAreBadRequests() {
        assertBad(() -> SessionIntent.of("not valid!", Map.of()), "X-Amzn-SageMaker-Session-Id must be NEW_SESSION or a session id");
        assertBad(() -> SessionIntent.of("-ab", Map.of()), "X-Amzn-SageMaker-Session-Id must be");
        assertBad(() -> SessionIntent.of("a".repeat(257), Map.of()), "at most 256");
        assertBad(() -> SessionIntent.of("NEW_SESSION", Map.of("sequence_id", "x")), "names one");
        assertBad(() -> SessionIntent.of("ab", Map.of("sequence_id", "cd")), "name different sessions");
        assertBad(() -> SessionIntent.of("ab", Map.of("sequence_start", true)), "cannot start session 'ab'");
        assertBad(() -> SessionIntent.of(null, Map.of("sequence_end", true)), "needs 'sequence_id'");
        assertBad(() -> SessionIntent.of(null, Map.of("sequence_id", 1.5)), "unsigned integer or a string");
        assertBad(() -> SessionIntent.of(null, Map.of("sequence_id", "a b")), "letters, digits and '-'");
        assertBad(() -> SessionIntent.of(null, Map.of("sequence_id", "a", "sequence_start", "yes")), "'sequence_start' must be true or false");
    }

    private static void assertBad(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(StatusException.class).hasMessageContaining(message)
                .satisfies(e -> assertThat(((StatusException) e).code()).isEqualTo(Code.INVALID_ARGUMENT));
    }
}
