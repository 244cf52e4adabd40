package io.statim.client;

/**
 * One entry of the model repository index ({@code POST /v2/repository/index}).
 *
 * @param name    the model's name
 * @param version the version, empty when the entry is about the model as a whole
 * @param state   {@code READY}, {@code UNAVAILABLE}, {@code LOADING}, ... as the server writes it; empty when unknown
 * @param reason  why it is not ready; empty when it is
 */
public record RepositoryModel(String name, String version, String state, String reason) {
}
