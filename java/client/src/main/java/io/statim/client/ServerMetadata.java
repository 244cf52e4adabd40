package io.statim.client;

import java.util.List;

/**
 * What a server says about itself ({@code GET /v2}, gRPC ServerMetadata).
 *
 * @param name       the server's name ({@code statim}, {@code triton})
 * @param version    the server's version
 * @param extensions protocol extensions it supports ({@code binary_tensor_data}, {@code statistics}, ...)
 */
public record ServerMetadata(String name, String version, List<String> extensions) {
    public ServerMetadata {
        extensions = List.copyOf(extensions);
    }
}
