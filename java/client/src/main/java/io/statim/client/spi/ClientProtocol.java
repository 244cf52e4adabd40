package io.statim.client.spi;

import io.statim.client.Encoding;
import io.statim.client.InferRequest;
import io.statim.client.InferResult;
import io.statim.client.ModelMetadata;
import io.statim.client.ModelStatistics;
import io.statim.client.RepositoryModel;
import io.statim.client.ServerMetadata;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The calls of the Open Inference Protocol over one wire to one server address: REST over HTTP/1.1 or
 * h2c, or gRPC. A {@link io.statim.client.StatimClient} holds one per address and adds retries and
 * fail-over on top; this interface is the module's seam, not an API promised to users.
 *
 * <p>Thread-safe: every method may be called from any thread. Futures complete on the transport's I/O
 * threads, exceptionally with a {@link io.statim.client.StatimClientException} only. A version of
 * {@code ""} means the server's choice.
 */
public interface ClientProtocol extends AutoCloseable {

    /** An inference request encoded once for this protocol, to be sent any number of times. */
    interface Prepared {
        /** The request it was encoded from. */
        InferRequest request();
    }

    /** Encodes a request; REST honours {@code encoding}, gRPC always sends raw contents. */
    Prepared prepare(InferRequest request, Encoding encoding);

    /** Sends a prepared request; the result decodes lazily. */
    CompletableFuture<InferResult> infer(Prepared request);

    CompletableFuture<ServerMetadata> serverMetadata();

    CompletableFuture<Boolean> serverLive();

    CompletableFuture<Boolean> serverReady();

    CompletableFuture<Boolean> modelReady(String model, String version);

    CompletableFuture<ModelMetadata> modelMetadata(String model, String version);

    /** Statistics of a model's versions; of every model when {@code model} is empty. */
    CompletableFuture<List<ModelStatistics>> modelStatistics(String model, String version);

    CompletableFuture<List<RepositoryModel>> repositoryIndex(boolean readyOnly);

    CompletableFuture<Void> loadModel(String model);

    CompletableFuture<Void> unloadModel(String model);

    /** Connections open now, for diagnostics and tests. */
    int openConnections();

    /** Closes the connections; calls in flight fail. Does not shut down shared event loops. */
    @Override
    void close();
}
