package io.statim.scheduler;

/** Triton's {@code --model-control-mode}: who decides which models are loaded. */
public enum ModelControlMode {
    /** Every model of the repository is loaded at start; the load/unload API is refused. */
    NONE,
    /** Only the models named by {@code --load-model} are loaded at start; the API loads and unloads. */
    EXPLICIT;

    /** Parses Triton's lower-case names; {@code poll} is named as unsupported. */
    public static ModelControlMode parse(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> NONE;
            case "explicit" -> EXPLICIT;
            case "poll" -> throw new IllegalArgumentException("--model-control-mode=poll is not supported; use none or explicit");
            default -> throw new IllegalArgumentException("--model-control-mode=" + value + " must be none or explicit");
        };
    }
}
