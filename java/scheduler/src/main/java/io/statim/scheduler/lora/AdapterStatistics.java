package io.statim.scheduler.lora;

/**
 * The counters of one model version's LoRA adapters at one moment (a snapshot of
 * {@link AdapterRegistry#statistics()}; consistent across counters, taken under the registry's lock).
 *
 * <p>Per tier, a lookup is one admitted request's adapter (device) or one device miss (host): a
 * <em>hit</em> found it in the tier, a <em>miss</em> had to bring it from the tier below; a
 * <em>load</em> filled the tier (host: a slot image written from the adapter's files; device: a slot
 * filled from the host image, or from the files when the host tier cannot hold the image); an
 * <em>eviction</em> dropped another adapter to make room. Freeing an unregistered adapter is not an
 * eviction. Durations are nanoseconds.
 *
 * @param registered      adapters registered now
 * @param deviceSlots     device slots (the zero slot not counted)
 * @param slotsOccupied   slots holding an adapter
 * @param slotsPinned     slots holding a pinned adapter
 * @param slotsInUse      slots read by a batch running now
 * @param noSlot          loads refused because every slot was pinned, or in use by running batches of a
 *                        model that preserves ordering (RESOURCE_EXHAUSTED)
 * @param slotWaits       times a request went back to the queue because every slot that is not pinned
 *                        was read by running batches (it ran in a later batch, or timed out there)
 * @param loadFailures    loads that failed because the adapter's files no longer load (FAILED_PRECONDITION)
 * @param host            the host tier (off-heap slot images, LRU within {@code lora_host_memory_bytes})
 * @param device          the device tier (the slots)
 */
public record AdapterStatistics(int registered, int deviceSlots, int slotsOccupied, int slotsPinned, int slotsInUse,
                                long noSlot, long slotWaits, long loadFailures, Tier host, Tier device) {
    /**
     * The counters of one tier.
     *
     * @param hits          lookups that found the adapter in this tier
     * @param misses        lookups that had to bring it from the tier below
     * @param loads         adapters brought into this tier
     * @param evictions     adapters dropped to make room
     * @param bytes         bytes held now (host: images; device: occupied slots)
     * @param budgetBytes   bytes this tier may hold (host: the budget; device: all slots)
     * @param loadNanos     total time of the loads
     * @param lastLoadNanos time of the latest load (0 before the first)
     */
    public record Tier(long hits, long misses, long loads, long evictions, long bytes, long budgetBytes, long loadNanos,
                       long lastLoadNanos) {
    }
}
