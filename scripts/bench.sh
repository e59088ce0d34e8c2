#!/usr/bin/env bash
# Reproduce the figures of BENCHMARKS.md on this machine (2 cores, no GPU).
#   scripts/bench.sh            training, time to ready (cold and warm), latency, memory, KB
#   BENCH_FRESH=1 scripts/bench.sh   also a fresh setup in a temporary clone (≈ 5 min)
# It refuses to run while an assistant is already up, so figures are never mixed.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 HF_HUB_OFFLINE=1
PY=.venv/bin/python
out=var/bench; mkdir -p "$out"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

if curl -s -o /dev/null http://127.0.0.1:8000/health; then
  echo "Un assistant tourne déjà sur :8000 ; arrêtez-le d'abord." >&2; exit 1
fi

if [[ "${BENCH_FRESH:-0}" == 1 ]]; then
  tmp=$(mktemp -d); git clone -q . "$tmp/clone"
  t=$(now); (cd "$tmp/clone" && scripts/setup.sh >/dev/null); echo "fresh setup: $(elapsed "$t") s"
  rm -rf "$tmp"
fi

# RASA_MAX_CACHE_SIZE=0: no reuse of Rasa's training cache, so this is a full training.
t=$(now); RASA_MAX_CACHE_SIZE=0 $PY -m assistant train --force >"$out/train.log" 2>&1
echo "training (forced, no cache): $(elapsed "$t") s"
t=$(now); $PY -m knowledge_base build-embedder >"$out/embedder.log" 2>&1
echo "default embedder build + fine-tuning: $(elapsed "$t") s"
t=$(now); $PY -m knowledge_base build >"$out/index.log" 2>&1; echo "index build: $(elapsed "$t") s"

start_stack() {  # start_stack LABEL: time from launch to "Assistant prêt"
  local t; t=$(now)
  $PY -m assistant serve >"$out/serve-$1.log" 2>&1 &
  SERVE_PID=$!
  until grep -q "Assistant prêt" "$out/serve-$1.log"; do
    kill -0 $SERVE_PID 2>/dev/null || { echo "échec du démarrage, voir $out/serve-$1.log"; exit 1; }
    sleep 0.5
  done
  echo "time to ready ($1): $(elapsed "$t") s"
}
stop_stack() { [[ -n "${SERVE_PID:-}" ]] || return 0; kill -INT "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""; }
trap 'stop_stack' EXIT  # never leave a stack running, even when a step fails

start_stack first; stop_stack
# The load test comes from one address and one session per user: lift the rate limits
# (30 messages/min per session, 120/min per client) for this stack only.
export ASSISTANT_RATE_LIMIT_PER_SESSION=100000 ASSISTANT_RATE_LIMIT_PER_CLIENT=100000
start_stack second
$PY -m assistant bench
stop_stack

$PY -m knowledge_base evaluate
$PY -m knowledge_base bench
