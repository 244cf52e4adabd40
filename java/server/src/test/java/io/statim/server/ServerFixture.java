package io.statim.server;

import io.statim.core.device.MemoryUse;
import io.statim.core.tensor.DataType;
import io.statim.model.onnx.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * A real Statim server on an ephemeral loopback port, serving a temporary repository of generated
 * models (simple and identity models), with JDK HttpClients for HTTP/1.1 and HTTP/2.
 */
final class ServerFixture implements AutoCloseable {
    final Path repository;
    final StatimServer server;
    final HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();

    private ServerFixture(Path repository, StatimServer server) {
        this.repository = repository;
        this.server = server;
    }

    /** Starts a server over simple and the identity models of the given types. */
    static ServerFixture start(ServerConfigEditor edit, DataType... identityTypes) {
        return start(edit, repo -> {
            for (DataType t : identityTypes) {
                TestModels.writeIdentity(repo, t);
            }
        });
    }

    /**
     * Starts a server over simple and the two session models: {@code session_document} (a document
     * cached per session, scored against a query) and {@code accumulator} (implicit state and controls).
     */
    static ServerFixture startWithSessions(ServerConfigEditor edit) {
        return start(edit, repo -> {
            TestModels.writeSessionDocument(repo);
            TestModels.writeAccumulator(repo);
        });
    }

    /** Writes more models into a test repository. */
    interface ModelWriter {
        void write(Path repo) throws IOException;
    }

    /**
     * A queue delay (in µs) longer than any test: a batch that is not full stays queued until it fills,
     * reaches a preferred size or its model unloads, so a test holds requests in the queue for as long
     * as it needs them there without racing a clock.
     */
    static final long HOLD_US = 60_000_000;

    /**
     * Copies model {@code from} of {@code repo} as model {@code to}: the same model file, the config
     * renamed and then changed by {@code editConfig} (to add a {@code dynamic_batching} section, say).
     * Returns the copy's directory.
     */
    static Path copyModel(Path repo, String from, String to, UnaryOperator<String> editConfig) throws IOException {
        Path copy = repo.resolve(to);
        Files.createDirectories(copy.resolve("1"));
        Files.copy(repo.resolve(from + "/1/model.onnx"), copy.resolve("1/model.onnx"));
        String config = Files.readString(repo.resolve(from + "/config.pbtxt"));
        String renamed = config.replace("name: \"" + from + "\"", "name: \"" + to + "\"");
        if (renamed.equals(config)) {
            throw new IllegalStateException("the config of '" + from + "' does not name it");
        }
        Files.writeString(copy.resolve("config.pbtxt"), editConfig.apply(renamed));
        return copy;
    }

    /** Starts a server over simple and the models {@code models} writes. */
    static ServerFixture start(ServerConfigEditor edit, ModelWriter models) {
        try {
            Path repo = Files.createTempDirectory("statim-test-repo");
            TestModels.writeSimple(repo);
            models.write(repo);
            ServerConfig config = edit.edit(ServerConfig.defaults(repo, 0).withAddress("127.0.0.1"));
            return new ServerFixture(repo, StatimServer.start(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a server with default settings over an existing repository. */
    static ServerFixture startOn(Path repo) {
        try {
            return new ServerFixture(repo, StatimServer.start(ServerConfig.defaults(repo, 0).withAddress("127.0.0.1")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static ServerFixture start(DataType... identityTypes) {
        return start(c -> c, identityTypes);
    }

    /** Changes the default test configuration. */
    interface ServerConfigEditor {
        ServerConfig edit(ServerConfig config);
    }

    /** Protocol names for parameterized tests (not clients: JUnit closes AutoCloseable arguments). */
    static java.util.stream.Stream<String> protocols() {
        return java.util.stream.Stream.of("HTTP/1.1", "HTTP/2");
    }

    /** The client for a name of {@link #protocols()}. */
    HttpClient client(String protocol) {
        return protocol.equals("HTTP/2") ? http2 : http1;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.httpPort() + path);
    }

    /** A URI of the metrics port. */
    URI metricsUri(String path) {
        return URI.create("http://127.0.0.1:" + server.metricsPort() + path);
    }

    HttpResponse<String> get(HttpClient client, String path) {
        return get(client, uri(path));
    }

    HttpResponse<String> get(HttpClient client, URI uri) {
        return send(client, HttpRequest.newBuilder(uri).GET().build());
    }

    HttpResponse<String> postJson(HttpClient client, String path, String json) {
        return send(client, HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** POSTs JSON with extra headers, given as name, value, name, value... */
    HttpResponse<String> postJson(HttpClient client, String path, String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(client, request.build());
    }

    HttpResponse<byte[]> postBinary(HttpClient client, String path, byte[] body, int jsonLength) {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(jsonLength))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static <T> HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits (at most 20 s) until {@code condition} holds; fails naming {@code what} otherwise. Looks
     * about every millisecond, parked in between: on a 2-core CI machine a spinning test thread would
     * take a core from the server it waits for.
     */
    static void await(java.util.function.BooleanSupplier condition, String what) {
        await(condition, what, Duration.ofSeconds(20));
    }

    /** {@link #await(java.util.function.BooleanSupplier, String)} for at most {@code limit}. */
    static void await(java.util.function.BooleanSupplier condition, String what, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + limit.toMillis() + " ms waiting until " + what);
            }
            pause();
        }
    }

    /** Parks the polling thread for about a millisecond. */
    private static void pause() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }

    /** After a test that closed every session it opened: none is open, no session memory and no buffer is left. */
    void assertSessionsClosed() {
        if (server.sessions().openSessions() != 0) {
            throw new AssertionError(server.sessions().openSessions() + " sessions are still open");
        }
        assertNoSessionMemoryLeft();
        assertNoBuffersLeft();
    }

    /** Waits until no session holds device memory any more (sessions free it once their last request is done). */
    void assertNoSessionMemoryLeft() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.device().usedBytes(MemoryUse.SESSION_CACHE) > 0 && System.nanoTime() - deadline < 0) {
            pause();
        }
        if (server.device().usedBytes(MemoryUse.SESSION_CACHE) != 0) {
            throw new AssertionError(server.device().usedBytes(MemoryUse.SESSION_CACHE) + " bytes of session memory were not released");
        }
    }

    /** Waits until every pooled buffer is back (responses are released just after they are written). */
    void assertNoBuffersLeft() {
        assertBuffersBackTo(0);
    }

    /**
     * Waits until only {@code held} pooled buffers are leased: those the loaded models own for as long
     * as they are loaded (LoRA slot pools), counted right after start.
     */
    void assertBuffersBackTo(long held) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (server.device().liveBuffers() > held && System.nanoTime() - deadline < 0) {
            pause();
        }
        if (server.device().liveBuffers() != held) {
            throw new AssertionError((server.device().liveBuffers() - held) + " buffers were not released");
        }
    }

    @Override
    public void close() {
        server.close();
        http1.close();
        http2.close();
    }

    /** Reads an HTTP/1.1 response's status line and headers from a raw socket's stream (up to the blank line, or its end). */
    static String responseHead(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            head.append((char) b);
            if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                break;
            }
        }
        return head.toString();
    }
}
