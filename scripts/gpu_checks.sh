#!/usr/bin/env bash
# The GPU checks of issues 5, 6 and 7, as one prepared run on a lent machine (the `device` tool):
#   carry .whl (cp312 wheels of what the GPU image lacks) and .gpu/dev (a copy of shared/audio/dev).
# Everything it measures lands in $OUT. Each phase has its own time limit so the whole run fits.
set -uo pipefail
OUT="${OUT:-/tmp/smartdj-gpu-out}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
# The package maps top-level folders under smartdj.*: mirror that with links instead of installing.
mkdir -p /tmp/pkg/smartdj && cp -r smartdj/. /tmp/pkg/smartdj/ && for d in engine bridge models reaper_scripts; do ln -sfn "$PWD/$d" "/tmp/pkg/smartdj/$d"; done
export PYTHONPATH=/tmp/pkg:/tmp/site
SDJ="python3 -m smartdj.engine.cli"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch,diffusers,transformers;print('torch',torch.__version__,'diffusers',diffusers.__version__,'transformers',transformers.__version__)" | tee -a "$OUT/gpu.txt"

el "synthesizing data in the background (16 kHz for the small editor, 10 s scenes)"
( $SDJ synth --sources .gpu/dev/manifest.csv --out /tmp/ds --count "${SYNTH_COUNT:-1500}" --seed 7 --sr 16000 --seconds 10 --workers 12 > "$OUT/synth.log" 2>&1 ) &
SYN=$!

el "issue 7: released UDiT at full size, bf16, 50 DDIM steps with CFG"
timeout 120 $SDJ bench udit --config full --dtype bf16 --steps 50 --json > "$OUT/bench_udit.json" 2> "$OUT/bench_udit.err"; el "udit rc=$?"
el "issue 5: full editor pipeline (UDiT + released-shape Oobleck + FLAN-T5-large shape, random), bf16"
timeout 150 $SDJ bench editor --config full --dtype bf16 --steps 50 --seconds 10 --repeats 3 --json > "$OUT/bench_editor_full.json" 2> "$OUT/bench_editor_full.err"; el "editor full rc=$?"
timeout 60 $SDJ bench editor --config small --dtype bf16 --steps 50 --seconds 10 --repeats 3 --json > "$OUT/bench_editor_small.json" 2> "$OUT/bench_editor_small.err"; el "editor small rc=$?"

wait $SYN; el "synth rc=$?"; tail -2 "$OUT/synth.log"
el "issue 5: train the small editor"
timeout 260 $SDJ train editor --data /tmp/ds --config small --out /tmp/ckpt_editor --steps 100000 --max-minutes "${EDITOR_MINUTES:-3}" --val-every 200 --mixed-precision bf16 --json > "$OUT/train_editor.log" 2>&1; el "train editor rc=$?"
grep -E "val_loss|time limit" "$OUT/train_editor.log" | tail -8
timeout 90 $SDJ eval editor --data /tmp/ds --checkpoint /tmp/ckpt_editor --split val --limit 24 --steps 50 --json > "$OUT/eval_editor.json" 2> "$OUT/eval_editor.err"; el "eval editor rc=$?"
cat "$OUT/eval_editor.json"
