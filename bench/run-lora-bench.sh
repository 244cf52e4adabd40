#!/usr/bin/env bash
# LoRA (issue 6), same run, in-process (bench/src/main/java/io/statim/bench/LoraBench.java): minilm
# without LoRA vs minilm with LoRA on query and value (rank 16, 64 slots) serving batches that mix 32
# adapters; then 1,000 adapters under a Zipf(1.0) mix. Results: bench/results/lora.{json,md}.
# Usage: bench/run-lora-bench.sh [OUTSTANDING] [SECONDS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
OUTSTANDING=${1:-16}; SECONDS_RUN=${2:-15}
OUT="$ROOT/bench/results"; TMP="$OUT/tmp/lora"
mkdir -p "$TMP"
DATA="$ROOT/../shared/data/clinical_texts.jsonl"
"${JAVA[@]}" -cp "$CP" io.statim.bench.LoraBench "$DATA" "$TMP" "$OUTSTANDING" "$SECONDS_RUN" > "$TMP/lora.json"
python3 - "$TMP/lora.json" "$OUT" <<'PY'
import json, sys, os, platform, datetime
r = json.load(open(sys.argv[1])); out = sys.argv[2]
r["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(); r["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
json.dump(r, open(f"{out}/lora.json", "w"), indent=2)
m = r["mixed"]; z = r["zipf"]; cb = r["closed_loop_base"]
lines = ["# LoRA: mixed-adapter batches and a 1,000-adapter pool", "",
         f"{r['date']} on {r['machine']}, in-process (ModelManager, dynamic batcher, adapter pool; no network). all-MiniLM-L6-v2, "
         f"2 instances x 1 thread; {r['texts']}. LoRA on query and value of the 6 layers (12 targets), rank 16, 64 device slots. "
         f"Throughput in alternating bursts of {r['burst_size']} requests (base, LoRA without adapter, LoRA with 32 different adapters, "
         f"repeated {m[0]['bursts']} times in the same process), so that each configuration sees the same machine.", "",
         "| run | texts/s | vs base |", "|---|---|---|"]
for row in m:
    lines.append(f"| {row['run']} | {row['texts_per_second']:.1f} | {row['vs_base']:.2f}x |")
lines += ["", "A burst ends when its slowest batch does, so burst throughput is below the closed loop's; the ratios are what the bursts are for.", "",
          f"Closed loop of {r['outstanding']} requests, 40 s each after a warm-up, one after the other:", "",
          "| run | texts/s | p50 ms | p99 ms | failed |", "|---|---|---|---|---|",
          f"| base model, no LoRA | {cb['texts_per_second']:.1f} | {cb['p50_ms']:.0f} | {cb['p99_ms']:.0f} | {cb['failed']} |",
          f"| LoRA, 1,000 registered adapters drawn from Zipf(1.0), 64 slots | {z['texts_per_second']:.1f} ({z['texts_per_second']/cb['texts_per_second']:.2f}x) | "
          f"{z['p50_ms']:.0f} | {z['p99_ms']:.0f} | {z['failed']} |", "",
          f"Zipf run: slot hit rate {z['slot_hit_rate']:.3f} ({z['slot_loads']} slot loads, {z['slot_evictions']} evictions); "
          f"{z['slot_waits']} requests waited for a slot held by a running batch, {z['no_slot_refusals']} were refused for want of one.", "",
          f"Loading a rank-16 adapter ({r['slot_bytes']} bytes per slot): host -> slot {r['host_to_slot_mean_us']:.0f} us mean; "
          f"disk -> host {r['disk_to_host_mean_us']:.0f} us mean over {r['host_loads']} loads (read, convert, lay out the slot image); "
          "disk -> slot is the sum.", ""]
open(f"{out}/lora.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
