#!/usr/bin/env bash
# Sessions (issue 5), same run: a follow-up request in a session whose 64 MiB document is cached on the
# server, against the same request resending the document every time, over h2c + binary and gRPC,
# one request at a time (p50/p99); SageMaker sessions opened and closed per second; memory per idle
# session (in-process). Results: bench/results/sessions.{json,md}.
# Usage: bench/run-sessions-bench.sh [ROWS] [REQUESTS] [SECONDS]   (ROWS 65536 = 64 MiB)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ROWS=${1:-65536}; REQUESTS=${2:-40}; SECONDS_OPEN=${3:-10}
OUT="$ROOT/bench/results"; TMP="$OUT/tmp/sessions"
rm -rf "$TMP"; mkdir -p "$TMP/repo"
"${JAVA[@]}" -cp "$CP" io.statim.bench.SessionLatencyBench write-repo "$TMP/repo"
"${JAVA[@]}" -cp "$CP" io.statim.server.cli.StatimCli serve --model-repository "$TMP/repo" --http-address 127.0.0.1 \
  --http-port 9600 --grpc-port 9601 --metrics-port 9602 --http-threads "$THREADS" \
  --max-body-bytes $((160 << 20)) --max-tensor-elements $((32 << 20)) --session-memory-bytes $((1 << 30)) \
  2>"$TMP/statim.log" & PIDS+=($!)
for _ in $(seq 1 120); do curl -sf localhost:9600/v2/health/ready >/dev/null && break; sleep 0.5; done
"${JAVA[@]}" -Xmx3g -cp "$CP" io.statim.bench.SessionLatencyBench 127.0.0.1 9600 9601 "$ROWS" "$REQUESTS" "$SECONDS_OPEN" > "$TMP/latency.json"
curl -s localhost:9602/metrics | grep -E '^statim_sessions|SESSION_CACHE' > "$TMP/metrics.txt" || true
bench_cleanup; PIDS=()
"${JAVA[@]}" -cp "$CP" io.statim.bench.SessionIdleMemory 10000 > "$TMP/idle.json"

python3 - "$TMP" "$OUT" <<'PY'
import json, sys, os, platform, datetime
tmp, out = sys.argv[1], sys.argv[2]
lat = json.load(open(f"{tmp}/latency.json")); idle = json.load(open(f"{tmp}/idle.json"))
result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
          "latency": lat, "idle_memory": idle, "metrics_after": open(f"{tmp}/metrics.txt").read().splitlines()}
json.dump(result, open(f"{out}/sessions.json", "w"), indent=2)
mib = lat["document_bytes"] / (1 << 20)
lines = ["# Sessions: cached document vs resending it", "",
         f"{result['date']} on {result['machine']} (server, client and model share the cores). "
         f"Model `session_document`: a {mib:.0f} MiB FP32 document (rows x 256), a query of 8 row indices and a 256-wide vector; "
         "the answer is the dot product of the vector with each selected row, so the model itself touches 8 KiB, not the document. "
         f"One request at a time: {lat['resend_requests']} resends after 3 warm-up ones; {lat['small_requests']} session follow-ups and "
         f"{lat['small_requests']} tiny stateless `accumulator` requests (the floor of the wire) after {lat['small_warmup']} warm-up ones each; same server, same run.", "",
         "| wire | resend p50 ms | resend p99 ms | session p50 ms | session p99 ms | p50 ratio | p99 ratio | tiny stateless p50 ms (before / after) |", "|---|---|---|---|---|---|---|---|"]
for w in lat["wires"]:
    lines.append(f"| {w['wire']} | {w['resend_p50_us']/1000:.2f} | {w['resend_p99_us']/1000:.2f} | {w['session_p50_us']/1000:.3f} | "
                 f"{w['session_p99_us']/1000:.3f} | {w['p50_ratio']:.0f}x | {w['p99_ratio']:.0f}x | "
                 f"{w['tiny_stateless_p50_us']/1000:.3f} / {w['tiny_stateless_after_p50_us']/1000:.3f} |")
oc = lat["sagemaker_open_close"]
lines += ["", f"SageMaker sessions opened and closed (NEW_SESSION then CLOSE on /invocations, model `accumulator`): "
          f"{oc['sessions_per_second']:.0f} sessions/s, that is {2 * oc['sessions_per_second']:.0f} requests/s, against "
          f"{oc['ping_per_second']:.0f} GET /ping requests/s on the same client and connection ({oc['client']}).", "",
          f"Memory per idle session ({idle['sessions']} `accumulator` sessions, each after one request, in-process): "
          f"{idle['heap_bytes_per_session']:.0f} bytes of Java heap + {idle['device_bytes_per_session']:.0f} bytes of session memory "
          "(the 16-byte state in a 64-byte pooled buffer). A `session_document` session holds its document besides: "
          f"{lat['document_bytes']} bytes here.", ""]
open(f"{out}/sessions.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
