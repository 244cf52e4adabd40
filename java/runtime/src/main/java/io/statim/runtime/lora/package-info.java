/**
 * LoRA on the runtime side: {@link io.statim.runtime.lora.LoraModel} is one model version's graph
 * rewritten for adapters (once, for all its instances) and the slot pools it reads, in device memory.
 * Backends feed the pools as tensors created once per instance over that memory, and a slot index per
 * row from each request's {@link io.statim.runtime.AdapterBinding}; the scheduler's adapter registry
 * decides what is in which slot.
 */
package io.statim.runtime.lora;
