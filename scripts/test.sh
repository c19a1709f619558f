#!/usr/bin/env bash
# Set up and run the checks: ruff, then the test suite (CPU only, no network, a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
export VENV="${VENV:-.venv}"
bash scripts/setup.sh
bash scripts/system-deps.sh || echo "test: could not install system peers (liblo-tools, libzmq3-dev); their tests will skip" >&2
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
"$VENV/bin/ruff" check .
"$VENV/bin/python" -m pytest "$@"
