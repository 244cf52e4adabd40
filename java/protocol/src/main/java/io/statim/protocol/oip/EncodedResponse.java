package io.statim.protocol.oip;

import io.netty.buffer.ByteBuf;

/**
 * An encoded OIP inference response body.
 *
 * <p>Ownership: the caller owns {@code body} (reference count 1) and hands it to Netty's write, which
 * releases it; a caller that does not write it must release it.
 *
 * @param body       the JSON, followed by the binary outputs when there are any
 * @param jsonLength bytes of JSON at the start of {@code body}: the value of the response's
 *                   {@code Inference-Header-Content-Length} header; -1 when the body is all JSON and the
 *                   header must be left out
 */
public record EncodedResponse(ByteBuf body, int jsonLength) {
    /** True when the body has a binary part after its JSON. */
    public boolean hasBinaryPart() {
        return jsonLength >= 0;
    }
}
