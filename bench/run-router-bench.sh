#!/usr/bin/env bash
# Router (issue 7), same run, the experiment of SageMaker's routing study on this machine: 4 Statim servers
# (one event loop each, one single-threaded instance per model) behind two routers over the same servers,
# one RANDOM and one LEAST_OUTSTANDING_REQUESTS (one event loop each), closed-loop load from bench/loadgen.
#   1. variable_cost with a heavy tail: of every 256 requests, 254 run REPEAT=100 (~0.3 ms of model work),
#      one 5000 (~16 ms) and one 30000 (~100 ms), so the p99 is what short requests suffer behind long ones;
#      concurrency 4 and 8: RANDOM against LOR in two rounds, ordered R, L, L, R so that what is still warming
#      up favours neither (after an unmeasured warm-up through both routers);
#   2. simple (uniform, ~0.1 ms), concurrency 8: RANDOM against LOR;
#   3. the router's added latency: simple at concurrency 1, h2c + binary and gRPC, straight to server 0
#      against through a third router whose only upstream is server 0, ordered direct, routed, routed, direct.
# Results: bench/results/router.{json,md} and bench/results/router/. Usage: bench/run-router-bench.sh [WINDOW_MS]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
WINDOW_MS=${1:-2500}
OUT="$ROOT/bench/results"; RUN="$OUT/router"; TMP="$OUT/tmp/router"
rm -rf "$TMP" "$RUN"; mkdir -p "$TMP/repo" "$RUN"
cat /proc/loadavg > "$RUN/loadavg-before.txt" 2>/dev/null || true
"${JAVA[@]}" -cp "$CP" io.statim.bench.RouterBench write-repo "$TMP/repo"

UPSTREAMS=()
for i in 0 1 2 3; do
  p=$((9600 + 10 * i))
  STATIM_CACHE_DIR="$TMP/cache" "${JAVA[@]}" -Xmx512m -cp "$CP" io.statim.server.cli.StatimCli serve --model-repository "$TMP/repo" \
    --http-address 127.0.0.1 --http-port "$p" --grpc-port $((p + 1)) --metrics-port $((p + 2)) --http-threads 1 \
    2>"$TMP/server-$i.log" & PIDS+=($!)
  UPSTREAMS+=(--upstream "127.0.0.1:$p:$((p + 1))")
done
for i in 0 1 2 3; do
  for _ in $(seq 1 120); do curl -sf "localhost:$((9600 + 10 * i))/v2/health/ready" >/dev/null && break; sleep 0.5; done
done
route() {  # route NAME STRATEGY PORT
  "${JAVA[@]}" -Xmx512m -cp "$CP" io.statim.server.cli.StatimCli route "${UPSTREAMS[@]}" --strategy "$2" --http-address 127.0.0.1 \
    --http-port "$3" --grpc-port $(($3 + 1)) --metrics-port $(($3 + 2)) --threads 1 2>"$TMP/router-$1.log" & PIDS+=($!)
  for _ in $(seq 1 60); do curl -sf "localhost:$3/v2/health/ready" >/dev/null && break; sleep 0.5; done
}
route random RANDOM 9700
route lor LEAST_OUTSTANDING_REQUESTS 9710
UPSTREAMS=(--upstream 127.0.0.1:9600:9601)
route single RANDOM 9720

MIX=$(python3 -c "print(','.join('30000' if i == 170 else '5000' if i == 85 else '100' for i in range(256)))")
load() {  # load NAME URL GRPC_URL MODEL CONCURRENCY PROTOCOLS [extra...]
  local name=$1 url=$2 grpc=$3 model=$4 c=$5 protocols=$6; shift 6
  curl -s "localhost:${url##*:}/router/stats" > "$RUN/$name-router-before.json" 2>/dev/null || true
  "${JAVA[@]}" -cp "$CP" io.statim.bench.load.LoadGenerator -m "$model" -u "$url" --grpc-url "$grpc" --protocol "$protocols" \
    --encoding binary --concurrency-range "$c" -p "$WINDOW_MS" --stable-windows 2 --max-windows 3 --warmup-ms "${WARMUP:-3000}" \
    --progress lines -o "$RUN" --name "$name" "$@" 2>>"$TMP/loadgen.log" >/dev/null
  curl -s "localhost:${url##*:}/router/stats" > "$RUN/$name-router-stats.json" 2>/dev/null || true
  case "$name" in direct-*) rm -f "$RUN/$name-router-before.json" "$RUN/$name-router-stats.json" ;; esac   # a server, no router
}
variable() {  # variable NAME PORT
  load "$1" "127.0.0.1:$2" "127.0.0.1:$(($2 + 1))" variable_cost 4,8 h2c --random-inputs 256 --int-input "REPEAT=$MIX"
}
WARMUP=8000 load warmup-random 127.0.0.1:9700 127.0.0.1:9701 simple 8 h2c
WARMUP=8000 load warmup-lor 127.0.0.1:9710 127.0.0.1:9711 variable_cost 8 h2c --random-inputs 256 --int-input "REPEAT=$MIX"
variable variable-random-1 9700
variable variable-lor-1 9710
variable variable-lor-2 9710
variable variable-random-2 9700
load uniform-random 127.0.0.1:9700 127.0.0.1:9701 simple 8 h2c
load uniform-lor 127.0.0.1:9710 127.0.0.1:9711 simple 8 h2c
WARMUP=5000 load direct-1 127.0.0.1:9600 127.0.0.1:9601 simple 1 h2c,grpc
WARMUP=5000 load routed-1 127.0.0.1:9720 127.0.0.1:9721 simple 1 h2c,grpc
WARMUP=5000 load routed-2 127.0.0.1:9720 127.0.0.1:9721 simple 1 h2c,grpc
WARMUP=5000 load direct-2 127.0.0.1:9600 127.0.0.1:9601 simple 1 h2c,grpc
curl -s localhost:9712/metrics > "$RUN/router-lor-metrics.txt" || true

python3 - "$RUN" "$OUT" <<'PY'
import json, sys, os, platform, datetime
run, out = sys.argv[1], sys.argv[2]
def res(name):
    r = json.load(open(f"{run}/{name}.json"))["results"]
    return [{"wire": x["protocol"] if x["protocol"] == "grpc" else f"{x['protocol']}+{x['encoding']}", "concurrency": int(x["level"]),
             "req_per_s": x["throughput_per_second"], "p50_us": x["p50_micros"], "p90_us": x["p90_micros"],
             "p99_us": x["p99_micros"], "mean_us": x["mean_micros"], "errors": sum(x["errors"].values()), "stable": x["stable"]}
            for x in r]
def stats(name):
    # the router's counters are cumulative: this load's share is after minus before
    try:
        s = json.load(open(f"{run}/{name}-router-stats.json")); b = json.load(open(f"{run}/{name}-router-before.json"))
        return {"requests_per_upstream": [u["requests"] - v["requests"] for u, v in zip(s["upstreams"], b["upstreams"])],
                "mean_decision_ns": s["mean_decision_ns"], "retries": s["retries"] - b["retries"]}
    except Exception:
        return None
result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
          "load_average_before": open(f"{run}/loadavg-before.txt").read().split()[:3] if os.path.exists(f"{run}/loadavg-before.txt") else None,
          "setup": "4 servers (--http-threads 1, intra_op_thread_count 1), a RANDOM and a LEAST_OUTSTANDING_REQUESTS router (--threads 1) "
                   "over them, and a third router over server 0 alone; bench/loadgen h2c+binary, closed loop",
          "variable_cost_mix": "per 256 requests: 254 x REPEAT=100 (~0.3 ms of model work), 1 x 5000 (~16 ms), 1 x 30000 (~100 ms)",
          "variable": {}, "uniform": {}, "added_latency": {}}
for rnd in (1, 2):
    for s in ("random", "lor"):
        result["variable"][f"{s}-{rnd}"] = {"load": res(f"variable-{s}-{rnd}"), "router": stats(f"variable-{s}-{rnd}")}
for s in ("random", "lor"):
    result["uniform"][s] = {"load": res(f"uniform-{s}")[0], "router": stats(f"uniform-{s}")}
for rnd in (1, 2):
    result["added_latency"][f"direct-{rnd}"] = res(f"direct-{rnd}")
    result["added_latency"][f"routed-{rnd}"] = res(f"routed-{rnd}")

def row(label, r, extra=""):
    return f"| {label} | {r['req_per_s']:.0f} | {r['p50_us']/1000:.2f} | {r['p90_us']/1000:.2f} | {r['p99_us']/1000:.2f} | {r['errors']} |{extra}"
L = [f"# Router: RANDOM vs LEAST_OUTSTANDING_REQUESTS, and the router's own cost ({result['date'][:19]}Z, {result['machine']})", "",
     "Same run, same machine: " + result["setup"] + ". Servers, routers and the load generator share the cores "
     f"(load average before the run: {' '.join(result['load_average_before'] or [])}).", "",
     f"## Variable cost (`variable_cost`, {result['variable_cost_mix']})", "",
     "| strategy (round) | concurrency | req/s | p50 ms | p90 ms | p99 ms | errors |", "|---|---|---|---|---|---|---|"]
summary = {}
for c in sorted({x["concurrency"] for x in result["variable"]["random-1"]["load"]}):
    for rnd in (1, 2):
        for s, label in (("random", "RANDOM"), ("lor", "LEAST_OUTSTANDING_REQUESTS")):
            r = next(x for x in result["variable"][f"{s}-{rnd}"]["load"] if x["concurrency"] == c)
            L.append(f"| {label} ({rnd}) | {c} | {r['req_per_s']:.0f} | {r['p50_us']/1000:.2f} | {r['p90_us']/1000:.2f} | "
                     f"{r['p99_us']/1000:.2f} | {r['errors']} |")
    m = {}
    for s in ("random", "lor"):
        rows = [next(x for x in result["variable"][f"{s}-{rnd}"]["load"] if x["concurrency"] == c) for rnd in (1, 2)]
        m[s] = {k: sum(x[k] for x in rows) / 2 for k in ("req_per_s", "p50_us", "p99_us")}
    summary[c] = m
result["variable_summary"] = summary
L.append("")
for c, m in summary.items():
    L.append(f"- concurrency {c}, mean of the two rounds: p99 RANDOM {m['random']['p99_us']/1000:.1f} ms vs LOR "
             f"{m['lor']['p99_us']/1000:.1f} ms ({m['random']['p99_us']/m['lor']['p99_us']:.1f}x lower with LOR); p50 "
             f"{m['random']['p50_us']/1000:.2f} vs {m['lor']['p50_us']/1000:.2f} ms; throughput {m['random']['req_per_s']:.0f} vs "
             f"{m['lor']['req_per_s']:.0f} req/s.")
per = {k: v["router"]["requests_per_upstream"] for k, v in result["variable"].items() if v["router"]}
L += ["", f"Requests per upstream (router counters, both levels): {per}.", "",
      "## Uniform cost (`simple`), concurrency 8", "", "| strategy | req/s | p50 ms | p90 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
for s, label in (("random", "RANDOM"), ("lor", "LEAST_OUTSTANDING_REQUESTS")):
    L.append(row(label, result["uniform"][s]["load"]))
L += ["", "## The router's added latency: `simple`, concurrency 1, straight to server 0 vs through a router whose only upstream is server 0", "",
      "| wire | direct p50 µs | routed p50 µs | added p50 µs | direct p99 µs | routed p99 µs | direct req/s | routed req/s |",
      "|---|---|---|---|---|---|---|---|"]
added = {}
for wire in ("h2c+binary", "grpc"):
    d = [next(x for x in result["added_latency"][f"direct-{i}"] if x["wire"] == wire) for i in (1, 2)]
    r = [next(x for x in result["added_latency"][f"routed-{i}"] if x["wire"] == wire) for i in (1, 2)]
    dp50 = sum(x["p50_us"] for x in d) / 2; rp50 = sum(x["p50_us"] for x in r) / 2
    added[wire] = {"direct_p50_us": dp50, "routed_p50_us": rp50, "added_p50_us": rp50 - dp50,
                   "rounds": [{"direct_p50_us": a["p50_us"], "routed_p50_us": b["p50_us"]} for a, b in zip(d, r)]}
    L.append(f"| {wire} | {dp50:.0f} | {rp50:.0f} | {rp50 - dp50:.0f} | {sum(x['p99_us'] for x in d)/2:.0f} | "
             f"{sum(x['p99_us'] for x in r)/2:.0f} | {sum(x['req_per_s'] for x in d)/2:.0f} | {sum(x['req_per_s'] for x in r)/2:.0f} |")
result["added_latency_summary"] = added
buckets = {}
for line in open(f"{run}/router-lor-metrics.txt"):
    if line.startswith("statim_router_decision_duration_seconds_bucket"):
        le = line.split('le="')[1].split('"')[0]
        buckets[le] = float(line.split()[-1])
total = buckets.get("+Inf", 0) or 1
share = {le: buckets[le] / total for le in ("2.5E-7", "1.0E-6", "1.0E-5") if le in buckets}
result["lor_decisions"] = {"count": total, "share_le_250ns": share.get("2.5E-7"), "share_le_1us": share.get("1.0E-6"),
                           "share_le_10us": share.get("1.0E-5")}
L += ["", "Each figure is the mean of two rounds ordered A, B, B, A (per-round p50s in router.json). Target: added p50 ≤ 100 µs.", "",
      f"Placement decisions of the LOR router over its whole life (warm-up included), from `statim_router_decision_duration_seconds`: "
      f"{total:.0f} decisions, {100 * share.get('2.5E-7', 0):.0f}% within 250 ns, {100 * share.get('1.0E-6', 0):.1f}% within 1 µs, "
      f"{100 * share.get('1.0E-5', 0):.2f}% within 10 µs.", ""]
json.dump(result, open(f"{out}/router.json", "w"), indent=2)
open(f"{out}/router.md", "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
