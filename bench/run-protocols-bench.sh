#!/usr/bin/env bash
# Protocols (issue 4), same run: `simple` over gRPC, h2c + binary, h2c + JSON and HTTP/1.1 + JSON at
# concurrency 1 and 32 (bench/loadgen: throughput, p50/p99), against the bare Netty HTTP/2 echo server.
# The echo cannot be driven by the load generator (it has no model metadata), so h2load drives both the
# echo and Statim's h2c + JSON path at the same concurrency: its mean latencies compare the two servers
# with one client, and the load generator's p50s compare the protocols with another.
# Results: bench/results/protocols.{json,md} and bench/results/protocols/. Usage: bench/run-protocols-bench.sh [WINDOW_MS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
WINDOW_MS=${1:-3000}
OUT="$ROOT/bench/results"; RUN="$OUT/protocols"; TMP="$OUT/tmp/protocols"
rm -rf "$TMP" "$RUN"; mkdir -p "$TMP" "$RUN"
bench_need_h2load

python3 - "$TMP" <<'PY'
import sys
seq = ",".join(str(i) for i in range(16)); ones = ",".join(["1"] * 16)
open(f"{sys.argv[1]}/simple.json", "w").write('{"inputs":[{"name":"INPUT0","shape":[1,16],"datatype":"INT32","data":[%s]},'
    '{"name":"INPUT1","shape":[1,16],"datatype":"INT32","data":[%s]}]}' % (seq, ones))
PY
"${JAVA[@]}" -cp "$CP" io.statim.bench.EchoServer 9510 "$THREADS" 2>"$TMP/echo.log" & PIDS+=($!)
STATIM_CACHE_DIR="$TMP/cache" "${JAVA[@]}" -cp "$CP" io.statim.server.cli.StatimCli serve --http-address 127.0.0.1 \
  --http-port 9500 --grpc-port 9501 --metrics-port 9502 --http-threads "$THREADS" 2>"$TMP/statim.log" & PIDS+=($!)
for _ in $(seq 1 120); do curl -sf localhost:9500/v2/health/ready >/dev/null && break; sleep 0.5; done

# h2load: the echo and Statim with one client, same body, c=1 and c=32.
: > "$TMP/h2load.jsonl"
for c in 1 32; do
  for target in echo:http://127.0.0.1:9510/echo statim:http://127.0.0.1:9500/v2/models/simple/infer; do
    name=${target%%:*}; url=${target#*:}
    h2load -D 10 --warm-up-time=3 -c "$c" -m 1 -t 1 -d "$TMP/simple.json" -H 'content-type: application/json' "$url" > "$TMP/h2load-$name-$c.txt" 2>&1 || true
    python3 - "$TMP/h2load-$name-$c.txt" "$name" "$c" >> "$TMP/h2load.jsonl" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
rps = re.search(r"finished in .*?, ([\d.]+) req/s", t); lat = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", t)
def us(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v); return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
print(json.dumps({"server": sys.argv[2], "concurrency": int(sys.argv[3]), "req_per_s": float(rps.group(1)),
                  "mean_us": us(lat.group(3)), "min_us": us(lat.group(1))}))
PY
  done
done

# The load generator: every protocol and encoding, one warm-up wire first.
"${JAVA[@]}" -cp "$CP" io.statim.bench.load.LoadGenerator -m simple -u 127.0.0.1:9500 --grpc-url 127.0.0.1:9501 \
  --protocol h2c,grpc,http1 --encoding binary,json --concurrency-range 1,32 -p "$WINDOW_MS" --max-windows 8 --warmup-ms 5000 \
  --progress lines -o "$RUN" --name simple 2>"$TMP/loadgen.log"

python3 - "$RUN/simple.json" "$TMP/h2load.jsonl" "$OUT" <<'PY'
import json, sys, os, platform, datetime
lg = json.load(open(sys.argv[1]))["results"]; h2 = [json.loads(l) for l in open(sys.argv[2])]; out = sys.argv[3]
get = lambda s, c: next(r for r in h2 if r["server"] == s and r["concurrency"] == c)
rows = [{"wire": f"{r['protocol']}+{r['encoding']}" if r["protocol"] != "grpc" else "grpc", "concurrency": int(r["level"]),
         "req_per_s": r["throughput_per_second"], "p50_us": r["p50_micros"], "p99_us": r["p99_micros"],
         "errors": sum(r["errors"].values())} for r in lg]
seen = set(); rows = [r for r in rows if not ((r["wire"], r["concurrency"]) in seen or seen.add((r["wire"], r["concurrency"])))]
echo1 = get("echo", 1)["mean_us"]
result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
          "loadgen": rows, "h2load": h2, "echo_c1_mean_us": echo1}
json.dump(result, open(f"{out}/protocols.json", "w"), indent=2)
with open(f"{out}/protocols.md", "w") as f:
    f.write(f"# Protocols, `simple` ({result['date'][:19]}Z, {result['machine']})\n\n")
    f.write("bench/loadgen, closed loop, one run:\n\n| wire | concurrency | req/s | p50 µs | p99 µs | errors |\n|---|---|---|---|---|---|\n")
    for r in rows:
        f.write(f"| {r['wire']} | {r['concurrency']} | {r['req_per_s']:.0f} | {r['p50_us']:.0f} | {r['p99_us']:.0f} | {r['errors']} |\n")
    f.write("\nh2load against the bare Netty HTTP/2 echo and Statim (h2c + JSON), same body, same run:\n\n"
            "| server | concurrency | req/s | mean µs |\n|---|---|---|---|\n")
    for r in h2:
        f.write(f"| {r['server']} | {r['concurrency']} | {r['req_per_s']:.0f} | {r['mean_us']:.0f} |\n")
    f.write(f"\nTarget: gRPC and h2c + binary p50 at concurrency 1 within 1.5x of the echo's ({echo1:.0f} µs, h2load mean at c=1):\n\n")
    for wire in ("grpc", "h2c+binary"):
        r = next((x for x in rows if x["wire"] == wire and x["concurrency"] == 1), None)
        if r:
            f.write(f"- {wire}: p50 {r['p50_us']:.0f} µs = {r['p50_us'] / echo1:.2f}x the echo\n")
print(open(f"{out}/protocols.md").read())
PY
