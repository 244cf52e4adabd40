package io.statim.bench.load;

import io.statim.client.Encoding;
import io.statim.client.Protocol;
import io.statim.client.StatimClient;
import java.time.Duration;
import java.util.Locale;

/**
 * One way of reaching the server: protocol, address and (for REST) encoding.
 *
 * @param address HOST:PORT
 */
record Wire(Protocol protocol, String address, Encoding encoding) {

    /** A client over this wire that never retries (so that every failure is counted). */
    StatimClient client(int ioThreads, int connections, Encoding bodyEncoding, Duration timeout) {
        StatimClient.Builder b = StatimClient.builder();
        b = switch (protocol) {
            case HTTP1 -> b.http1(host(address), port(address));
            case H2C -> b.h2c(host(address), port(address));
            case GRPC -> b.grpc(host(address), port(address));
        };
        return b.encoding(bodyEncoding).ioThreads(ioThreads).maxConnections(protocol == Protocol.HTTP1 ? connections : 1)
                .maxAttempts(1).requestTimeout(timeout).build();
    }

    String protocolName() {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    String encodingName() {
        return protocol == Protocol.GRPC ? "raw" : encoding.name().toLowerCase(Locale.ROOT);
    }

    static String host(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }

    static int port(String address) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address '" + address + "' must be HOST:PORT");
        }
        return Integer.parseInt(address.substring(colon + 1));
    }
}
