package io.statim.protocol;

import io.statim.core.status.Code;
import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.scheduler.ModelControlMode;
import io.statim.scheduler.ModelManager;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Model loads and unloads as the repository API of every protocol asks for them. They are refused
 * unless the server runs with {@code --model-control-mode=explicit}; they block while instances load or
 * drain, so they run on the control executor (one thread: requests run in arrival order), never on an
 * event loop. After each one, successful or not, the change listeners run (the gRPC health service
 * follows the models' readiness this way).
 *
 * <p>Thread-safe: {@link #load} and {@link #unload} may be called from any thread.
 */
public final class ModelControl {
    private final ModelManager models;
    private final ModelControlMode mode;
    private final Executor control;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    /** @param control runs the loads and unloads, which block */
    public ModelControl(ModelManager models, ModelControlMode mode, Executor control) {
        this.models = models;
        this.mode = mode;
        this.control = control;
    }

    /** Adds a listener run on the control thread after every load or unload. It must not block for long. */
    public void addChangeListener(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * Loads (or reloads) a model on the control executor, then calls {@code done} there with OK or the
     * reason it failed.
     *
     * @throws StatusException FAILED_PRECONDITION at once when model control is disabled
     */
    public void load(String model, Consumer<Status> done) {
        submit(() -> models.load(model), done);
    }

    /** Unloads a model as {@link #load} loads one. */
    public void unload(String model, Consumer<Status> done) {
        submit(() -> models.unload(model), done);
    }

    private void submit(Runnable change, Consumer<Status> done) {
        if (mode != ModelControlMode.EXPLICIT) {
            throw new StatusException(Code.FAILED_PRECONDITION,
                    "model control is disabled; start the server with --model-control-mode=explicit to load and unload models");
        }
        control.execute(() -> {
            Status outcome = Status.OK;
            try {
                change.run();
            } catch (RuntimeException e) {
                outcome = StatusException.statusOf(e);
            }
            listeners.forEach(Runnable::run);
            done.accept(outcome);
        });
    }
}
