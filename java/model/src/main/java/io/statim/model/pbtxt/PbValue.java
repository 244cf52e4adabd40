package io.statim.model.pbtxt;

/**
 * One value of a field in protobuf text format: a {@link PbScalar} token or a nested {@link PbMessage}.
 * Immutable; safe for any thread.
 */
public sealed interface PbValue permits PbScalar, PbMessage {

    /** Where the value starts. */
    PbLocation location();
}
