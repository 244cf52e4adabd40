package io.statim.server;

import io.statim.scheduler.ModelControlMode;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@code statim serve} is configured with, validated in one place. Units are in the names.
 *
 * @param modelRepository   the Triton-layout model repository; {@code null} for the embedded default one
 * @param httpAddress       address the HTTP port binds to
 * @param httpPort          OIP REST over HTTP/1.1 and h2c; 0 picks a free port
 * @param grpcPort          gRPC ({@code inference.GRPCInferenceService}, {@code grpc.health.v1}), bound to {@code httpAddress}; 0 picks a free port
 * @param metricsPort       Prometheus text format at {@code GET /metrics}, bound to {@code httpAddress}; 0 picks a free port
 * @param controlMode       who decides which models load
 * @param loadModels        models to load at start in EXPLICIT mode ({@code *} = all)
 * @param maxBodyBytes      largest request body accepted; larger ones get 413
 * @param maxTensorElements most elements of one input tensor
 * @param maxQueueSize      requests that may wait per model version and priority level when the
 *                          model's queue policy sets no smaller max_queue_size; more get 503
 * @param httpThreads       event-loop threads of the HTTP front end
 * @param maxConcurrentStreams HTTP/2 streams per connection
 * @param sessionMemoryBytes the byte budget of all sessions' device-resident tensors on the host device
 *                          ({@code SESSION_CACHE}); when full, the least recently used idle sessions are evicted
 * @param sageMakerModel    the model {@code POST /invocations} serves when the request names none with
 *                          {@code X-Amzn-SageMaker-Target-Model}; {@code null} for none
 * @param adapterRoots      folders the adapter API may register LoRA adapters from, beyond each model's
 *                          own directory (the only place by default)
 * @param idleTimeoutSeconds HTTP and gRPC connections with no traffic and no request in flight for this
 *                          long are closed (0: never)
 * @param auditLog          write one line per HTTP request and gRPC call to logger {@code statim.audit}
 */
public record ServerConfig(Path modelRepository, String httpAddress, int httpPort, int grpcPort, int metricsPort,
        ModelControlMode controlMode, List<String> loadModels, long maxBodyBytes, long maxTensorElements, int maxQueueSize,
        int httpThreads, int maxConcurrentStreams, long sessionMemoryBytes, String sageMakerModel, List<Path> adapterRoots,
        int idleTimeoutSeconds, boolean auditLog) {

    public static final int DEFAULT_HTTP_PORT = 8000;
    public static final int DEFAULT_GRPC_PORT = 8001;
    public static final int DEFAULT_METRICS_PORT = 8002;
    /** 64 MiB: a large image or document fits, a runaway upload does not. */
    public static final long DEFAULT_MAX_BODY_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_TENSOR_ELEMENTS = 16L << 20;
    public static final int DEFAULT_MAX_QUEUE_SIZE = 1024;
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 256;
    /** 2 GiB: dozens of 64 MB documents cached at once, well below the memory of a serving host. */
    public static final long DEFAULT_SESSION_MEMORY_BYTES = 2L << 30;
    /** 5 minutes: longer than any client's keep-alive pool needs, short enough that abandoned sockets go. */
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;

    public ServerConfig {
        loadModels = List.copyOf(loadModels);
        adapterRoots = List.copyOf(adapterRoots);
        checkPort("http-port", httpPort);
        checkPort("grpc-port", grpcPort);
        checkPort("metrics-port", metricsPort);
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("max-body-bytes=" + maxBodyBytes + " must be between 1 and " + Integer.MAX_VALUE);
        }
        if (maxTensorElements < 1) {
            throw new IllegalArgumentException("max-tensor-elements=" + maxTensorElements + " must be >= 1");
        }
        if (maxQueueSize < 1) {
            throw new IllegalArgumentException("max-queue-size=" + maxQueueSize + " must be >= 1");
        }
        if (httpThreads < 1) {
            throw new IllegalArgumentException("http-threads=" + httpThreads + " must be >= 1");
        }
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("max-concurrent-streams=" + maxConcurrentStreams + " must be >= 1");
        }
        if (sessionMemoryBytes < 0) {
            throw new IllegalArgumentException("session-memory-bytes=" + sessionMemoryBytes + " must be >= 0");
        }
        if (idleTimeoutSeconds < 0) {
            throw new IllegalArgumentException("idle-timeout-seconds=" + idleTimeoutSeconds + " must be >= 0");
        }
        if (sageMakerModel != null && sageMakerModel.isBlank()) {
            sageMakerModel = null;
        }
        if (controlMode == ModelControlMode.NONE && !loadModels.isEmpty()) {
            throw new IllegalArgumentException("--load-model needs --model-control-mode=explicit");
        }
    }

    /**
     * Defaults for everything, on the given HTTP port, for tests and embedding. With 0 the gRPC and
     * metrics ports are picked free too, so that servers started side by side do not collide.
     */
    public static ServerConfig defaults(Path modelRepository, int httpPort) {
        int grpcPort = httpPort == 0 ? 0 : DEFAULT_GRPC_PORT;
        int metricsPort = httpPort == 0 ? 0 : DEFAULT_METRICS_PORT;
        return new ServerConfig(modelRepository, "0.0.0.0", httpPort, grpcPort, metricsPort, ModelControlMode.NONE,
                List.of(), DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_TENSOR_ELEMENTS, DEFAULT_MAX_QUEUE_SIZE,
                Math.max(1, Runtime.getRuntime().availableProcessors()), DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_SESSION_MEMORY_BYTES,
                null, List.of(), DEFAULT_IDLE_TIMEOUT_SECONDS, false);
    }

    /** This configuration with other limits, for tests of the limits. */
    public ServerConfig withLimits(long bodyBytes, long tensorElements, int queueSize) {
        Copy c = new Copy(this);
        c.maxBodyBytes = bodyBytes;
        c.maxTensorElements = tensorElements;
        c.maxQueueSize = queueSize;
        return c.build();
    }

    /** This configuration bound to another address. */
    public ServerConfig withAddress(String address) {
        Copy c = new Copy(this);
        c.httpAddress = address;
        return c.build();
    }

    /** This configuration in another model-control mode. */
    public ServerConfig withControl(ModelControlMode mode, List<String> models) {
        Copy c = new Copy(this);
        c.controlMode = mode;
        c.loadModels = models;
        return c.build();
    }

    /** This configuration with another session memory budget and default SageMaker model ({@code null} for none). */
    public ServerConfig withSessions(long memoryBytes, String defaultSageMakerModel) {
        Copy c = new Copy(this);
        c.sessionMemoryBytes = memoryBytes;
        c.sageMakerModel = defaultSageMakerModel;
        return c.build();
    }

    /** This configuration with other folders the adapter API may register adapters from. */
    public ServerConfig withAdapterRoots(List<Path> roots) {
        Copy c = new Copy(this);
        c.adapterRoots = roots;
        return c.build();
    }

    /** This configuration with another idle-connection timeout (0: never). */
    public ServerConfig withIdleTimeout(int seconds) {
        Copy c = new Copy(this);
        c.idleTimeoutSeconds = seconds;
        return c.build();
    }

    /** This configuration with the audit log on or off. */
    public ServerConfig withAuditLog(boolean on) {
        Copy c = new Copy(this);
        c.auditLog = on;
        return c.build();
    }

    /** A configuration's fields to change one or two of (the with-methods); {@link #build} validates again. */
    private static final class Copy {
        private final Path modelRepository;
        private String httpAddress;
        private final int httpPort;
        private final int grpcPort;
        private final int metricsPort;
        private ModelControlMode controlMode;
        private List<String> loadModels;
        private long maxBodyBytes;
        private long maxTensorElements;
        private int maxQueueSize;
        private final int httpThreads;
        private final int maxConcurrentStreams;
        private long sessionMemoryBytes;
        private String sageMakerModel;
        private List<Path> adapterRoots;
        private int idleTimeoutSeconds;
        private boolean auditLog;

        Copy(ServerConfig c) {
            modelRepository = c.modelRepository;
            httpAddress = c.httpAddress;
            httpPort = c.httpPort;
            grpcPort = c.grpcPort;
            metricsPort = c.metricsPort;
            controlMode = c.controlMode;
            loadModels = c.loadModels;
            maxBodyBytes = c.maxBodyBytes;
            maxTensorElements = c.maxTensorElements;
            maxQueueSize = c.maxQueueSize;
            httpThreads = c.httpThreads;
            maxConcurrentStreams = c.maxConcurrentStreams;
            sessionMemoryBytes = c.sessionMemoryBytes;
            sageMakerModel = c.sageMakerModel;
            adapterRoots = c.adapterRoots;
            idleTimeoutSeconds = c.idleTimeoutSeconds;
            auditLog = c.auditLog;
        }

        ServerConfig build() {
            return new ServerConfig(modelRepository, httpAddress, httpPort, grpcPort, metricsPort, controlMode, loadModels, maxBodyBytes,
                    maxTensorElements, maxQueueSize, httpThreads, maxConcurrentStreams, sessionMemoryBytes, sageMakerModel, adapterRoots,
                    idleTimeoutSeconds, auditLog);
        }
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + "=" + port + " must be between 0 and 65535");
        }
    }
}
