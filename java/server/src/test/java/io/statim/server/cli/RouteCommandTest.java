package io.statim.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.statim.router.RouterConfig;
import io.statim.router.Strategy;
import io.statim.router.UpstreamAddress;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RouteCommandTest {
    private static RouterConfig parse(String... args) {
        RouteCommand command = new RouteCommand();
        new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return command.config();
    }

    @Test
    void servesGrpcWhenTheUpstreamsNameTheirGrpcPorts() {
        RouterConfig c = parse("--upstream", "10.0.0.1:8000:8001", "--upstream", "10.0.0.2:8000:8001", "--strategy", "least_outstanding_requests");
        assertThat(c.grpcPort()).isEqualTo(RouterConfig.DEFAULT_GRPC_PORT);
        assertThat(c.upstreams()).containsExactly(UpstreamAddress.parse("10.0.0.1:8000:8001"), UpstreamAddress.parse("10.0.0.2:8000:8001"));
        assertThat(c.strategy()).isEqualTo(Strategy.LEAST_OUTSTANDING_REQUESTS);
    }

    @Test
    void servesNoGrpcWhenNoUpstreamNamesAGrpcPort() {
        RouterConfig c = parse("--upstream", "10.0.0.1:8000");
        assertThat(c.grpcEnabled()).isFalse();
        assertThat(c.strategy()).isEqualTo(Strategy.RANDOM);
        assertThat(c.healthIntervalMs()).isEqualTo(RouterConfig.DEFAULT_HEALTH_INTERVAL_MS);
    }

    @Test
    void refusesAGrpcFrontOverUpstreamsWithoutGrpcPorts() {
        assertThatThrownBy(() -> parse("--upstream", "10.0.0.1:8000:8001", "--upstream", "10.0.0.2:8000"))
                .hasMessageContaining("10.0.0.2:8000 names no gRPC port");
        assertThatThrownBy(() -> parse("--upstream", "10.0.0.1:8000", "--grpc-port", "9001")).hasMessageContaining("names no gRPC port");
    }

    @Test
    void takesDnsNamesAndTheHealthFlags() {
        RouterConfig c = parse("--upstream-dns", "statim.default.svc:8000:8001", "--health-interval-ms", "250", "--eject-after-failures", "0");
        assertThat(c.dnsUpstreams()).containsExactly(UpstreamAddress.parse("statim.default.svc:8000:8001"));
        assertThat(c.healthIntervalMs()).isEqualTo(250);
        assertThat(c.ejectAfterFailures()).isZero();
    }

    @Test
    void needsAnUpstream() {
        assertThatThrownBy(() -> parse()).hasMessageContaining("no upstream");
    }
}
