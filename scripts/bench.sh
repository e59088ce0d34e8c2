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

t=$(now); $PY -m assistant train --force >"$out/train.log" 2>&1; echo "training (forced): $(elapsed "$t") s"
t=$(now); $PY -m knowledge_base build >"$out/index.log" 2>&1; echo "index build (forced): $(elapsed "$t") s"

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
stop_stack() { kill -INT $SERVE_PID; wait $SERVE_PID || true; }

start_stack first; stop_stack
start_stack second
$PY -m assistant bench
stop_stack

$PY -m knowledge_base evaluate
$PY -m knowledge_base bench
