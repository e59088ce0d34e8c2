#!/usr/bin/env bash
# Every check of the project, in order (called by `make test`, hence by CI):
#   rasa data validate → train (if changed, in the background) beside the lint and the
#   knowledge-base index (if changed) → unit tests (SQLite and PostgreSQL)
#   → rasa test on French test stories → rasa test nlu on held-out examples (score floor)
#   → end-to-end tests against the three real servers → browser tests of the widget.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# Each step prints its start time; the durations are summed up at the end (CI must stay
# under 60 minutes, so the slow steps must be visible in its log).
STEP_NAME="" STEP_START=$SECONDS TIMINGS=""
step() {
  if [[ -n $STEP_NAME ]]; then TIMINGS+="$(printf '%5ds  %s' $((SECONDS - STEP_START)) "$STEP_NAME")"$'\n'; fi
  STEP_NAME="$*" STEP_START=$SECONDS
  printf '\n\033[1m==> %s\033[0m (%s)\n' "$*" "$(date -u +%H:%M:%S)"
}
report_timings() {
  step "fin"
  printf '\nDurée des étapes :\n%s%5ds  en tout\n' "$TIMINGS" "$SECONDS"
}
trap report_timings EXIT

# PostgreSQL runs on these machines; start it if it was stopped (tests use database "test").
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  step "démarrage de PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi

# Redis (the shared-state and replica tests): start one on 6379 when none answers.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  step "démarrage de Redis"
  redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes
fi

step "rasa data validate"
.venv-rasa/bin/rasa data validate --data nlu_data --config config.yml --domain domain

# Training (TensorFlow, up to 2 threads) runs in the background while the lint and the
# index (mostly one thread each) use the rest of the machine: on a clean checkout this
# saves most of the index's and the lint's minutes. Nothing before the wait needs the model.
step "entraînement du modèle Rasa (si ses données ont changé), en arrière-plan"
mkdir -p var
TRAIN_LOG=var/ci-train.log
# Its own process group (setsid), so that a failing step stops Rasa's training with it.
setsid bash -c 'started=$SECONDS; .venv/bin/python -m assistant train &&
  echo "entraînement terminé en $((SECONDS - started)) s"' >"$TRAIN_LOG" 2>&1 &
TRAIN_PID=$!
stop_training() {
  if [[ -n ${TRAIN_PID:-} ]]; then kill -TERM -- "-$TRAIN_PID" 2>/dev/null || true; fi
}
trap 'stop_training; report_timings' EXIT

step "lint (ruff, mypy, import-linter)"
make -s lint

step "index de la base de connaissances (si le contenu a changé)"
.venv/bin/python -m knowledge_base build --if-stale

step "attente de l'entraînement du modèle Rasa"
if ! wait "$TRAIN_PID"; then
  TRAIN_PID=""
  cat "$TRAIN_LOG"
  echo "L'entraînement du modèle Rasa a échoué (journal ci-dessus)." >&2
  exit 1
fi
TRAIN_PID=""
tail -n 3 "$TRAIN_LOG"

step "tests unitaires (SQLite et PostgreSQL)"
.venv/bin/python -m pytest -q -p no:cacheprovider

step "rasa test : histoires de test en français"
rm -rf var/rasa-test-results
.venv-rasa/bin/rasa test core --stories tests/rasa/test_stories.yml --model models/assistant.tar.gz \
  --endpoints endpoints.yml --fail-on-prediction-errors --out var/rasa-test-results

# Artefact: var/rasa-nlu-results (intent_report.json, intent_errors.json,
# intent_confusion_matrix.png, intent_histogram.png, DIETClassifier_report.json).
step "rasa test nlu : exemples mis de côté (tests/rasa/test_nlu.yml) et plancher de score"
rm -rf var/rasa-nlu-results
.venv-rasa/bin/rasa test nlu --nlu tests/rasa/test_nlu.yml --model models/assistant.tar.gz \
  --out var/rasa-nlu-results
.venv/bin/python scripts/nlu_floor.py var/rasa-nlu-results/intent_report.json

step "tests de bout en bout (serveurs réels)"
.venv/bin/python -m pytest -q -p no:cacheprovider -m e2e tests/e2e

step "tests navigateur (Chromium de Debian, Playwright, axe-core)"
.venv/bin/python -m pytest -q -p no:cacheprovider -m browser tests/browser
