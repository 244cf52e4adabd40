#!/usr/bin/env bash
# Dynamic batching end to end (issue 3), every figure against its limit in the same run:
#  - simple and minilm (short clinical spans and ~128-token "long" report paragraphs from ../shared/data) served over
#    h2c + binary at concurrency 1, 8 and 32, with batching off and on (bench/loadgen: p50/p99, throughput,
#    server-side queue/compute split and batch size);
#  - the raw in-process ONNX Runtime loop on the same texts for each instance layout (2 sessions x 1
#    thread, 1 session x 2 threads) and batch size (1, 8, 32): the best of them is the limit.
# Results: bench/results/batching.{json,md} and the load generator's per-model files under
# bench/results/batching/. Usage: bench/run-batching-bench.sh [WINDOW_MS] [RAW_SECONDS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
WINDOW_MS=${1:-2000}
RAW_SECONDS=${2:-8}
DATA="$ROOT/../shared/data/clinical_texts.jsonl"
OUT="$ROOT/bench/results"; RUN="$OUT/batching"; TMP="$OUT/tmp/batching"
rm -rf "$TMP" "$RUN"; mkdir -p "$TMP" "$RUN"


# The default repository, plus each model with batching on and off.
CACHE="$TMP/cache"; STATIM_CACHE_DIR="$CACHE" "${JAVA[@]}" -cp "$CP" io.statim.bench.MaterializeDefaultRepository "$CACHE" > "$TMP/default-repo.txt"
DEFAULT=$(cat "$TMP/default-repo.txt")
REPO="$TMP/repo"; mkdir -p "$REPO"
variant() { # NAME SOURCE BATCHING(on|off)
  local name=$1 source=$2 batching=$3
  mkdir -p "$REPO/$name/1"
  for f in "$DEFAULT/$source/1/"*; do ln -s "$f" "$REPO/$name/1/"; done
  grep -v '^dynamic_batching' "$DEFAULT/$source/config.pbtxt" | sed "s/^name: \"$source\"/name: \"$name\"/" > "$REPO/$name/config.pbtxt"
  if [ "$batching" = on ]; then echo 'dynamic_batching { }' >> "$REPO/$name/config.pbtxt"; fi
}
variant simple_off simple off; variant simple_on simple on
variant minilm_off minilm off; variant minilm_on minilm on

"${JAVA[@]}" -cp "$CP" io.statim.server.cli.StatimCli serve --model-repository "$REPO" --http-address 127.0.0.1 \
  --http-port 9400 --grpc-port 9401 --metrics-port 9402 2>"$TMP/statim.log" & PIDS+=($!)
for _ in $(seq 1 120); do curl -sf localhost:9400/v2/health/ready >/dev/null && break; sleep 0.5; done

LOADGEN=("${JAVA[@]}" -cp "$CP" io.statim.bench.load.LoadGenerator -u 127.0.0.1:9400 --grpc-url 127.0.0.1:9401 --protocol h2c
  --encoding binary --concurrency-range 1,8,32 -p "$WINDOW_MS" --max-windows 8 --warmup-ms 3000 --progress lines -o "$RUN")
for b in off on; do
  "${LOADGEN[@]}" -m "simple_$b" --name "simple_$b" 2>>"$TMP/loadgen.log"
  for kind in short long; do
    "${LOADGEN[@]}" -m "minilm_$b" --input-data "$DATA" --input-kind "$kind" --name "minilm_${b}_$kind" 2>>"$TMP/loadgen.log"
  done
done
kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; PIDS=()

# The limit: raw ONNX Runtime, same texts, each layout and batch size.
: > "$TMP/raw.jsonl"
for kind in short long; do
  for layout in "2 1" "1 2"; do
    for batch in 1 8 32; do
      "${JAVA[@]}" -cp "$CP" io.statim.bench.RawMinilmLoop "$DEFAULT/minilm/1" "$DATA" "$kind" $layout "$batch" "$RAW_SECONDS" \
        2>/dev/null | tail -n 1 >> "$TMP/raw.jsonl"
    done
  done
  # The latency limit at concurrency 1: one one-thread session (what one served instance is), batch 1, alone.
  "${JAVA[@]}" -cp "$CP" io.statim.bench.RawMinilmLoop "$DEFAULT/minilm/1" "$DATA" "$kind" 1 1 1 "$RAW_SECONDS" \
    2>/dev/null | tail -n 1 >> "$TMP/raw.jsonl"
done

python3 - "$RUN" "$TMP/raw.jsonl" "$OUT" <<'PY'
import json, sys, glob, os, platform, datetime
run_dir, raw_file, out = sys.argv[1:]
raw = [json.loads(l) for l in open(raw_file) if l.strip()]
served = {}
for f in sorted(glob.glob(f"{run_dir}/*.json")):
    name = os.path.basename(f)[:-5]
    served[name] = [{"concurrency": int(r["level"]), "throughput": r["throughput_per_second"], "p50_us": r["p50_micros"],
                     "p99_us": r["p99_micros"], "errors": sum(r["errors"].values()), "batch_size": r["server"]["batch_size"],
                     "queue_us": r["server"]["queue_micros"], "infer_us": r["server"]["compute_infer_micros"], "stable": r["stable"]}
                    for r in json.load(open(f))["results"]]
best = {k: max((r for r in raw if r["kind"] == k), key=lambda r: r["texts_per_s"]) for k in ("short", "long")}
batch1 = {k: next(r for r in raw if r["kind"] == k and r["batch"] == 1 and r["threads"] == 1 and r["intra_op"] == 1)
          for k in ("short", "long")}
result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
          "served": served, "raw": raw, "raw_best": best, "raw_batch1_latency": batch1}
json.dump(result, open(f"{out}/batching.json", "w"), indent=2)
with open(f"{out}/batching.md", "w") as f:
    f.write(f"# Dynamic batching, end to end ({result['date'][:19]}Z, {result['machine']})\n\n")
    f.write("Served over h2c + binary by bench/loadgen (closed loop); raw = in-process ONNX Runtime on the same texts, same run.\n\n")
    f.write("| model | batching | concurrency | req/s | p50 µs | p99 µs | server batch | queue µs | infer µs | errors |\n|---|---|---|---|---|---|---|---|---|---|\n")
    for name, rows in served.items():
        model, b = name.split("_")[0], name.split("_")[1]
        label = model + ("" if model == "simple" else " " + name.split("_")[2])
        for r in rows:
            f.write(f"| {label} | {b} | {r['concurrency']} | {r['throughput']:.1f} | {r['p50_us']:.0f} | {r['p99_us']:.0f} | "
                    f"{r['batch_size']:.2f} | {r['queue_us']:.0f} | {r['infer_us']:.0f} | {r['errors']} |\n")
    f.write("\nRaw ONNX Runtime (texts/s; run p50 µs), every layout and batch size:\n\n| texts | sessions x threads | batch | texts/s | run p50 µs |\n|---|---|---|---|---|\n")
    for r in raw:
        f.write(f"| {r['kind']} | {r['threads']}x{r['intra_op']} | {r['batch']} | {r['texts_per_s']:.1f} | {r['run_p50_us']} |\n")
    f.write("\nAgainst the limits:\n\n")
    for kind in ("short", "long"):
        on = max(served.get(f"minilm_on_{kind}", []), key=lambda r: r["throughput"], default=None)
        c1 = next((r for r in served.get(f"minilm_on_{kind}", []) if r["concurrency"] == 1), None)
        if on:
            f.write(f"- minilm {kind}: best served {on['throughput']:.1f} req/s (batching on, c={on['concurrency']}) vs best raw "
                    f"{best[kind]['texts_per_s']:.1f} texts/s ({best[kind]['threads']}x{best[kind]['intra_op']}, batch {best[kind]['batch']}): "
                    f"{on['throughput'] / best[kind]['texts_per_s']:.0%} (target 95%)\n")
        if c1:
            f.write(f"- minilm {kind} at concurrency 1: served p50 {c1['p50_us']:.0f} µs vs raw batch-1 run p50 (one 1-thread session alone) "
                    f"{batch1[kind]['run_p50_us']} µs: +{(c1['p50_us'] - batch1[kind]['run_p50_us']) / 1000:.2f} ms (target ≤ 0.3 ms)\n")
print(open(f"{out}/batching.md").read())
PY
