package io.statim.scheduler.batch;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.model.config.DynamicBatching;
import io.statim.model.config.ModelConfig;
import io.statim.model.config.QueuePolicy;
import io.statim.runtime.InferenceRequest;

/**
 * How one model's requests are queued and batched, derived once from its configuration.
 *
 * <p>With {@code dynamic_batching}: requests are merged up to {@code max_batch_size} rows, with
 * Triton's preferred sizes, queue delay, priority levels and queue policies. Without it (or with
 * {@code max_batch_size: 0}): every request runs alone, in arrival order, on one level with Triton's
 * default queue policy. Immutable.
 */
public final class BatchingPolicy {
    private final boolean merges;
    private final int maxRows;
    private final int[] preferred;
    private final long maxQueueDelayNs;
    private final boolean preserveOrdering;
    private final int levels;
    private final int defaultLevel;
    private final QueuePolicy[] policies;
    private final int[] capacities;
    private final boolean bucketsByLength;

    /**
     * @param serverQueueCap the most requests one level may hold when its policy sets no
     *                       {@code max_queue_size} (the server's {@code --max-queue-size})
     */
    public BatchingPolicy(ModelConfig config, int serverQueueCap) {
        DynamicBatching batching = config.dynamicBatching();
        this.merges = batching != null && config.batching();
        this.maxRows = Math.max(1, config.maxBatchSize());
        this.preferred = batching == null ? new int[0] : batching.preferredBatchSizes().stream().mapToInt(Integer::intValue).toArray();
        this.maxQueueDelayNs = batching == null ? 0 : batching.maxQueueDelayNs();
        this.preserveOrdering = batching != null && batching.preserveOrdering();
        this.levels = batching == null ? 1 : batching.levels();
        this.defaultLevel = batching == null || batching.priorityLevels() == 0 ? 1 : batching.defaultPriorityLevel();
        this.bucketsByLength = merges && config.inputs().size() == 1
                && config.inputs().get(0).dataType() == io.statim.core.tensor.DataType.BYTES
                && Boolean.parseBoolean(config.parameter(LENGTH_BUCKETS_PARAMETER, "true"));
        this.policies = new QueuePolicy[levels + 1];
        this.capacities = new int[levels + 1];
        for (int level = 1; level <= levels; level++) {
            policies[level] = batching == null ? QueuePolicy.DEFAULT : batching.queuePolicy(level);
            int own = policies[level].maxQueueSize();
            capacities[level] = own > 0 ? Math.min(own, serverQueueCap) : serverQueueCap;
        }
    }

    /**
     * The model parameter that turns length buckets off ({@code "false"}) for a model whose one input
     * is BYTES text; they are on by default for such models.
     */
    public static final String LENGTH_BUCKETS_PARAMETER = "batch_by_length_bucket";

    /** True when text requests are batched only with texts of their {@link LengthBuckets length bucket}. */
    public boolean bucketsByLength() {
        return bucketsByLength;
    }

    /** True when requests are merged into batches. */
    public boolean merges() {
        return merges;
    }

    /** Rows a batch may hold (1 when the model does not batch). */
    public int maxRows() {
        return maxRows;
    }

    /** Preferred batch sizes, ascending; empty when none. Do not modify. */
    int[] preferred() {
        return preferred;
    }

    public long maxQueueDelayNs() {
        return maxQueueDelayNs;
    }

    public boolean preserveOrdering() {
        return preserveOrdering;
    }

    /** Number of levels, at least 1; level 1 is served first. */
    public int levels() {
        return levels;
    }

    /** The queue policy of a level (1-based). */
    public QueuePolicy policy(int level) {
        return policies[level];
    }

    /** How many requests a level may hold. */
    public int capacity(int level) {
        return capacities[level];
    }

    /** True when some request can time out in the queue (a default timeout, or an override allowed). */
    public boolean hasTimeouts() {
        for (int level = 1; level <= levels; level++) {
            if (policies[level].defaultTimeoutNs() > 0 || policies[level].allowTimeoutOverride()) {
                return true;
            }
        }
        return false;
    }


    /**
     * The level of a request: its own priority, or the default level.
     *
     * @throws StatusException INVALID_ARGUMENT for a priority over the model's levels
     */
    public int level(InferenceRequest request) {
        int priority = request.priority();
        if (priority == InferenceRequest.DEFAULT_PRIORITY) {
            return defaultLevel;
        }
        if (levels == 1 && !merges) {
            return 1;
        }
        if (priority > levels) {
            throw new StatusException(Code.INVALID_ARGUMENT, "priority " + priority + " is over the model's priority_levels=" + levels);
        }
        return priority;
    }

    /** When the request times out, in {@link System#nanoTime()} terms, or {@link Long#MAX_VALUE} for never. */
    public long deadline(InferenceRequest request, int level) {
        long timeout = policies[level].effectiveTimeoutNs(request.timeoutNs());
        if (timeout == 0) {
            return Long.MAX_VALUE;
        }
        long deadline = request.arrivalNanos() + timeout;
        // A huge timeout would wrap around to the past: it means "no practical limit".
        return deadline < request.arrivalNanos() ? Long.MAX_VALUE - 1 : deadline;
    }
}
