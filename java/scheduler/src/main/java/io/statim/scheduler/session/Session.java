package io.statim.scheduler.session;

import io.statim.core.device.DeviceBuffer;
import io.statim.core.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One open session (a SageMaker sticky session, an OIP sequence): pinned to one instance of one model
 * version, it owns named tensors in that instance's device memory — inputs cached when they were sent
 * and the implicit state a model writes back — charged to the session memory budget.
 *
 * <p>Threads: the {@link SessionStore} guards the life fields (references, end, last use) with its
 * lock. The tensors are touched only by the worker thread of the pinned instance, and only while a
 * request of the session holds a reference, or by the store once the session has ended and no
 * reference is left; the store's lock orders the two.
 */
public final class Session {
    private final String id;
    private final String key;
    private final SessionOwner owner;
    private final int lane;
    private final long number;
    private final long openedAtMillis;
    private final long expiresAtMillis;
    private final long idleMillis;
    /** Guarded by the store's lock. */
    long lastUsedMillis;
    /** Guarded by the store's lock: requests queued or running, plus the opener until it submits. */
    int references;
    /** Guarded by the store's lock: null while open. */
    SessionEnd end;
    /** Worker-owned (see the class comment). */
    private final Map<String, Held> tensors = new LinkedHashMap<>();
    /** Worker-owned: requests of the session that ran. */
    private long requestsRun;
    /** Worker-owned: a request's outputs or inputs could not be kept; what the session holds is stale. */
    private boolean stale;
    private volatile long bytes;

    /** A tensor the session holds, with the buffer behind it. */
    private record Held(Tensor tensor, DeviceBuffer buffer) {
    }

    Session(String id, SessionOwner owner, int lane, long number, long openedAtMillis, long ttlMillis, long idleMillis) {
        this.id = id;
        this.key = key(owner.modelName(), id);
        this.owner = owner;
        this.lane = lane;
        this.number = number;
        this.openedAtMillis = openedAtMillis;
        this.expiresAtMillis = ttlMillis >= Long.MAX_VALUE - openedAtMillis ? Long.MAX_VALUE : openedAtMillis + ttlMillis;
        this.idleMillis = idleMillis;
        this.lastUsedMillis = openedAtMillis;
    }

    static String key(String modelName, String id) {
        return modelName + '\u0000' + id;
    }

    /** The session id, as the caller names it. */
    public String id() {
        return id;
    }

    String key() {
        return key;
    }

    /** The model version that serves the session. */
    public SessionOwner owner() {
        return owner;
    }

    /** The index of the instance the session is pinned to. */
    public int lane() {
        return lane;
    }

    /** A number unique to the session within the process, fed to models that take a numeric CORRID. */
    public long number() {
        return number;
    }

    /** When the session expires at the latest, in epoch milliseconds: open time plus time to live. */
    public long expiresAtMillis() {
        return expiresAtMillis;
    }

    /** When the session expires if it stays idle from {@code lastUsed}: the TTL, or sooner with an idle timeout. */
    long deadlineMillis(long lastUsed) {
        if (idleMillis <= 0 || lastUsed > Long.MAX_VALUE - idleMillis) {
            return expiresAtMillis;
        }
        return Math.min(expiresAtMillis, lastUsed + idleMillis);
    }

    long openedAtMillis() {
        return openedAtMillis;
    }

    /** Bytes of device memory the session holds. */
    public long bytes() {
        return bytes;
    }

    /** The tensor the session holds under this name, or {@code null}. Worker thread. */
    public Tensor tensor(String name) {
        Held held = tensors.get(name);
        return held == null ? null : held.tensor();
    }

    /**
     * Keeps {@code tensor} under {@code name}, in {@code buffer} (which the session now owns and into
     * which the caller copied the data); the tensor held before under that name is released. Worker
     * thread.
     */
    public void hold(String name, Tensor tensor, DeviceBuffer buffer) {
        Held previous = tensors.put(name, new Held(tensor, buffer));
        long delta = buffer.byteSize();
        if (previous != null) {
            delta -= previous.buffer().byteSize();
            if (previous.buffer() != buffer) {
                previous.buffer().release();
            }
        }
        bytes += delta;
    }

    /** The buffer held under {@code name}, to write into in place, or {@code null}. Worker thread. */
    public DeviceBuffer buffer(String name) {
        Held held = tensors.get(name);
        return held == null ? null : held.buffer();
    }

    /** Requests of the session that ran. Worker thread. */
    public long requestsRun() {
        return requestsRun;
    }

    /** True once what a request left could not be kept: later requests must not run on it. Worker thread. */
    public boolean stale() {
        return stale;
    }

    /** What a request left could not be kept. Worker thread. */
    void markStale() {
        stale = true;
    }

    /** Counts one request that ran. Worker thread. */
    public void ran() {
        requestsRun++;
    }

    /** Releases every tensor. Called once, by the store, when the session has ended and nothing uses it. */
    void releaseTensors() {
        for (Held held : tensors.values()) {
            held.buffer().release();
        }
        tensors.clear();
        bytes = 0;
    }
}
