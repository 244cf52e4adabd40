package io.statim.protocol;

import java.util.List;
import java.util.Objects;

/**
 * What every protocol's server-metadata call reports: the server's name, version and protocol
 * extensions. Immutable; any thread.
 *
 * @param name       the server name ({@code statim})
 * @param version    the server version
 * @param extensions the OIP / Triton extensions served, such as {@code statistics}
 */
public record ServerInfo(String name, String version, List<String> extensions) {
    public ServerInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        extensions = List.copyOf(extensions);
    }
}
