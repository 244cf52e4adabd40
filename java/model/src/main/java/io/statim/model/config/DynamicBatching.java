package io.statim.model.config;

import java.util.List;
import java.util.Map;

/**
 * Triton's {@code dynamic_batching} settings, with Triton's meanings. Present only when the config
 * has a {@code dynamic_batching} section; {@code dynamic_batching {}} batches as large as possible
 * with no delay.
 *
 * @param preferredBatchSizes  batch sizes sent as soon as they can be formed, ascending
 * @param maxQueueDelayNs      how long the oldest request may wait for a fuller batch
 * @param preserveOrdering     responses leave in the order requests arrived, across instances
 * @param priorityLevels       number of priority levels, 1 = highest; 0 = priorities off
 * @param defaultPriorityLevel the level of a request that names none (0 when priorities are off)
 * @param defaultQueuePolicy   the queue policy of levels without one of their own
 * @param priorityQueuePolicy  queue policies per level
 */
public record DynamicBatching(List<Integer> preferredBatchSizes, long maxQueueDelayNs, boolean preserveOrdering, int priorityLevels,
        int defaultPriorityLevel, QueuePolicy defaultQueuePolicy, Map<Integer, QueuePolicy> priorityQueuePolicy) {

    public DynamicBatching {
        preferredBatchSizes = List.copyOf(preferredBatchSizes);
        priorityQueuePolicy = Map.copyOf(priorityQueuePolicy);
    }

    /** The queue policy of a level (1-based; any level when priorities are off). */
    public QueuePolicy queuePolicy(int level) {
        return priorityQueuePolicy.getOrDefault(level, defaultQueuePolicy);
    }

    /** Levels the scheduler keeps: {@code priorityLevels}, or one when priorities are off. */
    public int levels() {
        return Math.max(1, priorityLevels);
    }
}
