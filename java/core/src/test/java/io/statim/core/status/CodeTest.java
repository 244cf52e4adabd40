package io.statim.core.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CodeTest {
    @Test
    void mapsEachCodeToOneHttpStatusAndOneGrpcCode() {
        assertThat(Code.INVALID_ARGUMENT.httpStatus()).isEqualTo(400);
        assertThat(Code.INVALID_ARGUMENT.grpcCode()).isEqualTo(3);
        assertThat(Code.NOT_FOUND.httpStatus()).isEqualTo(404);
        assertThat(Code.UNAVAILABLE.httpStatus()).isEqualTo(503);
        assertThat(Code.UNAVAILABLE.grpcCode()).isEqualTo(14);
        assertThat(Code.PAYLOAD_TOO_LARGE.httpStatus()).isEqualTo(413);
        for (Code c : Code.values()) {
            assertThat(c.grpcCode()).isBetween(0, 16);
            assertThat(c.isClientError()).isEqualTo(c.httpStatus() >= 400 && c.httpStatus() < 500);
        }
    }

    @Test
    void clientErrorsCarryNoStackTrace() {
        assertThat(new StatusException(Code.INVALID_ARGUMENT, "bad").getStackTrace()).isEmpty();
        assertThat(new StatusException(Code.INTERNAL, "boom").getStackTrace()).isNotEmpty();
    }
}
