package io.statim.model.config;

import io.statim.core.status.StatusException;
import io.statim.model.pbtxt.PbLocation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Binds and validates the LoRA parameters of a model into a {@link LoraConfig}; see there for the keys
 * and defaults. Errors are INVALID_ARGUMENT and name the parameter (and its line when it comes from a
 * config file). Stateless.
 */
final class LoraConfigBinder {
    private LoraConfigBinder() {
    }

    /**
     * Binds the parameters of a parsed config.
     *
     * @return the config, or {@code null} when {@value LoraConfig#TARGET_MODULES} is absent
     * @throws StatusException INVALID_ARGUMENT at the parameter's line
     */
    static LoraConfig bind(Map<String, String> parameters, Map<String, PbLocation> parameterAt, boolean sequenceBatching,
                           PbLocation file) {
        return bind(parameters, key -> {
            PbLocation at = parameterAt.get(key);
            return at != null ? at : file;
        }, sequenceBatching);
    }

    /**
     * Binds the parameters of a config built in code (no lines to point at).
     *
     * @return the config, or {@code null} when {@value LoraConfig#TARGET_MODULES} is absent
     * @throws StatusException INVALID_ARGUMENT naming the model and the parameter
     */
    static LoraConfig bind(String model, Map<String, String> parameters, boolean sequenceBatching) {
        PbLocation where = PbLocation.wholeSource("model '" + model + "'");
        return bind(parameters, key -> where, sequenceBatching);
    }

    private static LoraConfig bind(Map<String, String> parameters, Function<String, PbLocation> at, boolean sequenceBatching) {
        String targets = parameters.get(LoraConfig.TARGET_MODULES);
        if (targets == null) {
            for (String key : LoraConfig.PARAMETERS) {
                if (parameters.containsKey(key)) {
                    throw at.apply(key).error("parameter '" + key + "' needs parameter '" + LoraConfig.TARGET_MODULES
                            + "', which turns LoRA on; add it or remove '" + key + "'");
                }
            }
            return null;
        }
        if (sequenceBatching) {
            throw at.apply(LoraConfig.TARGET_MODULES).error("parameter '" + LoraConfig.TARGET_MODULES
                    + "': LoRA adapters are not supported with sequence_batching yet; serve the adapters from a model"
                    + " with dynamic_batching");
        }
        List<String> modules = targetModules(targets, at.apply(LoraConfig.TARGET_MODULES));
        int slots = (int) integer(parameters, LoraConfig.SLOTS, LoraConfig.DEFAULT_SLOTS, 1, LoraConfig.MAX_SLOTS, at);
        int maxRank = (int) integer(parameters, LoraConfig.MAX_RANK, LoraConfig.DEFAULT_MAX_RANK, 1, LoraConfig.MAX_MAX_RANK, at);
        long hostBytes = integer(parameters, LoraConfig.HOST_MEMORY_BYTES, LoraConfig.DEFAULT_HOST_MEMORY_BYTES, 0, Long.MAX_VALUE, at);
        Map<String, String> preload = preload(parameters.get(LoraConfig.ADAPTERS), at.apply(LoraConfig.ADAPTERS));
        return new LoraConfig(modules, slots, maxRank, hostBytes, preload);
    }

    private static List<String> targetModules(String value, PbLocation at) {
        List<String> modules = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String module = part.strip();
            if (module.isEmpty()) {
                throw at.error("parameter '" + LoraConfig.TARGET_MODULES + "' has an empty module name; list PEFT module names"
                        + " separated by commas, e.g. 'query,value'");
            }
            if (modules.contains(module)) {
                throw at.error("parameter '" + LoraConfig.TARGET_MODULES + "' names module '" + module + "' twice");
            }
            modules.add(module);
        }
        return modules;
    }

    private static long integer(Map<String, String> parameters, String key, long defaultValue, long min, long max,
                                Function<String, PbLocation> at) {
        String value = parameters.get(key);
        if (value == null) {
            return defaultValue;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw at.apply(key).error("parameter '" + key + "' is '" + value + "', which is not an integer");
        }
        if (parsed < min || parsed > max) {
            throw at.apply(key).error("parameter '" + key + "'=" + parsed + " must be in [" + min + ", " + max + "]");
        }
        return parsed;
    }

    private static Map<String, String> preload(String value, PbLocation at) {
        Map<String, String> adapters = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            return adapters;
        }
        for (String part : value.split(",", -1)) {
            String entry = part.strip();
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw at.error("parameter '" + LoraConfig.ADAPTERS + "' entry '" + entry + "' is not name=path");
            }
            String name = entry.substring(0, eq).strip();
            String path = entry.substring(eq + 1).strip();
            if (!LoraConfig.isValidAdapterName(name)) {
                throw at.error("parameter '" + LoraConfig.ADAPTERS + "': adapter name '" + name + "' must be 1 to "
                        + LoraConfig.MAX_ADAPTER_NAME_LENGTH + " letters, digits, '-', '_' or '.'");
            }
            if (path.isEmpty()) {
                throw at.error("parameter '" + LoraConfig.ADAPTERS + "': adapter '" + name + "' has an empty path");
            }
            if (adapters.putIfAbsent(name, path) != null) {
                throw at.error("parameter '" + LoraConfig.ADAPTERS + "' names adapter '" + name + "' twice");
            }
        }
        return adapters;
    }
}
