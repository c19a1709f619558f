#!/usr/bin/env bash
# Set up, start the engine, and run a real edit of the bundled example audio through the bridge.
set -euo pipefail
cd "$(dirname "$0")/.."
export VENV="${VENV:-.venv}"
bash scripts/setup.sh
exec "$VENV/bin/smartdj" demo "$@"
