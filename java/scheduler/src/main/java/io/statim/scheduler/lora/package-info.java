/**
 * Many LoRA adapters over one base model: {@link io.statim.scheduler.lora.AdapterRegistry} (one per
 * model version) registers PEFT adapters, keeps them in three tiers (disk, host slot images, device
 * slots) and, through its {@link io.statim.scheduler.batch.BatchHook}, brings each batch's adapters
 * into slots right before the batch runs. {@link io.statim.scheduler.lora.AdapterStatistics} counts
 * hits, misses, loads and evictions per tier.
 */
package io.statim.scheduler.lora;
