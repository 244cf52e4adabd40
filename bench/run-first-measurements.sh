#!/usr/bin/env bash
# First measurements (issue 2), every figure against its limit in the same run:
#  (a) simple over HTTP/1.1 and h2c under h2load at several concurrencies, against a bare Netty echo
#      server (same event-loop count, same transport) serving the same request body;
#  (b) minilm served at saturation against a raw in-process ONNX Runtime loop on the same text and
#      the same thread count.
# Needs h2load (Debian: nghttp2-client). Results: bench/results/first-measurements.{json,md}.
# Usage: bench/run-first-measurements.sh [SECONDS_PER_POINT]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SECONDS_PER_POINT=${1:-10}
OUT="$ROOT/bench/results"; TMP="$OUT/tmp"; mkdir -p "$TMP"
bench_need_h2load


# Inputs: simple with one row; minilm with the first ~128-token report paragraph of the shared data.
python3 - "$TMP" "$ROOT/../shared/data/clinical_texts.jsonl" <<'PY'
import json, sys
tmp, data = sys.argv[1], sys.argv[2]
ones = ",".join(["1"] * 16); seq = ",".join(str(i) for i in range(16))
open(f"{tmp}/simple.json", "w").write('{"inputs":[{"name":"INPUT0","shape":[1,16],"datatype":"INT32","data":[%s]},'
    '{"name":"INPUT1","shape":[1,16],"datatype":"INT32","data":[%s]}]}' % (seq, ones))
paragraph = next(json.loads(l)["text"] for l in open(data) if json.loads(l)["kind"] != "short")
open(f"{tmp}/paragraph.txt", "w").write(paragraph)
open(f"{tmp}/minilm.json", "w").write(json.dumps({"inputs": [{"name": "TEXT", "shape": [1, 1], "datatype": "BYTES", "data": [paragraph]}]}))
PY

wait_port() { for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.5; done; echo "port $1 never opened" >&2; return 1; }

"${JAVA[@]}" -cp "$CP" io.statim.bench.EchoServer 9100 "$THREADS" 2>"$TMP/echo-h2.log" & PIDS+=($!)
"${JAVA[@]}" -cp "$CP" io.statim.bench.EchoServer 9101 "$THREADS" --http1 2>"$TMP/echo-h1.log" & PIDS+=($!)
STATIM_CACHE_DIR="$TMP/cache" "${JAVA[@]}" -cp "$CP" io.statim.server.cli.StatimCli serve --http-port 9000 --http-address 127.0.0.1 \
  --http-threads "$THREADS" --grpc-port 0 --metrics-port 0 2>"$TMP/statim.log" & PIDS+=($!)
wait_port 9100; wait_port 9101; wait_port 9000
for _ in $(seq 1 120); do curl -sf localhost:9000/v2/health/ready >/dev/null && break; sleep 0.5; done

# h2load NAME URL BODY CONCURRENCY [--h1]
run_h2load() {
  local name=$1 url=$2 body=$3 c=$4; shift 4
  h2load "$@" -D "$SECONDS_PER_POINT" --warm-up-time=2 -c "$c" -m 1 -t 1 -d "$body" -H 'content-type: application/json' "$url" \
    > "$TMP/$name-c$c.txt" 2>&1 || true
  python3 - "$TMP/$name-c$c.txt" "$name" "$c" >> "$TMP/points.jsonl" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
rps = re.search(r"finished in .*?, ([\d.]+) req/s", text)
ok = re.search(r"(\d+) succeeded, (\d+) failed, (\d+) errored", text)
lat = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", text)
def us(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v); f = {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]; return float(m.group(1)) * f
print(json.dumps({"name": sys.argv[2], "concurrency": int(sys.argv[3]), "req_per_s": float(rps.group(1)) if rps else None,
                  "succeeded": int(ok.group(1)) if ok else None, "failed": int(ok.group(2)) if ok else None,
                  "mean_latency_us": us(lat.group(3)) if lat else None}))
PY
}
: > "$TMP/points.jsonl"
for c in 1 8 32; do
  run_h2load echo-h2c http://127.0.0.1:9100/echo "$TMP/simple.json" "$c"
  run_h2load simple-h2c http://127.0.0.1:9000/v2/models/simple/infer "$TMP/simple.json" "$c"
  run_h2load echo-http1 http://127.0.0.1:9101/echo "$TMP/simple.json" "$c" --h1
  run_h2load simple-http1 http://127.0.0.1:9000/v2/models/simple/infer "$TMP/simple.json" "$c" --h1
done
run_h2load minilm-h2c http://127.0.0.1:9000/v2/models/minilm/infer "$TMP/minilm.json" 4
kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; PIDS=()
# The limit: the same text, the same thread count (2 instances x 1 intra-op thread), no server.
"${JAVA[@]}" -cp "$CP" io.statim.bench.RawMinilmLoop "$(ls -d "$TMP"/cache/default-repository-v*/minilm/1 | head -n 1)" "$TMP/paragraph.txt" paragraph \
  2 1 1 "$SECONDS_PER_POINT" > "$TMP/raw-minilm.json"

python3 - "$TMP" "$OUT" "$THREADS" <<'PY'
import json, sys, platform, datetime
tmp, out, threads = sys.argv[1], sys.argv[2], sys.argv[3]
points = [json.loads(l) for l in open(f"{tmp}/points.jsonl")]
raw = json.load(open(f"{tmp}/raw-minilm.json"))
get = lambda n, c: next(p for p in points if p["name"] == n and p["concurrency"] == c)
rows = []
for proto in ("h2c", "http1"):
    for c in (1, 8, 32):
        s, e = get(f"simple-{proto}", c), get(f"echo-{proto}", c)
        rows.append({"protocol": proto, "concurrency": c, "statim_req_per_s": s["req_per_s"], "echo_req_per_s": e["req_per_s"],
                     "ratio": s["req_per_s"] / e["req_per_s"] if s["req_per_s"] and e["req_per_s"] else None,
                     "statim_mean_us": s["mean_latency_us"], "echo_mean_us": e["mean_latency_us"], "statim_failed": s["failed"]})
m = get("minilm-h2c", 4)
result = {"date": datetime.datetime.utcnow().isoformat() + "Z", "machine": f"{platform.machine()}, {threads} cores",
          "simple_vs_echo": rows,
          "minilm": {"served_req_per_s": m["req_per_s"], "served_failed": m["failed"], "raw_texts_per_s": raw["texts_per_s"],
                     "ratio": m["req_per_s"] / raw["texts_per_s"], "served": "h2c, 4 connections, 2 instances x 1 thread",
                     "raw": "2 threads x 1-thread session, same paragraph"}}
json.dump(result, open(f"{out}/first-measurements.json", "w"), indent=2)
with open(f"{out}/first-measurements.md", "w") as f:
    f.write(f"# First measurements ({result['date']}, {result['machine']})\n\n")
    f.write("`simple` (1x16 INT32 JSON) against a bare Netty echo of the same body, same run, h2load:\n\n")
    f.write("| protocol | concurrency | Statim req/s | echo req/s | Statim/echo | Statim mean µs | echo mean µs |\n|---|---|---|---|---|---|---|\n")
    for r in rows:
        f.write(f"| {r['protocol']} | {r['concurrency']} | {r['statim_req_per_s']:.0f} | {r['echo_req_per_s']:.0f} | {r['ratio']:.2f} | {r['statim_mean_us']:.0f} | {r['echo_mean_us']:.0f} |\n")
    mm = result["minilm"]
    f.write(f"\n`minilm`, one ~128-token paragraph per request: served {mm['served_req_per_s']:.1f} req/s ({mm['served']}), "
            f"raw in-process ONNX Runtime {mm['raw_texts_per_s']:.1f} runs/s ({mm['raw']}): ratio {mm['ratio']:.2f}.\n")
print(open(f"{out}/first-measurements.md").read())
PY
