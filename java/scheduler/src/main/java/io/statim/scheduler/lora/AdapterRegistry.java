package io.statim.scheduler.lora;

import io.statim.core.device.Device;
import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.model.config.LoraConfig;
import io.statim.model.lora.PeftAdapter;
import io.statim.runtime.AdapterBinding;
import io.statim.runtime.InferenceRequest;
import io.statim.runtime.lora.LoraModel;
import io.statim.scheduler.batch.BatchHook;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LoRA adapters of one model version, in three tiers:
 * <ol>
 *   <li><b>disk</b>: the PEFT folder, validated at registration and mapped only while an adapter is
 *       read;</li>
 *   <li><b>host</b>: off-heap slot images ({@link LoraModel#writeImage}: {@code Aᵀ} and
 *       {@code Bᵀ·scale} padded to the max rank, FP32), charged to {@link MemoryUse#LORA_HOST}, least
 *       recently used dropped first to stay within {@code lora_host_memory_bytes}; an image that does
 *       not fit is not kept and its slot is written straight from the files;</li>
 *   <li><b>device</b>: the {@code lora_slots} slots of the model's pools, least recently used
 *       reused first; a pinned adapter's slot and a slot that a running batch reads are never
 *       reused.</li>
 * </ol>
 * Filling a slot copies only that adapter (one copy per pool from its host image).
 *
 * <p>Requests: {@link #acquire} gives a request an {@link AdapterBinding}, a reference that keeps
 * the adapter (and its memory) alive until the request is done, so that {@link #unregister} refuses
 * new requests at once while the ones holding it finish with its weights (they are copied to the host
 * tier at unregistration and kept there, so that files replaced meanwhile do not matter); its slot
 * and image are freed when the last one is done. A load notices files changed since registration
 * (size, modification time, file key) and refuses them rather than serve other weights under the
 * registered name. The {@link #batchHook()} runs on the batcher's workers: right
 * before a batch executes it brings each request's adapter into a slot (a miss reads host, or disk
 * then host), marks the slot in use, and sets the binding's slot; after the execution it lets the
 * slots go. A request whose adapter cannot be made resident fails alone: RESOURCE_EXHAUSTED when
 * every slot is pinned or in use, FAILED_PRECONDITION naming the adapter when its files no longer
 * load.
 *
 * <p>Threads: every method may be called from any thread. {@link #acquire} is lock-free (event
 * loops call it). One lock guards the tiers' tables and counters and is never held while reading
 * files or copying weights; a second lock lets one load (disk → host → slot) run at a time, so a
 * slot being filled is reserved, never read, and never chosen twice. Register, unregister, pin and
 * unpin block on files; call them off the event loops.
 *
 * <p>Ownership: the registry owns the {@link LoraModel} (its pools) and its host images, and frees
 * them in {@link #close()}, which the model manager calls after the model's scheduler has closed.
 */
public final class AdapterRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdapterRegistry.class);

    /** The tier of an adapter whose weights are only in its files. */
    public static final String TIER_DISK = "disk";
    /** The tier of an adapter whose slot image is on the host. */
    public static final String TIER_HOST = "host";
    /** The tier of an adapter in a device slot. */
    public static final String TIER_DEVICE = "device";

    /**
     * What the API says of one adapter.
     *
     * @param name          the registered name
     * @param path          the adapter folder, absolute
     * @param rank          PEFT's {@code r}
     * @param alpha         PEFT's {@code lora_alpha}
     * @param targetModules PEFT's {@code target_modules}, as the adapter's config lists them
     * @param tier          {@link #TIER_DEVICE}, {@link #TIER_HOST} or {@link #TIER_DISK}: the highest tier holding it
     * @param pinned        whether it is pinned to its slot
     * @param slot          its device slot, or -1 when in none
     */
    public record AdapterInfo(String name, String path, int rank, double alpha, List<String> targetModules, String tier,
                              boolean pinned, int slot) {
        public AdapterInfo {
            targetModules = List.copyOf(targetModules);
        }
    }

    private final String modelName;
    private final long version;
    private final Path modelDir;
    private final LoraModel lora;
    private final Device device;
    private final long hostBudget;
    private final long imageBytes;
    private final Hook hook = new Hook();
    /** Registered adapters by name; read without a lock by {@link #acquire}. */
    private final Map<String, Adapter> registered = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** One load at a time: a slot being filled is reserved and its image is not evicted meanwhile. */
    private final ReentrantLock loadLock = new ReentrantLock();
    /** Guarded by {@link #lock}; index 0 unused (the zero slot). */
    private final Slot[] slots;
    /** Guarded by {@link #lock}: adapters with a host image, least recently used first. */
    private final LinkedHashMap<Adapter, Boolean> hostLru = new LinkedHashMap<>(16, 0.75f, true);
    /** Guarded by {@link #lock}. */
    private long hostBytes;
    /** Guarded by {@link #lock}. */
    private long tick;
    /** Written under {@link #lock}; read without it by {@link #acquire}. */
    private volatile boolean closed;
    /** Guarded by {@link #lock}: loads refused for want of a slot, and loads that failed. */
    private long noSlot;
    /** Guarded by {@link #lock}: requests put back to wait because every slot was read by running batches. */
    private long slotWaits;
    private long loadFailures;
    /** Guarded by {@link #lock}. */
    private final Counters hostCounters = new Counters();
    /** Guarded by {@link #lock}. */
    private final Counters deviceCounters = new Counters();

    /**
     * A registry over the pools of {@code lora}, which it owns from now on.
     *
     * @param modelDir where relative adapter paths start
     * @param device   where host images are allocated ({@link MemoryUse#LORA_HOST})
     */
    public AdapterRegistry(LoraModel lora, Path modelDir, Device device) {
        this.modelName = lora.modelName();
        this.version = lora.version();
        this.modelDir = modelDir.toAbsolutePath().normalize();
        this.lora = lora;
        this.device = device;
        this.hostBudget = lora.config().hostMemoryBytes();
        this.imageBytes = lora.imageBytes();
        this.slots = new Slot[lora.deviceSlots() + 1];
        for (int i = 1; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
    }

    /** The model's name. */
    public String modelName() {
        return modelName;
    }

    /** The model's version. */
    public long version() {
        return version;
    }

    /** The rewritten model and its pools. */
    public LoraModel loraModel() {
        return lora;
    }

    /** What the batcher calls around each execution. */
    public BatchHook batchHook() {
        return hook;
    }

    // ---- the API ----

    /** The model's directory, where relative adapter paths start (absolute, normalized). */
    public Path modelDirectory() {
        return modelDir;
    }

    /**
     * Registers the adapter in the folder {@code path} (absolute, or relative to the model's
     * directory) as {@code name}. The folder is read and checked against the model now; nothing is
     * loaded into the host or device tiers, and nothing else that is served changes.
     *
     * @throws StatusException INVALID_ARGUMENT for a bad name or an adapter that is invalid or does not
     *                         fit the model (naming the tensor); NOT_FOUND when the folder or a file is
     *                         missing; ALREADY_EXISTS when the name is taken
     */
    public AdapterInfo register(String name, String path) {
        if (!LoraConfig.isValidAdapterName(name)) {
            throw new StatusException(Code.INVALID_ARGUMENT, "adapter name '" + (name == null ? "" : name) + "' must be 1 to "
                    + LoraConfig.MAX_ADAPTER_NAME_LENGTH + " letters, digits, '-', '_' or '.'");
        }
        checkOpen();
        if (registered.containsKey(name)) {
            throw alreadyExists(name);
        }
        Path folder = resolve(path);
        Adapter adapter;
        try (Arena arena = Arena.ofConfined(); PeftAdapter peft = open(folder, arena)) {
            Fingerprint fingerprint = Fingerprint.of(folder);
            lora.layout().check(peft);
            adapter = new Adapter(name, folder, peft.rank(), peft.loraAlpha(), peft.targetModules(), fingerprint);
        }
        if (registered.putIfAbsent(name, adapter) != null) {
            throw alreadyExists(name);
        }
        LOG.info("model '{}' version {}: adapter '{}' registered from {} (rank {})", modelName, version, name, folder, adapter.rank);
        return info(adapter);
    }

    /**
     * Unregisters an adapter: requests naming it are refused from now on; requests that already hold
     * it finish with its weights, and its slot and host image are freed when the last one is done.
     *
     * @throws StatusException NOT_FOUND when no adapter of that name is registered
     */
    public void unregister(String name) {
        Adapter adapter = name == null ? null : registered.remove(name);
        if (adapter == null) {
            throw notRegistered(name);
        }
        lock.lock();
        try {
            adapter.pinned = false;
            adapter.unregistered = true;
        } finally {
            lock.unlock();
        }
        try {
            if (adapter.refs.get() > 1) {
                keepForHolders(adapter);
            }
        } finally {
            adapter.release();
        }
        LOG.info("model '{}' version {}: adapter '{}' unregistered", modelName, version, name);
    }

    /** Every registered adapter, by name. */
    public List<AdapterInfo> list() {
        List<Adapter> adapters = new ArrayList<>(registered.values());
        adapters.sort(Comparator.comparing(a -> a.name));
        List<AdapterInfo> out = new ArrayList<>(adapters.size());
        for (Adapter a : adapters) {
            out.add(info(a));
        }
        return out;
    }

    /**
     * One registered adapter.
     *
     * @throws StatusException NOT_FOUND when no adapter of that name is registered
     */
    public AdapterInfo describe(String name) {
        return info(lookup(name));
    }

    /**
     * Loads the adapter into a slot now (when it is not in one) and keeps it there until
     * {@link #unpin} or {@link #unregister}. Blocks while the adapter loads.
     *
     * @throws StatusException NOT_FOUND when not registered; RESOURCE_EXHAUSTED when every slot is
     *                         pinned (or in use by running batches); FAILED_PRECONDITION when its files
     *                         no longer load
     */
    public void pin(String name) {
        Adapter adapter = lookup(name);
        if (!adapter.retain()) {
            throw notRegistered(name);
        }
        try {
            residentSlot(adapter, true, false);
        } finally {
            adapter.release();
        }
    }

    /**
     * Lets a pinned adapter be evicted again (it stays in its slot until a slot is needed).
     *
     * @throws StatusException NOT_FOUND when not registered
     */
    public void unpin(String name) {
        Adapter adapter = lookup(name);
        lock.lock();
        try {
            adapter.pinned = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A reference on the adapter for one request; the request releases it when it is done. Lock-free.
     *
     * @throws StatusException NOT_FOUND {@code "adapter 'x' is not registered for model 'm'"};
     *                         UNAVAILABLE when the model is being unloaded
     */
    public AdapterBinding acquire(String name) {
        Adapter adapter = name == null ? null : registered.get(name);
        if (adapter == null || !adapter.retain()) {
            if (closed) {
                throw new StatusException(Code.UNAVAILABLE, "model '" + modelName + "' is being unloaded");
            }
            throw notRegistered(name);
        }
        return new Lease(adapter);
    }

    /** The tiers' counters now. */
    public AdapterStatistics statistics() {
        lock.lock();
        try {
            int occupied = 0;
            int pinned = 0;
            int inUse = 0;
            for (int i = 1; i < slots.length; i++) {
                Slot s = slots[i];
                if (s.owner != null) {
                    occupied++;
                    if (s.owner.pinned && s.owner.slot == i) {
                        pinned++;
                    }
                }
                if (s.uses > 0) {
                    inUse++;
                }
            }
            return new AdapterStatistics(registered.size(), slots.length - 1, occupied, pinned, inUse, noSlot, slotWaits, loadFailures,
                    hostCounters.snapshot(hostBytes, hostBudget),
                    deviceCounters.snapshot(occupied * imageBytes, (slots.length - 1) * imageBytes));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees every host image and the pools; adapters are forgotten. Called after the model's scheduler
     * closed (no batch runs any more). Bindings still held are released later without effect.
     */
    @Override
    public void close() {
        // Waits for a load in progress (a pin or an unregistration on another thread): it writes the
        // pools and host images freed here. Loads that start later see closed under the load lock.
        loadLock.lock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Adapter a : hostLru.keySet()) {
                a.host.release();
                a.host = null;
            }
            hostLru.clear();
            hostBytes = 0;
            registered.clear();
        } finally {
            lock.unlock();
            loadLock.unlock();
        }
        lora.close();
    }

    // ---- tiers ----

    /**
     * The adapter's slot, loading it first when needed. For a batch ({@code pin} false) the slot is
     * marked in use once more; the caller lets it go after the execution. For {@code pin} the adapter
     * is pinned and nothing is marked in use.
     *
     * @param mayWait when no slot is free only because running batches read them: true returns -1
     *                (nothing held), false throws RESOURCE_EXHAUSTED
     */
    private int residentSlot(Adapter adapter, boolean pin, boolean mayWait) {
        lock.lock();
        try {
            checkOpenLocked();
            if (adapter.slot > 0) {
                return hitLocked(adapter, pin);
            }
        } finally {
            lock.unlock();
        }
        loadLock.lock();
        try {
            Slot slot;
            DeviceBuffer image;
            lock.lock();
            try {
                checkOpenLocked();
                if (adapter.slot > 0) {
                    // Loaded by another worker while this one waited.
                    return hitLocked(adapter, pin);
                }
                slot = victimLocked(adapter, mayWait);
                if (slot == null) {
                    return -1;
                }
                deviceCounters.misses++;
                image = adapter.host;
                if (image != null) {
                    hostCounters.hits++;
                    hostLru.get(adapter);
                } else {
                    hostCounters.misses++;
                }
            } finally {
                lock.unlock();
            }
            try {
                fill(adapter, slot.index, image);
            } catch (RuntimeException | Error e) {
                // Whatever failed, the reserved slot is given back (else it stays "in use" for ever).
                lock.lock();
                try {
                    slot.owner = null;
                    slot.uses = 0;
                    loadFailures++;
                } finally {
                    lock.unlock();
                }
                if (e instanceof Error error && !(e instanceof InternalError)) {
                    throw error;
                }
                throw loadFailure(adapter, e);
            }
            lock.lock();
            try {
                adapter.slot = slot.index;
                slot.lastUsed = ++tick;
                if (pin) {
                    adapter.pinned = true;
                    slot.uses--;
                }
                return slot.index;
            } finally {
                lock.unlock();
            }
        } finally {
            loadLock.unlock();
        }
    }

    /**
     * Requests still hold an unregistered adapter: its weights go to the host tier now (copied from its
     * slot, else read from its files), where they stay until the last request is done, so that the
     * requests run with the weights they were admitted with even if the files change meanwhile. Best
     * effort: when the host budget is full, they are read again from the files (and a request fails,
     * rather than running with other weights, if the files changed).
     */
    private void keepForHolders(Adapter adapter) {
        if (!adapter.retain()) {
            return;
        }
        try {
            loadLock.lock();
            try {
                int slot;
                lock.lock();
                try {
                    if (closed || adapter.host != null) {
                        return;
                    }
                    slot = adapter.slot;
                } finally {
                    lock.unlock();
                }
                DeviceBuffer image = reserveHost(adapter);
                if (image == null) {
                    return;
                }
                long start = System.nanoTime();
                try {
                    if (slot > 0) {
                        lora.readSlot(slot, image.segment());
                    } else {
                        try (Arena arena = Arena.ofConfined(); PeftAdapter peft = openUnchanged(adapter, arena)) {
                            lora.writeImage(peft, image.segment());
                        }
                    }
                } catch (RuntimeException | InternalError e) {
                    dropHost(adapter);
                    LOG.warn("model '{}': the unregistered adapter '{}' could not be kept on the host for the requests holding it: {}",
                            modelName, adapter.name, StatusException.statusOf(e).message());
                    return;
                }
                recordLoad(hostCounters, System.nanoTime() - start);
            } finally {
                loadLock.unlock();
            }
        } finally {
            adapter.release();
        }
    }

    /** With the lock held: the adapter is in its slot. */
    private int hitLocked(Adapter adapter, boolean pin) {
        Slot slot = slots[adapter.slot];
        slot.lastUsed = ++tick;
        if (pin) {
            adapter.pinned = true;
        } else {
            deviceCounters.hits++;
            slot.uses++;
        }
        return slot.index;
    }

    /**
     * With the lock held: a free slot, else the least recently used one that is neither pinned nor
     * in use, reserved for {@code adapter} (owned by it, in use once, not yet published as its slot).
     */
    private Slot victimLocked(Adapter adapter, boolean mayWait) {
        Slot chosen = null;
        int pinned = 0;
        for (int i = 1; i < slots.length; i++) {
            Slot s = slots[i];
            if (s.owner == null) {
                chosen = s;
                break;
            }
            if (s.owner.pinned) {
                pinned++;
                continue;
            }
            if (s.uses == 0 && s.owner.slot == i && (chosen == null || s.lastUsed < chosen.lastUsed)) {
                chosen = s;
            }
        }
        if (chosen == null) {
            int n = slots.length - 1;
            if (mayWait && pinned < n) {
                slotWaits++;
                return null;
            }
            noSlot++;
            throw new StatusException(Code.RESOURCE_EXHAUSTED, pinned == n
                    ? "every one of the " + n + " LoRA slots of model '" + modelName + "' is pinned; adapter '" + adapter.name
                    + "' cannot be loaded (unpin one, or raise " + LoraConfig.SLOTS + ")"
                    : "all " + n + " LoRA slots of model '" + modelName + "' are pinned or in use by running batches; adapter '"
                    + adapter.name + "' cannot be loaded now (retry, or raise " + LoraConfig.SLOTS + ")");
        }
        if (chosen.owner != null) {
            chosen.owner.slot = -1;
            deviceCounters.evictions++;
        }
        chosen.owner = adapter;
        chosen.uses = 1;
        return chosen;
    }

    /**
     * Outside the lock, holding the load lock: fills the reserved slot from the host image, or from
     * the files (keeping an image on the host when the budget allows).
     */
    private void fill(Adapter adapter, int slot, DeviceBuffer image) {
        if (image == null) {
            long start = System.nanoTime();
            try (Arena arena = Arena.ofConfined(); PeftAdapter peft = openUnchanged(adapter, arena)) {
                image = reserveHost(adapter);
                if (image == null) {
                    // The host tier cannot hold it: straight from the files into the slot.
                    lora.writeSlot(slot, peft);
                    recordLoad(deviceCounters, System.nanoTime() - start);
                    return;
                }
                try {
                    lora.writeImage(peft, image.segment());
                } catch (RuntimeException | Error e) {
                    dropHost(adapter);
                    throw e;
                }
            }
            recordLoad(hostCounters, System.nanoTime() - start);
        }
        long start = System.nanoTime();
        lora.loadSlot(slot, image.segment());
        recordLoad(deviceCounters, System.nanoTime() - start);
    }

    /**
     * Makes room for the adapter's image within the host budget (dropping least recently used images)
     * and allocates it; {@code null} when it cannot be held.
     */
    private DeviceBuffer reserveHost(Adapter adapter) {
        lock.lock();
        try {
            if (imageBytes > hostBudget) {
                return null;
            }
            Iterator<Adapter> lru = hostLru.keySet().iterator();
            while (hostBytes + imageBytes > hostBudget && lru.hasNext()) {
                Adapter old = lru.next();
                if (old.unregistered) {
                    continue; // kept for the requests that still hold it; freed with the last one
                }
                lru.remove();
                old.host.release();
                old.host = null;
                hostBytes -= imageBytes;
                hostCounters.evictions++;
            }
            if (hostBytes + imageBytes > hostBudget) {
                return null;
            }
            DeviceBuffer image = device.tryAllocate(imageBytes, MemoryUse.LORA_HOST);
            if (image == null) {
                return null;
            }
            adapter.host = image;
            hostLru.put(adapter, Boolean.TRUE);
            hostBytes += imageBytes;
            return image;
        } finally {
            lock.unlock();
        }
    }

    private void dropHost(Adapter adapter) {
        lock.lock();
        try {
            if (adapter.host != null) {
                hostLru.remove(adapter);
                adapter.host.release();
                adapter.host = null;
                hostBytes -= imageBytes;
            }
        } finally {
            lock.unlock();
        }
    }

    private void recordLoad(Counters counters, long nanos) {
        lock.lock();
        try {
            counters.loads++;
            counters.loadNanos += nanos;
            counters.lastLoadNanos = nanos;
        } finally {
            lock.unlock();
        }
    }

    /** The last reference is gone: the adapter's slot and image are free (not an eviction). */
    private void free(Adapter adapter) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (adapter.slot > 0) {
                Slot slot = slots[adapter.slot];
                if (slot.owner == adapter) {
                    slot.owner = null;
                    slot.uses = 0;
                }
                adapter.slot = -1;
            }
            adapter.pinned = false;
            if (adapter.host != null) {
                hostLru.remove(adapter);
                adapter.host.release();
                adapter.host = null;
                hostBytes -= imageBytes;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- helpers ----

    private Adapter lookup(String name) {
        Adapter adapter = name == null ? null : registered.get(name);
        if (adapter == null) {
            throw notRegistered(name);
        }
        return adapter;
    }

    private AdapterInfo info(Adapter a) {
        lock.lock();
        try {
            String tier = a.slot > 0 ? TIER_DEVICE : a.host != null ? TIER_HOST : TIER_DISK;
            return new AdapterInfo(a.name, a.path.toString(), a.rank, a.alpha, a.targetModules, tier, a.pinned, a.slot);
        } finally {
            lock.unlock();
        }
    }

    private Path resolve(String path) {
        if (path == null || path.isBlank()) {
            throw new StatusException(Code.INVALID_ARGUMENT, "an adapter needs a path: its PEFT folder");
        }
        try {
            Path p = Path.of(path);
            return (p.isAbsolute() ? p : modelDir.resolve(p)).normalize();
        } catch (InvalidPathException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, "adapter path '" + path + "' is not a valid path");
        }
    }

    /** Opens a PEFT folder; a missing folder or file is NOT_FOUND. */
    private static PeftAdapter open(Path folder, Arena arena) {
        if (!Files.isDirectory(folder)) {
            if (Files.exists(folder)) {
                throw new StatusException(Code.INVALID_ARGUMENT, "adapter path " + folder + " is not a folder; give the PEFT folder"
                        + " that holds " + PeftAdapter.CONFIG_FILE + " and " + PeftAdapter.WEIGHTS_FILE);
            }
            throw new StatusException(Code.NOT_FOUND, "adapter folder " + folder + " does not exist");
        }
        if (!Files.isRegularFile(folder.resolve(PeftAdapter.CONFIG_FILE))) {
            throw new StatusException(Code.NOT_FOUND, "adapter folder " + folder + " has no " + PeftAdapter.CONFIG_FILE);
        }
        if (!Files.isRegularFile(folder.resolve(PeftAdapter.WEIGHTS_FILE)) && !Files.exists(folder.resolve(PeftAdapter.PICKLE_WEIGHTS_FILE))) {
            throw new StatusException(Code.NOT_FOUND, "adapter folder " + folder + " has no " + PeftAdapter.WEIGHTS_FILE);
        }
        return PeftAdapter.open(folder, arena);
    }

    /** Opens the adapter's folder for a load, refusing files that changed since registration. */
    private static PeftAdapter openUnchanged(Adapter adapter, Arena arena) {
        PeftAdapter peft = open(adapter.path, arena);
        if (!Fingerprint.of(adapter.path).equals(adapter.fingerprint)) {
            throw new StatusException(Code.FAILED_PRECONDITION, "its files in " + adapter.path + " changed since it was registered;"
                    + " register it again to serve the new weights");
        }
        return peft;
    }

    private StatusException loadFailure(Adapter adapter, Throwable e) {
        if (e instanceof StatusException se && se.code() == Code.UNAVAILABLE) {
            return se;
        }
        String problem = e instanceof StatusException se ? se.status().message()
                : e instanceof InternalError ? "its weights file changed while it was read"
                : e.getClass().getSimpleName();
        if (!(e instanceof StatusException)) {
            LOG.warn("model '{}': loading adapter '{}' failed", modelName, adapter.name, e);
        }
        return new StatusException(Code.FAILED_PRECONDITION, "adapter '" + adapter.name + "' of model '" + modelName
                + "' cannot be loaded: " + problem);
    }

    private void checkOpen() {
        lock.lock();
        try {
            checkOpenLocked();
        } finally {
            lock.unlock();
        }
    }

    private void checkOpenLocked() {
        if (closed) {
            throw new StatusException(Code.UNAVAILABLE, "model '" + modelName + "' is being unloaded");
        }
    }

    private StatusException notRegistered(String name) {
        return new StatusException(Code.NOT_FOUND, "adapter '" + name + "' is not registered for model '" + modelName + "'");
    }

    private StatusException alreadyExists(String name) {
        return new StatusException(Code.ALREADY_EXISTS, "adapter '" + name + "' is already registered for model '" + modelName
                + "'; unregister it first");
    }

    /** One registered adapter and where its weights are. */
    private final class Adapter {
        final String name;
        final Path path;
        final int rank;
        final double alpha;
        final List<String> targetModules;
        /** The registry's reference while registered plus one per binding and per pin in progress; 0 = freed. */
        private final AtomicInteger refs = new AtomicInteger(1);
        /** Guarded by {@link #lock}: the slot holding it, or -1. */
        int slot = -1;
        /** Guarded by {@link #lock}. */
        boolean pinned;
        /** Guarded by {@link #lock}: its host image, or null. */
        DeviceBuffer host;
        /** Guarded by {@link #lock}: unregistered, held by requests still; its host image is not evicted. */
        boolean unregistered;
        final Fingerprint fingerprint;

        Adapter(String name, Path path, int rank, double alpha, List<String> targetModules, Fingerprint fingerprint) {
            this.name = name;
            this.path = path;
            this.rank = rank;
            this.alpha = alpha;
            this.targetModules = List.copyOf(targetModules);
            this.fingerprint = fingerprint;
        }

        /** Takes a reference unless the adapter is already freed. */
        boolean retain() {
            while (true) {
                int now = refs.get();
                if (now == 0) {
                    return false;
                }
                if (refs.compareAndSet(now, now + 1)) {
                    return true;
                }
            }
        }

        void release() {
            int left = refs.decrementAndGet();
            if (left == 0) {
                free(this);
            } else if (left < 0) {
                throw new IllegalStateException("adapter '" + name + "' released more often than retained");
            }
        }
    }

    /**
     * What the adapter's files looked like when it was registered (size, modification time and file
     * key of both files), so that a load notices files replaced since and refuses them rather than
     * serving other weights under the registered name.
     */
    private record Fingerprint(long weightsSize, FileTime weightsModified, Object weightsKey, long configSize,
                               FileTime configModified) {
        static Fingerprint of(Path folder) {
            try {
                BasicFileAttributes weights = Files.readAttributes(folder.resolve(PeftAdapter.WEIGHTS_FILE), BasicFileAttributes.class);
                BasicFileAttributes config = Files.readAttributes(folder.resolve(PeftAdapter.CONFIG_FILE), BasicFileAttributes.class);
                return new Fingerprint(weights.size(), weights.lastModifiedTime(), weights.fileKey(), config.size(),
                        config.lastModifiedTime());
            } catch (NoSuchFileException e) {
                throw new StatusException(Code.NOT_FOUND, "adapter folder " + folder + " has no " + Path.of(e.getFile()).getFileName());
            } catch (IOException e) {
                throw new StatusException(Code.FAILED_PRECONDITION, "adapter folder " + folder + " cannot be read: "
                        + e.getClass().getSimpleName());
            }
        }
    }

    /** One device slot. All fields guarded by {@link #lock}. */
    private static final class Slot {
        final int index;
        /** The adapter in the slot (or being loaded into it), or null when free. */
        Adapter owner;
        /** Requests of running batches that read the slot, plus one while it is being filled. */
        int uses;
        /** When a batch last used it, in {@link #tick}s. */
        long lastUsed;

        Slot(int index) {
            this.index = index;
        }
    }

    /** A tier's counters. Guarded by {@link #lock}. */
    private static final class Counters {
        long hits;
        long misses;
        long loads;
        long evictions;
        long loadNanos;
        long lastLoadNanos;

        AdapterStatistics.Tier snapshot(long bytes, long budgetBytes) {
            return new AdapterStatistics.Tier(hits, misses, loads, evictions, bytes, budgetBytes, loadNanos, lastLoadNanos);
        }
    }

    /** A request's reference on an adapter, and the slot it runs with. */
    private final class Lease implements AdapterBinding {
        final Adapter adapter;
        private final AtomicBoolean released = new AtomicBoolean();
        /** Set by the worker in {@link Hook#admit}, read by the backend on the same worker. */
        private volatile int slot = NO_SLOT;
        /** Written and read by the worker that runs the request: its slot is marked in use. */
        private boolean holdsSlot;

        Lease(Adapter adapter) {
            this.adapter = adapter;
        }

        @Override
        public String name() {
            return adapter.name;
        }

        @Override
        public int slot() {
            return slot;
        }

        @Override
        public void release() {
            if (released.compareAndSet(false, true)) {
                adapter.release();
            }
        }

        AdapterRegistry registry() {
            return AdapterRegistry.this;
        }

        @Override
        public String toString() {
            return "adapter '" + adapter.name + "' of model '" + modelName + "'";
        }
    }

    /** The batcher's side: brings adapters into slots before a batch and lets them go after. */
    private final class Hook implements BatchHook {
        @Override
        public Status check(InferenceRequest request) {
            AdapterBinding binding = request.adapter();
            if (binding != null && !(binding instanceof Lease lease && lease.registry() == AdapterRegistry.this)) {
                return Status.invalidArgument("adapter '" + binding.name() + "' was not acquired from model '" + modelName
                        + "' version " + version);
            }
            return null;
        }

        @Override
        public Status admit(InferenceRequest request, boolean mayWait) {
            if (!(request.adapter() instanceof Lease lease)) {
                return check(request);
            }
            Status wrong = check(request);
            if (wrong != null) {
                return wrong;
            }
            // The request is not started yet: a cancel may release its lease meanwhile, so the slot
            // use holds a reference of its own (given back by executed).
            if (!lease.adapter.retain()) {
                return new Status(Code.CANCELLED, "the request was cancelled by its caller");
            }
            boolean holds = false;
            try {
                int slot = residentSlot(lease.adapter, false, mayWait);
                if (slot < 0) {
                    return BatchHook.BUSY;
                }
                lease.slot = slot;
                lease.holdsSlot = true;
                holds = true;
                return null;
            } catch (StatusException e) {
                return e.status();
            } finally {
                if (!holds) {
                    lease.adapter.release();
                }
            }
        }

        @Override
        public void executed(List<InferenceRequest> batch) {
            boolean any = false;
            for (int i = 0; i < batch.size() && !any; i++) {
                any = batch.get(i).adapter() instanceof Lease lease && lease.holdsSlot;
            }
            if (!any) {
                return;
            }
            lock.lock();
            try {
                for (int i = 0; i < batch.size(); i++) {
                    if (batch.get(i).adapter() instanceof Lease lease && lease.holdsSlot) {
                        lease.holdsSlot = false;
                        Slot slot = slots[lease.slot];
                        slot.uses--;
                        slot.lastUsed = ++tick;
                        lease.adapter.release(); // may free it: lock is reentrant
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
