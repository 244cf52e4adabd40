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
import statistics
base = statistics.median(m["texts_per_second"] for m in r["mixed"] if m["run"].startswith("base"))
lines = ["# LoRA: mixed-adapter batches and a 1,000-adapter pool", "",
         f"{r['date']} on {r['machine']}, in-process (ModelManager, dynamic batcher, adapter pool; no network). all-MiniLM-L6-v2, "
         f"2 instances x 1 thread; {r['texts']}; closed loop of {r['outstanding']} requests; {r['seconds']} s per run, the three runs "
         "alternated for 3 rounds after a warm-up of each model (ratios are to the same round's base run); "
         "LoRA on query and value of the 6 layers (12 targets), rank 16, 64 device slots; every run in the same process.", "",
         "| round | run | texts/s | vs base (same round) | p50 ms | p99 ms | failed |", "|---|---|---|---|---|---|---|"]
for m in r["mixed"]:
    lines.append(f"| {m['round']} | {m['run']} | {m['texts_per_second']:.1f} | {m['vs_base']:.2f}x | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {m['failed']} |")
z0 = r["zipf"]
lines.append(f"| - | {z0['run']} (40 s) | {z0['texts_per_second']:.1f} | {z0['texts_per_second']/base:.2f}x (median base) | {z0['p50_ms']:.1f} | {z0['p99_ms']:.1f} | {z0['failed']} |")
for name in ("LoRA model, no adapter", "LoRA model, 32 adapters mixed"):
    ratios = sorted(m["vs_base"] for m in r["mixed"] if m["run"] == name)
    lines.append("")
    lines.append(f"{name}: median ratio to base {statistics.median(ratios):.2f}x (rounds: {', '.join(f'{x:.2f}' for x in ratios)}).")
z = r["zipf"]
lines += ["", f"Zipf(1.0) over 1,000 adapters with 64 slots: slot hit rate {z['slot_hit_rate']:.3f}, {z['slot_loads']} slot loads, "
          f"{z['slot_evictions']} evictions.", "",
          f"Loading a rank-16 adapter ({r['slot_bytes']} bytes per slot): host -> slot {r['host_to_slot_mean_us']:.0f} us mean; "
          f"disk -> host {r['disk_to_host_mean_us']:.0f} us mean over {r['host_loads']} loads (read, convert, lay out the slot image); "
          "disk -> slot is the sum.", ""]
open(f"{out}/lora.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
