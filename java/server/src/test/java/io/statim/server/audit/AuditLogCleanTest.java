package io.statim.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A client-given value can neither split an audit line nor forge a key. */
class AuditLogCleanTest {
    @Test
    void whitespaceControlCharactersAndEqualsSignsBecomeUnderscores() {
        assertThat(AuditLog.clean("minilm")).isEqualTo("minilm");
        assertThat(AuditLog.clean("a b\nstatus=200\r\tx\u0000")).isEqualTo("a_b_status_200__x_");
        assertThat(AuditLog.clean("modèle-été")).as("other letters stay").isEqualTo("modèle-été");
        assertThat(AuditLog.clean(null)).isEqualTo("-");
    }

    @Test
    void aSessionFingerprintIsTwelveHexDigitsAndStable() {
        assertThat(AuditLog.fingerprint("abc")).matches("[0-9a-f]{12}").isEqualTo(AuditLog.fingerprint("abc"))
                .isNotEqualTo(AuditLog.fingerprint("abd"));
    }
}
