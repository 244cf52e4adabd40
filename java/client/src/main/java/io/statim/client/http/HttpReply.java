package io.statim.client.http;

/**
 * One HTTP response, read whole.
 *
 * @param status     the HTTP status code
 * @param jsonLength the {@code Inference-Header-Content-Length} of a binary-extension body, -1 for none
 * @param body       the body bytes; owned by the receiver
 */
public record HttpReply(int status, int jsonLength, byte[] body) {
    /** The header that splits a binary-extension body into its JSON part and the tensor bytes. */
    public static final String INFERENCE_HEADER_CONTENT_LENGTH = "inference-header-content-length";

    /** Parses the header's value; -1 for none. */
    static int jsonLength(CharSequence header) {
        if (header == null) {
            return -1;
        }
        try {
            return Integer.parseInt(header.toString().trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
