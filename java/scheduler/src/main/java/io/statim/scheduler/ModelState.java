package io.statim.scheduler;

/** The states of Triton's repository index. */
public enum ModelState {
    /** Being loaded; not serving yet. */
    LOADING,
    /** Loaded and serving. */
    READY,
    /** Being unloaded; in-flight requests finish. */
    UNLOADING,
    /** Not serving: never loaded, unloaded, or failed to load (the reason says which). */
    UNAVAILABLE
}
