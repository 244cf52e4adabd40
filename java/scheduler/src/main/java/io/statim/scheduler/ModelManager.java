package io.statim.scheduler;

import io.statim.core.device.Device;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.config.InstanceGroup;
import io.statim.model.config.ModelConfig;
import io.statim.model.repository.ModelRepository;
import io.statim.model.repository.ModelSource;
import io.statim.runtime.Backend;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.InstanceSpec;
import io.statim.runtime.ModelInstance;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import io.statim.model.config.LoraConfig;
import io.statim.runtime.lora.LoraModel;
import io.statim.scheduler.batch.DynamicBatcher;
import io.statim.scheduler.lora.AdapterRegistry;
import io.statim.scheduler.session.SequenceScheduler;
import io.statim.scheduler.session.SessionIds;
import io.statim.scheduler.session.SessionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads models from a repository onto backends and keeps the table of what is served. A load
 * builds every served version's instances first and then swaps them in, so a reload never leaves a
 * model half-served and a failed load leaves the other models (and the previous versions) serving.
 *
 * <p>A model with {@code lora_target_modules} is loaded with LoRA: its graph is rewritten once per
 * version ({@link LoraModel}), every instance of the version reads the same slot pools, and the
 * version gets an {@link AdapterRegistry} ({@link ServedModel#adapters()}) that registers the
 * config's {@code lora_adapters} (a bad one fails the load) and is the dynamic batcher's
 * {@link io.statim.scheduler.batch.BatchHook}. A reload registers (and pins) again the adapters the
 * same version had; unloading frees the pools and host images after the instances are closed.
 *
 * <p>Thread safety: lookups are lock-free and may run on event loops; load and unload of one model
 * are serialized, and must not run on an event loop (they block while instances load or drain).
 */
public final class ModelManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);

    /**
     * Settings of the manager.
     *
     * @param maxQueueSize       requests that may wait per priority level of a model version when its
     *                           queue policy sets no max_queue_size
     * @param availableCores     cores shared by all instances, used for the default intra-op threads
     */
    public record Settings(int maxQueueSize, int availableCores) {
        public Settings {
            if (maxQueueSize < 1) {
                throw new IllegalArgumentException("maxQueueSize=" + maxQueueSize + " must be >= 1");
            }
            if (availableCores < 1) {
                throw new IllegalArgumentException("availableCores=" + availableCores + " must be >= 1");
            }
        }
    }

    /** One row of the repository index. */
    public record IndexEntry(String name, String version, ModelState state, String reason) {
    }

    private record Entry(ModelState state, String reason, NavigableMap<Long, ServedModel> versions) {
    }

    private final ModelRepository repository;
    private final List<Backend> backends;
    private final Device device;
    private final Settings settings;
    private final Map<String, Entry> models = new ConcurrentHashMap<>();
    private final SessionStore sessions;
    private final Gpu gpu;

    /**
     * The GPU that models with {@code instance_group { kind: KIND_GPU }} run on, or why there is none.
     *
     * @param device            the GPU's device, or {@code null}
     * @param unavailableReason why there is no GPU, in one line (said when a KIND_GPU model loads)
     */
    public record Gpu(Device device, String unavailableReason) {
        /** No GPU, for the given reason. */
        public static Gpu none(String reason) {
            return new Gpu(null, reason);
        }
    }

    /**
     * @param sessions the sessions of models with {@code sequence_batching}, on {@code device}; the
     *                 manager does not close it
     */
    public ModelManager(ModelRepository repository, List<Backend> backends, Device device, Settings settings, SessionStore sessions) {
        this(repository, backends, device, Gpu.none("no GPU was configured"), settings, sessions);
    }

    /**
     * @param device   the host device: CPU instances' memory and the sessions' store
     * @param gpu      the GPU for KIND_GPU instances, or none with the reason
     * @param sessions the sessions of models with {@code sequence_batching}, on {@code device}; the
     *                 manager does not close it
     */
    public ModelManager(ModelRepository repository, List<Backend> backends, Device device, Gpu gpu, Settings settings,
            SessionStore sessions) {
        this.gpu = gpu;
        this.repository = repository;
        this.backends = List.copyOf(backends);
        this.device = device;
        this.settings = settings;
        this.sessions = sessions;
    }

    /** A manager whose session store has no sweeper thread (tests, tools). */
    public ModelManager(ModelRepository repository, List<Backend> backends, Device device, Settings settings) {
        this(repository, backends, device, settings, new SessionStore(device, new SessionIds(), java.time.Clock.systemUTC(), 0));
    }

    /** The sessions of the models with {@code sequence_batching}. */
    public SessionStore sessions() {
        return sessions;
    }

    /** The repository the models come from. */
    public ModelRepository repository() {
        return repository;
    }

    /**
     * Loads (or reloads) a model: every version its policy selects.
     *
     * @throws StatusException naming what failed; the model's previous versions keep serving
     */
    public synchronized void load(String name) {
        Entry previous = models.get(name);
        models.put(name, new Entry(ModelState.LOADING, "", previous != null ? previous.versions() : Collections.emptyNavigableMap()));
        NavigableMap<Long, ServedModel> versions = new TreeMap<>();
        try {
            ModelSource source = repository.load(name);
            Backend backend = backendFor(source.config());
            for (long version : source.servedVersions()) {
                versions.put(version, start(source, version, backend));
            }
            if (previous != null) {
                carryOverAdapters(previous.versions(), versions);
            }
        } catch (RuntimeException e) {
            versions.values().forEach(ServedModel::close);
            Status status = StatusException.statusOf(e);
            if (!(e instanceof StatusException)) {
                LOG.error("loading model '{}' failed", name, e);
            }
            models.put(name, previous != null && !previous.versions().isEmpty()
                    ? new Entry(ModelState.READY, "reload failed: " + status.message(), previous.versions())
                    : new Entry(ModelState.UNAVAILABLE, status.message(), Collections.emptyNavigableMap()));
            LOG.warn("model '{}' failed to load: {}", name, status.message());
            throw e instanceof StatusException se ? se : new StatusException(status, e);
        }
        models.put(name, new Entry(ModelState.READY, "", Collections.unmodifiableNavigableMap(versions)));
        LOG.info("model '{}' ready, versions {}", name, versions.keySet());
        if (previous != null) {
            previous.versions().values().forEach(ServedModel::close);
        }
    }

    /**
     * Loads every model of the repository; a model that fails is recorded as UNAVAILABLE with its
     * reason and the others load anyway.
     *
     * @return the names that failed
     */
    public List<String> loadAll(List<String> names) {
        List<String> failed = new ArrayList<>();
        for (String name : names) {
            try {
                load(name);
            } catch (StatusException e) {
                failed.add(name);
            }
        }
        return failed;
    }

    /** Unloads a model; queued requests fail with UNAVAILABLE, running ones finish. */
    public synchronized void unload(String name) {
        Entry entry = models.get(name);
        if (entry == null || entry.versions().isEmpty()) {
            if (entry == null && !repository.modelNames().contains(name)) {
                throw new StatusException(Code.NOT_FOUND, "model '" + name + "' is not in the repository");
            }
            models.put(name, new Entry(ModelState.UNAVAILABLE, "unloaded", Collections.emptyNavigableMap()));
            return;
        }
        models.put(name, new Entry(ModelState.UNLOADING, "", entry.versions()));
        entry.versions().values().forEach(ServedModel::close);
        models.put(name, new Entry(ModelState.UNAVAILABLE, "unloaded", Collections.emptyNavigableMap()));
        LOG.info("model '{}' unloaded", name);
    }

    /**
     * The served version of a model: the newest one for {@link InferenceRequest#LATEST}.
     *
     * @throws StatusException NOT_FOUND for an unknown model or version, UNAVAILABLE when not loaded
     */
    public ServedModel resolve(String name, long version) {
        Entry entry = models.get(name);
        if (entry == null) {
            throw new StatusException(Code.NOT_FOUND, "unknown model '" + name + "'");
        }
        if (entry.versions().isEmpty()) {
            throw new StatusException(Code.UNAVAILABLE, "model '" + name + "' is not ready"
                    + (entry.reason().isEmpty() ? "" : ": " + entry.reason()));
        }
        ServedModel served = version == InferenceRequest.LATEST ? entry.versions().lastEntry().getValue() : entry.versions().get(version);
        if (served == null) {
            throw new StatusException(Code.NOT_FOUND, "model '" + name + "' has no version " + version + " being served; served: "
                    + entry.versions().keySet());
        }
        return served;
    }

    /** True when the model (and version, unless LATEST) is serving. */
    public boolean isReady(String name, long version) {
        Entry entry = models.get(name);
        return entry != null && !entry.versions().isEmpty()
                && (version == InferenceRequest.LATEST || entry.versions().containsKey(version));
    }

    /** The versions of a model being served, oldest first (empty when none). */
    public List<ServedModel> servedVersions(String name) {
        Entry entry = models.get(name);
        return entry == null ? List.of() : List.copyOf(entry.versions().values());
    }

    /** Every served model version. */
    public List<ServedModel> served() {
        List<ServedModel> out = new ArrayList<>();
        for (Entry e : models.values()) {
            out.addAll(e.versions().values());
        }
        out.sort((a, b) -> a.name().equals(b.name()) ? Long.compare(a.version(), b.version()) : a.name().compareTo(b.name()));
        return out;
    }

    /** Triton's repository index: every model of the repository, with its state. */
    public List<IndexEntry> index() {
        List<IndexEntry> out = new ArrayList<>();
        List<String> names = new ArrayList<>(repository.modelNames());
        for (String known : models.keySet()) {
            if (!names.contains(known)) {
                names.add(known);
            }
        }
        Collections.sort(names);
        for (String name : names) {
            Entry entry = models.get(name);
            if (entry == null) {
                out.add(new IndexEntry(name, "", ModelState.UNAVAILABLE, "not loaded"));
            } else if (entry.versions().isEmpty()) {
                out.add(new IndexEntry(name, "", entry.state(), entry.reason()));
            } else {
                for (long v : entry.versions().keySet()) {
                    out.add(new IndexEntry(name, Long.toString(v), entry.state(), entry.reason()));
                }
            }
        }
        return out;
    }

    /** True when every model that was asked to load is serving. */
    public boolean allReady() {
        for (Entry e : models.values()) {
            if (e.state() != ModelState.READY && !"unloaded".equals(e.reason())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        for (String name : new ArrayList<>(models.keySet())) {
            Entry entry = models.get(name);
            if (entry != null && !entry.versions().isEmpty()) {
                unload(name);
            }
        }
    }

    private Backend backendFor(ModelConfig config) {
        for (Backend b : backends) {
            if (b.accepts(config)) {
                return b;
            }
        }
        throw new StatusException(Code.INVALID_ARGUMENT, "model '" + config.name() + "': no backend serves backend '"
                + config.backend() + "' / platform '" + config.platform() + "'");
    }

    /** The host device, or the GPU for a model whose instance groups are all KIND_GPU. */
    private Device deviceFor(ModelConfig config, List<InstanceGroup> groups, int gpuGroups) {
        if (gpuGroups == 0) {
            return device;
        }
        if (gpuGroups != groups.size()) {
            throw new StatusException(Code.INVALID_ARGUMENT, "model '" + config.name() + "': instance groups mix KIND_GPU with other"
                    + " kinds; serve the CPU and GPU instances as two models");
        }
        if (gpu.device() == null) {
            throw new StatusException(Code.FAILED_PRECONDITION, "model '" + config.name() + "': instance_group kind KIND_GPU needs a GPU: "
                    + gpu.unavailableReason() + "; use KIND_CPU");
        }
        if (config.sequenceBatchingEnabled()) {
            throw new StatusException(Code.INVALID_ARGUMENT, "model '" + config.name() + "': sessions (sequence_batching) are not yet"
                    + " served on the GPU; use KIND_CPU");
        }
        return gpu.device();
    }

    private ServedModel start(ModelSource source, long version, Backend backend) {
        ModelConfig config = source.config();
        List<InstanceGroup> groups = config.instanceGroups().isEmpty()
                ? List.of(new InstanceGroup("", 1, InstanceGroup.Kind.KIND_AUTO, List.of()))
                : config.instanceGroups();
        int instanceCount = 0;
        int gpuGroups = 0;
        for (InstanceGroup group : groups) {
            if (group.kind() == InstanceGroup.Kind.KIND_GPU) {
                gpuGroups++;
            }
            instanceCount += group.count();
        }
        Device device = deviceFor(config, groups, gpuGroups);
        if (config.loraEnabled() && config.sequenceBatchingEnabled()) {
            throw new StatusException(Code.INVALID_ARGUMENT, "model '" + config.name() + "': LoRA adapters are not supported with"
                    + " sequence_batching");
        }
        int defaultThreads = Math.max(1, settings.availableCores() / Math.max(1, instanceCount));
        int threads = config.intParameter("intra_op_thread_count", defaultThreads);
        // A sequence model's instances also take its state and control tensors; callers see the public config.
        ModelSource loaded = config.sequenceBatchingEnabled()
                ? new ModelSource(config.executionConfig(), source.modelDir(), source.versionDirs())
                : source;
        // A LoRA model's graph is rewritten once per version; its instances share the slot pools.
        LoraModel lora = config.loraEnabled() ? LoraModel.load(loaded, version, device) : null;
        List<ModelInstance> instances = new ArrayList<>();
        AdapterRegistry adapters = null;
        try {
            int index = 0;
            for (InstanceGroup group : groups) {
                for (int i = 0; i < group.count(); i++) {
                    String instanceName = (group.name().isEmpty() ? config.name() : group.name()) + "_" + i;
                    instances.add(backend.load(loaded, version, new InstanceSpec(instanceName, index++, threads, lora), device));
                }
            }
            if (lora != null) {
                lora.discardModelBytes();
                adapters = new AdapterRegistry(lora, source.modelDir(), device);
                preload(config, adapters);
            }
        } catch (RuntimeException e) {
            instances.forEach(ModelInstance::close);
            if (adapters != null) {
                adapters.close();
            } else if (lora != null) {
                lora.close();
            }
            throw e;
        }
        ModelStatistics statistics = new ModelStatistics(config.maxBatchSize());
        Scheduler scheduler = config.sequenceBatchingEnabled()
                ? new SequenceScheduler(config, version, instances, settings.maxQueueSize(), sessions, statistics, NanoClock.SYSTEM)
                : new DynamicBatcher(config, version, instances, settings.maxQueueSize(), statistics, NanoClock.SYSTEM,
                        adapters == null ? null : adapters.batchHook());
        return new ServedModel(config, version, scheduler, statistics, adapters);
    }

    /** Registers the adapters of {@code lora_adapters}; a bad one fails the load, naming it. */
    private static void preload(ModelConfig config, AdapterRegistry adapters) {
        for (Map.Entry<String, String> entry : config.lora().preload().entrySet()) {
            try {
                adapters.register(entry.getKey(), entry.getValue());
            } catch (StatusException e) {
                throw new StatusException(new Status(e.code(), "model '" + config.name() + "': parameter '" + LoraConfig.ADAPTERS
                        + "': adapter '" + entry.getKey() + "': " + e.status().message()), e);
            }
        }
    }

    /**
     * A reload keeps the adapters registered over the API: each one the new version of the same number
     * does not have yet is registered again (and pinned again), best effort; one that no longer fits
     * is dropped with a warning.
     */
    private static void carryOverAdapters(NavigableMap<Long, ServedModel> previous, NavigableMap<Long, ServedModel> next) {
        for (Map.Entry<Long, ServedModel> entry : next.entrySet()) {
            ServedModel old = previous.get(entry.getKey());
            AdapterRegistry to = entry.getValue().adapters();
            if (old == null || old.adapters() == null || to == null) {
                continue;
            }
            for (AdapterRegistry.AdapterInfo info : old.adapters().list()) {
                try {
                    try {
                        to.register(info.name(), info.path());
                    } catch (StatusException e) {
                        if (e.code() != Code.ALREADY_EXISTS) {
                            throw e;
                        }
                        // Preloaded by the new config already.
                    }
                    if (info.pinned()) {
                        to.pin(info.name());
                    }
                } catch (StatusException e) {
                    LOG.warn("model '{}' version {}: adapter '{}' is not served after the reload: {}", old.name(), entry.getKey(),
                            info.name(), e.status().message());
                }
            }
        }
    }
}
