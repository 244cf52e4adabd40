package io.statim.client.oip;

import com.fasterxml.jackson.databind.JsonNode;
import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.ModelMetadata;
import io.statim.client.ModelStatistics;
import io.statim.client.Protocol;
import io.statim.client.RepositoryModel;
import io.statim.client.ServerMetadata;
import io.statim.client.StatimClientException;
import io.statim.client.http.HttpCall;
import io.statim.client.http.HttpReply;
import io.statim.client.http.HttpTransport;
import io.statim.client.spi.ClientProtocol;
import io.statim.client.spi.Futures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The Open Inference Protocol's REST API (KServe v2, with Triton's binary tensor extension, statistics
 * and repository extensions) over an {@link HttpTransport} to one server. An answer of 400 or more
 * fails the call with the server's {@code "error"} message; health probes answer false for any
 * status but 200. Thread-safe.
 */
public final class RestProtocol implements ClientProtocol {
    private static final byte[] READY_ONLY = "{\"ready\":true}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ALL = "{}".getBytes(StandardCharsets.US_ASCII);

    private final HttpTransport transport;
    private final Protocol protocol;

    /** @param protocol HTTP1 or H2C: what the transport speaks, for error reports */
    public RestProtocol(HttpTransport transport, Protocol protocol) {
        this.transport = transport;
        this.protocol = protocol;
    }

    private record PreparedCall(InferRequest request, HttpCall call) implements Prepared {
    }

    @Override
    public Prepared prepare(InferRequest request, Encoding encoding) {
        return new PreparedCall(request, InferBodies.encode(request, encoding));
    }

    @Override
    public CompletableFuture<InferResult> infer(Prepared request) {
        return call(((PreparedCall) request).call(), reply -> InferBodies.decodeLazily(reply, protocol));
    }

    @Override
    public CompletableFuture<ServerMetadata> serverMetadata() {
        return json(HttpCall.get(RestPaths.SERVER), RestJson::serverMetadata);
    }

    @Override
    public CompletableFuture<Boolean> serverLive() {
        return probe(RestPaths.LIVE);
    }

    @Override
    public CompletableFuture<Boolean> serverReady() {
        return probe(RestPaths.READY);
    }

    @Override
    public CompletableFuture<Boolean> modelReady(String model, String version) {
        return probe(RestPaths.ready(model, version));
    }

    @Override
    public CompletableFuture<ModelMetadata> modelMetadata(String model, String version) {
        return json(HttpCall.get(RestPaths.model(model, version)), RestJson::modelMetadata);
    }

    @Override
    public CompletableFuture<List<ModelStatistics>> modelStatistics(String model, String version) {
        return json(HttpCall.get(RestPaths.stats(model, version)), RestJson::statistics);
    }

    @Override
    public CompletableFuture<List<RepositoryModel>> repositoryIndex(boolean readyOnly) {
        return json(HttpCall.postJson(RestPaths.INDEX, readyOnly ? READY_ONLY : ALL), RestJson::index);
    }

    @Override
    public CompletableFuture<Void> loadModel(String model) {
        return call(HttpCall.postJson(RestPaths.repository(model, "load"), ALL), reply -> null);
    }

    @Override
    public CompletableFuture<Void> unloadModel(String model) {
        return call(HttpCall.postJson(RestPaths.repository(model, "unload"), ALL), reply -> null);
    }

    @Override
    public int openConnections() {
        return transport.openConnections();
    }

    @Override
    public void close() {
        transport.close();
    }

    private CompletableFuture<Boolean> probe(String path) {
        return Futures.map(transport.exchange(HttpCall.get(path)), reply -> reply.status() == 200);
    }

    private <T> CompletableFuture<T> json(HttpCall call, Function<JsonNode, T> read) {
        return call(call, reply -> {
            try {
                return read.apply(RestJson.tree(reply.body()));
            } catch (IOException | RuntimeException e) {
                throw StatimClientException.failed(protocol, "malformed response to " + call.path() + ": " + e.getMessage(), e);
            }
        });
    }

    /** Sends {@code call}; an error status fails the future, a success is read by {@code read}. */
    private <T> CompletableFuture<T> call(HttpCall call, Function<HttpReply, T> read) {
        return Futures.map(transport.exchange(call), reply -> {
            if (reply.status() >= 300) {
                throw StatimClientException.httpStatus(protocol, reply.status(), RestJson.errorMessage(reply.body()));
            }
            return read.apply(reply);
        });
    }
}
