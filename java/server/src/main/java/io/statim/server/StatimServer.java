package io.statim.server;

import io.statim.core.device.HostDevice;
import io.statim.core.device.MemoryUse;
import io.statim.model.repository.ModelRepository;
import io.statim.protocol.ModelControl;
import io.statim.protocol.lora.AdapterControl;
import io.statim.protocol.lora.AdapterPaths;
import io.statim.protocol.ServerInfo;
import io.statim.protocol.grpc.GrpcInferenceService;
import io.statim.protocol.oip.OipRequestDecoder;
import io.statim.protocol.oip.OipResponseEncoder;
import io.statim.runtime.RequestValidator;
import io.statim.scheduler.ModelControlMode;
import io.statim.scheduler.ModelManager;
import io.statim.scheduler.session.SessionIds;
import io.statim.scheduler.session.SessionStore;
import io.statim.server.grpc.GrpcServer;
import io.statim.server.http.HttpServer;
import io.statim.server.http.OipHttpHandler;
import io.statim.server.metrics.MetricsServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Statim process: the host device, the session store, the models of one repository, the HTTP and
 * gRPC front ends and the Prometheus metrics port.
 * {@link #start} returns once the models asked for have loaded (or failed, recorded in the
 * repository index) and the ports are bound; {@link #close} stops everything in reverse order.
 */
public final class StatimServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatimServer.class);
    /** Bytes the host device reserves from the system at a time for its pools. */
    private static final long SLAB_BYTES = 4L << 20;
    /** How often idle sessions past their time to live are ended. */
    private static final long SESSION_SWEEP_MILLIS = 1000;
    /** The version reported by {@code GET /v2}. */
    public static final String VERSION = "0.1.0";
    /** The protocol extensions served, reported by the server-metadata calls of REST and gRPC. */
    public static final List<String> EXTENSIONS = List.of("binary_tensor_data", "statistics", "model_repository", "model_configuration");

    private final HostDevice device;
    private final SessionStore sessions;
    private final ModelManager models;
    private final ExecutorService control;
    private final HttpServer http;
    private final MetricsServer metrics;
    private final GrpcServer grpc;
    private final Path repository;
    private final Accelerators accelerators;

    private StatimServer(HostDevice device, Accelerators accelerators, SessionStore sessions, ModelManager models, ExecutorService control,
            HttpServer http, MetricsServer metrics, GrpcServer grpc, Path repository) {
        this.device = device;
        this.accelerators = accelerators;
        this.sessions = sessions;
        this.models = models;
        this.control = control;
        this.http = http;
        this.metrics = metrics;
        this.grpc = grpc;
        this.repository = repository;
    }

    /** Starts a server; throws when a port cannot be bound. */
    public static StatimServer start(ServerConfig config) throws InterruptedException {
        Path repository = config.modelRepository() != null ? config.modelRepository() : DefaultRepository.materialize(DefaultRepository.cacheDir());
        HostDevice device = new HostDevice(new HostDevice.Config(SLAB_BYTES, Map.of(MemoryUse.SESSION_CACHE, config.sessionMemoryBytes()),
                Boolean.getBoolean("statim.trackLeaks")));
        SessionStore sessions = new SessionStore(device, new SessionIds(), Clock.systemUTC(), SESSION_SWEEP_MILLIS);
        Accelerators accelerators = Accelerators.detect(DefaultRepository.cacheDir());
        ModelManager models = new ModelManager(new ModelRepository(repository), accelerators.backends(), device, accelerators.gpu(),
                new ModelManager.Settings(config.maxQueueSize(), Runtime.getRuntime().availableProcessors()), sessions);
        ExecutorService control = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("statim-control").daemon().factory());
        try {
            List<String> failed = models.loadAll(initialModels(config, models));
            if (!failed.isEmpty()) {
                LOG.warn("models that failed to load: {} (see GET /v2/repository/index)", failed);
            }
            if (config.sageMakerModel() != null && !models.repository().modelNames().contains(config.sageMakerModel())) {
                LOG.warn("--sagemaker-model '{}' is not in the repository: POST /invocations without a target model will get 404",
                        config.sageMakerModel());
            }
            RequestValidator validator = new RequestValidator(config.maxTensorElements());
            ModelControl modelControl = new ModelControl(models, config.controlMode(), control);
            ServerInfo info = new ServerInfo("statim", VERSION, EXTENSIONS);
            OipHttpHandler handler = new OipHttpHandler(models, device, new OipRequestDecoder(validator), new OipResponseEncoder(),
                    modelControl, info, config.sageMakerModel(), new AdapterControl(control, new AdapterPaths(config.adapterRoots())));
            HttpServer http = HttpServer.start(config.httpAddress(), config.httpPort(), config.httpThreads(), handler,
                    (int) config.maxBodyBytes(), config.maxConcurrentStreams(), config.idleTimeoutSeconds(), config.auditLog());
            MetricsServer metrics;
            GrpcServer grpc;
            try {
                metrics = MetricsServer.start(config.httpAddress(), config.metricsPort(), models, List.of(device), sessions,
                        config.idleTimeoutSeconds());
            } catch (InterruptedException | RuntimeException e) {
                http.close();
                throw e;
            }
            try {
                grpc = GrpcServer.start(config, new GrpcInferenceService(models, validator, modelControl, info),
                        models::allReady, modelControl);
            } catch (RuntimeException e) {
                http.close();
                metrics.close();
                throw e;
            }
            LOG.info("Statim {} serving repository {}", VERSION, repository);
            return new StatimServer(device, accelerators, sessions, models, control, http, metrics, grpc, repository);
        } catch (InterruptedException | RuntimeException e) {
            models.close();
            sessions.close();
            control.shutdownNow();
            accelerators.close();
            device.close();
            throw e;
        }
    }

    private static List<String> initialModels(ServerConfig config, ModelManager models) {
        List<String> all = models.repository().modelNames();
        if (config.controlMode() == ModelControlMode.NONE || config.loadModels().contains("*")) {
            return all;
        }
        return config.loadModels();
    }

    /** The HTTP port bound. */
    public int httpPort() {
        return http.port();
    }

    /** The gRPC port bound. */
    public int grpcPort() {
        return grpc.port();
    }

    /** The metrics port bound. */
    public int metricsPort() {
        return metrics.port();
    }

    /** The repository being served. */
    public Path repository() {
        return repository;
    }

    /** The host device, whose buffers tests check for leaks. */
    public HostDevice device() {
        return device;
    }

    /** The sessions of the models with {@code sequence_batching}. */
    public SessionStore sessions() {
        return sessions;
    }

    /** The loaded models. */
    public ModelManager models() {
        return models;
    }

    @Override
    public void close() {
        grpc.close();
        http.close();
        metrics.close();
        models.close();
        // After the models: unloading ends their sessions; this stops the sweeper and ends any left.
        sessions.close();
        control.shutdownNow();
        accelerators.close();
        device.close();
    }
}
