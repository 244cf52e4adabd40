package io.statim.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RouterConfigTest {
    @Test
    void readsUpstreamAddresses() {
        assertThat(UpstreamAddress.parse("10.0.0.7:8000")).isEqualTo(new UpstreamAddress("10.0.0.7", 8000, UpstreamAddress.NO_GRPC));
        assertThat(UpstreamAddress.parse("statim-0.statim:8000:8001")).isEqualTo(new UpstreamAddress("statim-0.statim", 8000, 8001));
        assertThat(UpstreamAddress.parse("[::1]:8000:8001")).isEqualTo(new UpstreamAddress("::1", 8000, 8001));
        assertThat(UpstreamAddress.parse("[::1]:8000").key()).isEqualTo("[::1]:8000");
        assertThat(UpstreamAddress.parse("10.0.0.7:8000:8001").key()).as("the gRPC port is not the identity").isEqualTo("10.0.0.7:8000");
    }

    @Test
    void refusesMalformedAddressesNamingThem() {
        assertThatThrownBy(() -> UpstreamAddress.parse("localhost")).hasMessageContaining("'localhost'");
        assertThatThrownBy(() -> UpstreamAddress.parse("h:80:81:82")).hasMessageContaining("host:httpPort[:grpcPort]");
        assertThatThrownBy(() -> UpstreamAddress.parse("h:http")).hasMessageContaining("'http' is not a number");
        assertThatThrownBy(() -> UpstreamAddress.parse("h:0")).hasMessageContaining("between 1 and 65535");
    }

    @Test
    void needsAnUpstream() {
        assertThatThrownBy(() -> RouterConfig.builder().build()).hasMessageContaining("--upstream");
    }

    @Test
    void aGrpcFrontNeedsTheUpstreamsGrpcPorts() {
        assertThatThrownBy(() -> RouterConfig.builder().upstream(UpstreamAddress.parse("h:8000")).build())
                .hasMessageContaining("h:8000 names no gRPC port");
        RouterConfig c = RouterConfig.builder().upstream(UpstreamAddress.parse("h:8000")).ports(0, RouterConfig.GRPC_OFF, 0).build();
        assertThat(c.grpcEnabled()).isFalse();
    }

    @Test
    void namesTheFieldAndValueThatAreOutOfRange() {
        RouterConfig.Builder b = RouterConfig.builder().upstream(UpstreamAddress.parse("h:8000:8001"));
        assertThatThrownBy(() -> b.healthChecks(0, 1000, 2, 1).build()).hasMessage("health-interval-ms=0 must be >= 1");
        assertThatThrownBy(() -> b.healthChecks(500, 1000, 2, 1).ejection(-1, 10).build()).hasMessage("eject-after-failures=-1 must be >= 0");
    }
}
