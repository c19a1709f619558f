#!/usr/bin/env bash
# Set up (or refresh) the project's virtual environment. Idempotent; safe to run every time.
#   VENV=path   where the environment lives (default: .venv in the checkout)
#   SMARTDJ_EXTRAS=all|models|...   which optional parts to install (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
EXTRAS="${SMARTDJ_EXTRAS:-all}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtual environment in $VENV" >&2
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
# torch first, pinned to the local CPU build, so the loose range below never pulls a CUDA build here.
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  echo "setup: installing torch (CPU build)" >&2
  "${PIP[@]}" install "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
fi
stamp="$VENV/.smartdj-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing smartdj[$EXTRAS]" >&2
  "${PIP[@]}" install -e ".[$EXTRAS]" 2>&1 | grep -v "^WARNING: Location" || true
  "$VENV/bin/python" -c "import smartdj.engine.cli.main" && touch "$stamp"
fi
