package io.statim.protocol.lora;

import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.scheduler.lora.AdapterRegistry;
import io.statim.scheduler.lora.AdapterRegistry.AdapterInfo;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The adapter API's changes (register, unregister, pin, unpin) run off the event loops: they open and
 * validate adapter files and may copy an adapter into a slot. One executor (the control thread) runs
 * them in arrival order; the caller is told the outcome there. Registrations are confined to the
 * {@link AdapterPaths allowed folders}. Thread-safe.
 */
public final class AdapterControl {
    private final Executor control;
    private final AdapterPaths paths;

    /**
     * @param control runs the changes, which block on files
     * @param paths   where registrations may read adapters from
     */
    public AdapterControl(Executor control, AdapterPaths paths) {
        this.control = control;
        this.paths = paths;
    }

    /** The change that registers the adapter in {@code path} as {@code name}, once the path is found allowed. */
    public Function<AdapterRegistry, AdapterInfo> registration(String name, String path) {
        return registry -> registry.register(name, paths.check(registry.modelDirectory(), path));
    }

    /** The outcome of a change: its result, or the status it failed with. */
    public record Outcome<T>(T value, Status status) {
        /** True when the change succeeded. */
        public boolean ok() {
            return status.isOk();
        }
    }

    /** Runs {@code change} on the registry on the control executor, then {@code done} there. */
    public <T> void run(AdapterRegistry registry, Function<AdapterRegistry, T> change, Consumer<Outcome<T>> done) {
        control.execute(() -> {
            Outcome<T> outcome;
            try {
                outcome = new Outcome<>(change.apply(registry), Status.OK);
            } catch (RuntimeException e) {
                outcome = new Outcome<>(null, StatusException.statusOf(e));
            }
            done.accept(outcome);
        });
    }
}
