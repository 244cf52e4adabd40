package io.statim.model.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a model serves LoRA adapters, bound from its {@code parameters} by {@link LoraConfigBinder}.
 * The parameter {@value #TARGET_MODULES} turns LoRA on; the others need it.
 *
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #TARGET_MODULES}</td><td>(none: no LoRA)</td><td>comma-separated PEFT module names
 *       ({@code query,value}) whose linear layers get a low-rank branch</td></tr>
 *   <tr><td>{@value #SLOTS}</td><td>{@value #DEFAULT_SLOTS}</td><td>adapters resident on the device at
 *       once; the graph's pools have one entry more, entry 0 the zero adapter (the base model)</td></tr>
 *   <tr><td>{@value #MAX_RANK}</td><td>{@value #DEFAULT_MAX_RANK}</td><td>the largest adapter rank
 *       served; every slot is sized for it</td></tr>
 *   <tr><td>{@value #HOST_MEMORY_BYTES}</td><td>1 GiB</td><td>off-heap bytes of adapter slot images kept
 *       on the host (LRU) so that a slot is refilled without reading the files</td></tr>
 *   <tr><td>{@value #ADAPTERS}</td><td>none</td><td>adapters registered when the model loads:
 *       {@code name=path,name2=path2}; a relative path is relative to the model's directory</td></tr>
 * </table>
 *
 * <p>Immutable; safe for any thread.
 *
 * @param targetModules   PEFT module names, in the order written
 * @param slots           device slots for adapters (the zero slot not counted), at least 1
 * @param maxRank         the largest rank served, at least 1
 * @param hostMemoryBytes the host tier's byte budget, at least 0 (0: nothing kept on the host)
 * @param preload         adapter name to path, in the order written
 */
public record LoraConfig(List<String> targetModules, int slots, int maxRank, long hostMemoryBytes, Map<String, String> preload) {
    /** The parameter naming the target modules; its presence enables LoRA. */
    public static final String TARGET_MODULES = "lora_target_modules";
    /** The parameter giving the number of device slots. */
    public static final String SLOTS = "lora_slots";
    /** The parameter giving the largest adapter rank. */
    public static final String MAX_RANK = "lora_max_rank";
    /** The parameter giving the host tier's byte budget. */
    public static final String HOST_MEMORY_BYTES = "lora_host_memory_bytes";
    /** The parameter listing adapters to register at load. */
    public static final String ADAPTERS = "lora_adapters";
    /** Every LoRA parameter, in the order above. */
    public static final List<String> PARAMETERS = List.of(TARGET_MODULES, SLOTS, MAX_RANK, HOST_MEMORY_BYTES, ADAPTERS);

    /** Device slots when {@value #SLOTS} is absent. */
    public static final int DEFAULT_SLOTS = 64;
    /** The largest rank when {@value #MAX_RANK} is absent. */
    public static final int DEFAULT_MAX_RANK = 16;
    /** The host tier's budget when {@value #HOST_MEMORY_BYTES} is absent: 1 GiB. */
    public static final long DEFAULT_HOST_MEMORY_BYTES = 1L << 30;
    /** The most device slots a model may ask for. */
    public static final int MAX_SLOTS = 4096;
    /** The largest rank a model may ask for. */
    public static final int MAX_MAX_RANK = 1024;
    /** The longest adapter name. */
    public static final int MAX_ADAPTER_NAME_LENGTH = 128;

    public LoraConfig {
        targetModules = List.copyOf(targetModules);
        if (targetModules.isEmpty()) {
            throw new IllegalArgumentException("targetModules must not be empty");
        }
        if (slots < 1 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("slots=" + slots + " must be in [1, " + MAX_SLOTS + "]");
        }
        if (maxRank < 1 || maxRank > MAX_MAX_RANK) {
            throw new IllegalArgumentException("maxRank=" + maxRank + " must be in [1, " + MAX_MAX_RANK + "]");
        }
        if (hostMemoryBytes < 0) {
            throw new IllegalArgumentException("hostMemoryBytes=" + hostMemoryBytes + " must be >= 0");
        }
        Objects.requireNonNull(preload, "preload");
        preload = Collections.unmodifiableMap(new LinkedHashMap<>(preload));
    }

    /** The entries of the graph's slot pools: {@link #slots()} plus the zero slot. */
    public int poolSlots() {
        return slots + 1;
    }

    /**
     * True when {@code name} may name an adapter: 1 to {@value #MAX_ADAPTER_NAME_LENGTH} ASCII letters,
     * digits, {@code '-'}, {@code '_'} and {@code '.'}, and neither {@code "."} nor {@code ".."} (so
     * that it is one URL path segment as it stands, and a metric label).
     */
    public static boolean isValidAdapterName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_ADAPTER_NAME_LENGTH || name.equals(".") || name.equals("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
