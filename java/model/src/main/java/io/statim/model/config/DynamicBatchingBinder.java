package io.statim.model.config;

import io.statim.model.pbtxt.PbField;
import io.statim.model.pbtxt.PbLocation;
import io.statim.model.pbtxt.PbMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Binds and validates {@code dynamic_batching}: {@code preferred_batch_size},
 * {@code max_queue_delay_microseconds}, {@code preserve_ordering}, {@code priority_levels},
 * {@code default_priority_level}, {@code default_queue_policy} and {@code priority_queue_policy}
 * (map entries {@code { key: N value: { ... } }}). Triton's {@code priority_queue_policy} keys,
 * preferred sizes and default level are checked against {@code priority_levels} and
 * {@code max_batch_size}. Stateless.
 */
final class DynamicBatchingBinder {
    private static final FieldTable<QueueDraft> QUEUE_POLICY = new FieldTable<QueueDraft>("dynamic_batching.queue_policy")
            .bind("timeout_action", (q, f) -> q.action = action(f))
            .bind("default_timeout_microseconds", (q, f) -> q.timeoutUs = nonNegative(f, "default_timeout_microseconds"))
            .bind("allow_timeout_override", (q, f) -> q.allowOverride = f.asBoolean())
            .bind("max_queue_size", (q, f) -> q.maxQueueSize = (int) Math.min(Integer.MAX_VALUE, nonNegative(f, "max_queue_size")));

    private static final FieldTable<PolicyEntry> POLICY_ENTRY = new FieldTable<PolicyEntry>("dynamic_batching.priority_queue_policy")
            .bind("key", (e, f) -> {
                e.level = f.asLong();
                e.at = f.location();
            })
            .bind("value", (e, f) -> e.policy = queuePolicy(f.asMessage()));

    private static final FieldTable<Draft> TABLE = new FieldTable<Draft>("dynamic_batching")
            .bind("preferred_batch_size", (d, f) -> {
                d.preferred = f.asLongs();
                d.preferredAt = f.location();
            })
            .bind("max_queue_delay_microseconds", (d, f) -> d.delayUs = nonNegative(f, "max_queue_delay_microseconds"))
            .bind("preserve_ordering", (d, f) -> d.preserveOrdering = f.asBoolean())
            .bind("priority_levels", (d, f) -> {
                d.levels = nonNegative(f, "priority_levels");
                d.levelsAt = f.location();
            })
            .bind("default_priority_level", (d, f) -> {
                d.defaultLevel = nonNegative(f, "default_priority_level");
                d.defaultLevelAt = f.location();
            })
            .bind("default_queue_policy", (d, f) -> d.defaultPolicy = queuePolicy(f.asMessage()))
            .bind("priority_queue_policy", (d, f) -> f.asMessages().forEach(m -> d.entries.add(entry(m))));

    private DynamicBatchingBinder() {
    }

    /** Binds the section; {@code maxBatchSize} is the model's, already bound. */
    static DynamicBatching bind(PbMessage message, int maxBatchSize, PbLocation section) {
        Draft d = new Draft();
        TABLE.apply(message, d);
        if (maxBatchSize == 0) {
            throw section.error("dynamic_batching needs max_batch_size > 0; with max_batch_size: 0 the model does not batch");
        }
        List<Integer> preferred = new ArrayList<>();
        for (long size : d.preferred) {
            if (size < 1 || size > maxBatchSize) {
                throw d.preferredAt.error("preferred_batch_size " + size + " must be between 1 and max_batch_size=" + maxBatchSize);
            }
            if (preferred.contains((int) size)) {
                throw d.preferredAt.error("preferred_batch_size " + size + " is given twice");
            }
            preferred.add((int) size);
        }
        preferred.sort(null);
        if (d.levels > 0 && (d.defaultLevel < 1 || d.defaultLevel > d.levels)) {
            PbLocation at = d.defaultLevelAt != null ? d.defaultLevelAt : d.levelsAt;
            throw at.error("default_priority_level=" + d.defaultLevel + " must be between 1 and priority_levels=" + d.levels);
        }
        if (d.levels == 0 && d.defaultLevel != 0) {
            throw d.defaultLevelAt.error("default_priority_level=" + d.defaultLevel + " needs priority_levels > 0");
        }
        Map<Integer, QueuePolicy> perLevel = new LinkedHashMap<>();
        for (PolicyEntry e : d.entries) {
            if (e.at == null || e.policy == null) {
                throw section.error("priority_queue_policy entries need a key and a value");
            }
            if (e.level < 1 || e.level > d.levels) {
                throw e.at.error("priority_queue_policy key " + e.level + " must be between 1 and priority_levels=" + d.levels);
            }
            if (perLevel.put((int) e.level, e.policy) != null) {
                throw e.at.error("priority_queue_policy key " + e.level + " is given twice");
            }
        }
        return new DynamicBatching(preferred, TimeUnit.MICROSECONDS.toNanos(d.delayUs), d.preserveOrdering, (int) d.levels,
                (int) d.defaultLevel, d.defaultPolicy, perLevel);
    }

    private static QueuePolicy queuePolicy(PbMessage message) {
        QueueDraft q = new QueueDraft();
        QUEUE_POLICY.apply(message, q);
        return new QueuePolicy(q.action, TimeUnit.MICROSECONDS.toNanos(q.timeoutUs), q.allowOverride, q.maxQueueSize);
    }

    private static PolicyEntry entry(PbMessage message) {
        PolicyEntry e = new PolicyEntry();
        POLICY_ENTRY.apply(message, e);
        return e;
    }

    private static QueuePolicy.TimeoutAction action(PbField f) {
        String name = f.asIdentifier();
        for (QueuePolicy.TimeoutAction a : QueuePolicy.TimeoutAction.values()) {
            if (a.name().equals(name)) {
                return a;
            }
        }
        throw f.location().error("timeout_action '" + name + "' must be REJECT or DELAY");
    }

    private static long nonNegative(PbField f, String name) {
        long value = f.asLong();
        if (value < 0) {
            throw f.location().error(name + "=" + value + " must be >= 0");
        }
        return value;
    }

    /** The section as written; not thread-safe. */
    private static final class Draft {
        List<Long> preferred = List.of();
        PbLocation preferredAt;
        long delayUs;
        boolean preserveOrdering;
        long levels;
        PbLocation levelsAt;
        long defaultLevel;
        PbLocation defaultLevelAt;
        QueuePolicy defaultPolicy = QueuePolicy.DEFAULT;
        final List<PolicyEntry> entries = new ArrayList<>();
    }

    /** One queue policy as written; defaults as Triton's. */
    private static final class QueueDraft {
        QueuePolicy.TimeoutAction action = QueuePolicy.TimeoutAction.REJECT;
        long timeoutUs;
        boolean allowOverride;
        int maxQueueSize;
    }

    /** One priority_queue_policy map entry. */
    private static final class PolicyEntry {
        long level;
        PbLocation at;
        QueuePolicy policy;
    }
}
