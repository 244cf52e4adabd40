package io.statim.server.cli;

import io.statim.scheduler.ModelControlMode;
import io.statim.server.ServerConfig;
import io.statim.server.StatimServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code statim serve}: Triton's flag names where Triton has one. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the models of a model repository.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model-repository", description = "Triton-layout model repository (default: the embedded one with simple and minilm)")
    Path modelRepository;

    @Option(names = "--http-address", defaultValue = "0.0.0.0", description = "Address of the HTTP port (default: ${DEFAULT-VALUE})")
    String httpAddress;

    @Option(names = "--http-port", defaultValue = "" + ServerConfig.DEFAULT_HTTP_PORT, description = "OIP REST over HTTP/1.1 and h2c (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--grpc-port", defaultValue = "" + ServerConfig.DEFAULT_GRPC_PORT, description = "gRPC: inference.GRPCInferenceService and grpc.health.v1 (default: ${DEFAULT-VALUE})")
    int grpcPort;

    @Option(names = "--metrics-port", defaultValue = "" + ServerConfig.DEFAULT_METRICS_PORT, description = "Prometheus metrics at GET /metrics (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--model-control-mode", defaultValue = "none", description = "none (load all) or explicit (--load-model and the repository API)")
    String modelControlMode;

    @Option(names = "--load-model", description = "Model to load at start in explicit mode; repeatable; * for all")
    List<String> loadModels = new ArrayList<>();

    @Option(names = "--max-body-bytes", defaultValue = "" + ServerConfig.DEFAULT_MAX_BODY_BYTES, description = "Largest request body (default: ${DEFAULT-VALUE})")
    long maxBodyBytes;

    @Option(names = "--max-tensor-elements", defaultValue = "" + ServerConfig.DEFAULT_MAX_TENSOR_ELEMENTS, description = "Most elements of one input tensor (default: ${DEFAULT-VALUE})")
    long maxTensorElements;

    @Option(names = "--max-queue-size", defaultValue = "" + ServerConfig.DEFAULT_MAX_QUEUE_SIZE, description = "Requests that may wait per model version and priority level when the queue policy sets no smaller max_queue_size (default: ${DEFAULT-VALUE})")
    int maxQueueSize;

    @Option(names = "--http-threads", defaultValue = "0", description = "Event-loop threads (default: one per core)")
    int httpThreads;

    @Option(names = "--max-concurrent-streams", defaultValue = "" + ServerConfig.DEFAULT_MAX_CONCURRENT_STREAMS, description = "HTTP/2 streams per connection (default: ${DEFAULT-VALUE})")
    int maxConcurrentStreams;

    @Option(names = "--session-memory-bytes", defaultValue = "" + ServerConfig.DEFAULT_SESSION_MEMORY_BYTES, description = "Byte budget of the tensors all sessions keep resident; when full, the least recently used idle sessions are evicted (default: ${DEFAULT-VALUE})")
    long sessionMemoryBytes;

    @Option(names = "--adapter-root", paramLabel = "<folder>", description = "A folder the adapter API may register LoRA adapters from, beyond each model's own directory (repeatable; default: none)")
    List<Path> adapterRoots = new ArrayList<>();

    @Option(names = "--idle-timeout-seconds", defaultValue = "" + ServerConfig.DEFAULT_IDLE_TIMEOUT_SECONDS, description = "Close HTTP and gRPC connections idle this long with no request in flight; 0 never (default: ${DEFAULT-VALUE})")
    int idleTimeoutSeconds;

    @Option(names = "--audit-log", description = "Write one line per HTTP request and gRPC call (peer, endpoint, model, adapter, session fingerprint, status, latency; never a payload) to logger statim.audit")
    boolean auditLog;

    @Option(names = "--sagemaker-model", description = "Model served by POST /invocations when the request has no X-Amzn-SageMaker-Target-Model header (default: none)")
    String sageMakerModel;

    @Override
    public Integer call() throws Exception {
        ServerConfig config;
        try {
            config = new ServerConfig(modelRepository, httpAddress, httpPort, grpcPort, metricsPort, ModelControlMode.parse(modelControlMode),
                    loadModels, maxBodyBytes, maxTensorElements, maxQueueSize,
                    httpThreads > 0 ? httpThreads : Runtime.getRuntime().availableProcessors(), maxConcurrentStreams,
                    sessionMemoryBytes, sageMakerModel, adapterRoots, idleTimeoutSeconds, auditLog);
        } catch (IllegalArgumentException e) {
            System.err.println("statim serve: " + e.getMessage());
            return 2;
        }
        StatimServer server = StatimServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
