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
SDJ="python3 -m smartdj.engine.cli.main"
REPO="$PWD"; cd /tmp  # the checkout's own smartdj/ folder would shadow /tmp/pkg/smartdj
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch,diffusers,transformers;print('torch',torch.__version__,'diffusers',diffusers.__version__,'transformers',transformers.__version__)" | tee -a "$OUT/gpu.txt"

el "synthesizing data in the background (16 kHz for the small editor, 10 s scenes)"
( $SDJ synth --sources "$REPO/.gpu/dev/manifest.csv" --out /tmp/ds --count "${SYNTH_COUNT:-1500}" --seed 7 --sr 16000 --seconds 10 --workers 12 > /tmp/synth.log 2>&1 ) &
SYN=$!

if [ -z "${SKIP_EDITOR:-}" ]; then
el "issues 5+7: full-size edit step (released UDiT + Oobleck + FLAN-T5-large shape, random weights), bf16, 50 DDIM steps, CFG"
timeout 150 $SDJ bench editor --config full --dtype bf16 --steps 50 --seconds 10 --repeats 3 --json > "$OUT/bench_editor_full.json" 2> /tmp/bench_editor_full.err; rc=$?; el "bench editor full rc=$rc"; [ $rc = 0 ] || tail -5 /tmp/bench_editor_full.err
tail -c 1500 "$OUT/bench_editor_full.json"

fi
wait $SYN; el "synth rc=$?"; tail -2 /tmp/synth.log
if [ -z "${SKIP_EDITOR:-}" ]; then
el "issue 5: train the small editor"
timeout 200 $SDJ train editor --data /tmp/ds --config small --out /tmp/ckpt_editor --steps 100000 --max-minutes "${EDITOR_MINUTES:-2.3}" --val-every 200 --mixed-precision bf16 --json > "$OUT/train_editor.log" 2>&1; el "train editor rc=$?"
grep -E "val_loss|time limit" "$OUT/train_editor.log" | tail -8
timeout 90 $SDJ eval editor --data /tmp/ds --checkpoint /tmp/ckpt_editor --split val --limit 16 --steps 50 --json > "$OUT/eval_editor.json" 2> /tmp/eval_editor.err; rc=$?; el "eval editor rc=$rc"; [ $rc = 0 ] || tail -5 /tmp/eval_editor.err
cat "$OUT/eval_editor.json"
fi

el "issue 6: planner with a real-size random LM (12 x 768) on the synthesized examples"
( $SDJ synth --sources "$REPO/.gpu/dev/manifest.csv" --out /tmp/ds_ho --count 120 --seed 99 --sr 16000 --seconds 10 --workers 12 > /dev/null 2>&1 )
timeout "${PLANNER_TIMEOUT:-150}" $SDJ train planner --data /tmp/ds --out /tmp/ckpt_planner --config "$REPO/scripts/planner_small_random.json" --steps "${PLANNER_STEPS:-1200}" > "$OUT/train_planner.log" 2>&1; el "train planner rc=$?"
tail -c 600 "$OUT/train_planner.log"
timeout 75 $SDJ eval planner --data /tmp/ds_ho --planner rules --planner alm --checkpoint /tmp/ckpt_planner --limit 100 --json > "$OUT/eval_planner_synth.json" 2> /tmp/eval_planner_synth.err; rc=$?; el "eval synth rc=$rc"; [ $rc = 0 ] || tail -5 /tmp/eval_planner_synth.err
timeout 60 $SDJ eval planner --planner rules --planner alm --checkpoint /tmp/ckpt_planner --json > "$OUT/eval_planner_handwritten.json" 2> /tmp/eval_planner_handwritten.err; rc=$?; el "eval handwritten rc=$rc"; [ $rc = 0 ] || tail -5 /tmp/eval_planner_handwritten.err
tail -c 2500 "$OUT/eval_planner_synth.json"; tail -c 2500 "$OUT/eval_planner_handwritten.json"
el "all done"
