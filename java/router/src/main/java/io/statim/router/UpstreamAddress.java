package io.statim.router;

/**
 * Where one upstream Statim server listens: a host, its HTTP port (OIP REST, health checks; the port
 * that names the upstream in session ids) and, optionally, its gRPC port. Written
 * {@code host:httpPort[:grpcPort]}; an IPv6 host in brackets ({@code [::1]:8000:8001}). Immutable.
 *
 * @param host     a name or an address literal (IPv6 without brackets)
 * @param httpPort the upstream's HTTP port
 * @param grpcPort the upstream's gRPC port, or {@link #NO_GRPC}
 */
public record UpstreamAddress(String host, int httpPort, int grpcPort) {
    /** The gRPC port of an upstream that names none. */
    public static final int NO_GRPC = -1;

    public UpstreamAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("upstream host must not be empty");
        }
        checkPort("HTTP", httpPort);
        if (grpcPort != NO_GRPC) {
            checkPort("gRPC", grpcPort);
        }
    }

    /**
     * Reads {@code host:httpPort[:grpcPort]}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static UpstreamAddress parse(String spec) {
        String s = spec.strip();
        String host;
        String ports;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("upstream '" + spec + "' must be [ipv6]:httpPort[:grpcPort]");
            }
            host = s.substring(1, close);
            ports = s.substring(close + 2);
        } else {
            int colon = s.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("upstream '" + spec + "' must be host:httpPort[:grpcPort]");
            }
            host = s.substring(0, colon);
            ports = s.substring(colon + 1);
        }
        String[] parts = ports.split(":", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("upstream '" + spec + "' must be host:httpPort[:grpcPort]");
        }
        return new UpstreamAddress(host, port(spec, parts[0]), parts.length == 2 ? port(spec, parts[1]) : NO_GRPC);
    }

    /** This address with another host, for the addresses a DNS name resolves to. */
    public UpstreamAddress withHost(String newHost) {
        return new UpstreamAddress(newHost, httpPort, grpcPort);
    }

    /** True when the upstream names its gRPC port. */
    public boolean hasGrpc() {
        return grpcPort != NO_GRPC;
    }

    /**
     * {@code host:httpPort}: the upstream's identity, encoded into the session ids the router hands
     * out and hashed for OIP sequences. The gRPC port is an attribute, not part of the identity.
     */
    public String key() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + httpPort;
    }

    @Override
    public String toString() {
        return hasGrpc() ? key() + ":" + grpcPort : key();
    }

    private static int port(String spec, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("upstream '" + spec + "': port '" + value + "' is not a number");
        }
    }

    private static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("upstream " + what + " port " + port + " must be between 1 and 65535");
        }
    }
}
