package io.statim.protocol.lora;

import io.statim.core.status.Status;
import io.statim.core.status.StatusException;
import io.statim.scheduler.lora.AdapterRegistry;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The adapter API's changes (register, unregister, pin, unpin) run off the event loops: they open and
 * validate adapter files and may copy an adapter into a slot. One executor (the control thread) runs
 * them in arrival order; the caller is told the outcome there. Thread-safe.
 */
public final class AdapterControl {
    private final Executor control;

    /** @param control runs the changes, which block on files */
    public AdapterControl(Executor control) {
        this.control = control;
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
