package io.statim.model.lora;

import java.util.List;

/**
 * Module paths in PEFT's dotted form ({@code encoder.layer.0.attention.self.query}) and the rules that
 * let an adapter's paths meet a graph's. Both sides are compared in a canonical form without PEFT's
 * {@code base_model.model.} wrapper and without one leading backbone attribute ({@code bert.},
 * {@code roberta.}, {@code model.}): an adapter trained on {@code BertForSequenceClassification}
 * ({@code bert.encoder...}) then fits a base exported from {@code BertModel} ({@code encoder...}) and
 * back. Stateless.
 */
final class ModulePaths {
    /** The prefix PEFT puts before every key of a saved adapter. */
    static final String PEFT_PREFIX = "base_model.model.";
    /** Backbone attributes of HuggingFace's task models, dropped from either side before comparing. */
    static final List<String> BACKBONE_PREFIXES = List.of("bert.", "roberta.", "model.");

    private ModulePaths() {
    }

    /** The canonical form of a module path: no PEFT wrapper, no backbone attribute. */
    static String canonical(String path) {
        String p = path.startsWith(PEFT_PREFIX) ? path.substring(PEFT_PREFIX.length()) : path;
        for (String prefix : BACKBONE_PREFIXES) {
            if (p.startsWith(prefix) && p.length() > prefix.length()) {
                return p.substring(prefix.length());
            }
        }
        return p;
    }

    /**
     * PEFT's rule for a list of target names: a module is targeted when its path equals a name or
     * ends with {@code "." + name}. Compared in canonical form.
     */
    static boolean matches(String modulePath, String target) {
        String path = canonical(modulePath);
        String name = canonical(target);
        return path.equals(name) || path.endsWith("." + name);
    }

    /** Whether any of the names targets the module. */
    static boolean matchesAny(String modulePath, List<String> targets) {
        for (String target : targets) {
            if (matches(modulePath, target)) {
                return true;
            }
        }
        return false;
    }
}
