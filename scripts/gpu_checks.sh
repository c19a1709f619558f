#!/usr/bin/env bash
# The GPU checks of issues 5, 6 and 7, as one prepared run on a lent machine (the `device` tool):
#   carry .whl (cp312 wheels of what the GPU image lacks) and .gpu/dev (a copy of shared/audio/dev).
# Everything it measures lands in $OUT. Each phase has its own time limit so the whole run fits.
# DRY=1 runs the same commands tiny and on the CPU with the Python of $PYTHON (default: the checkout's
# .venv), to check the script where there is no GPU: DRY=1 DEV_CLIPS=DIR scripts/gpu_checks.sh
set -uo pipefail
OUT="${OUT:-/tmp/smartdj-gpu-out}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
REPO="$PWD"; DEV_CLIPS="${DEV_CLIPS:-$REPO/.gpu/dev}"
if [ -n "${DRY:-}" ]; then
  W=$(mktemp -d); trap 'rm -rf "$W"' EXIT  # a private work folder on a shared machine
  PY="${PYTHON:-$REPO/.venv/bin/python}"
  SDJ="$PY -m smartdj.engine.cli.main"
  SYNTH_COUNT="${SYNTH_COUNT:-8}"; SR=8000; SECONDS_=2; WORKERS=1
  BENCH_ARGS="--config tiny --device cpu --dtype fp32 --steps 2 --seconds 1 --repeats 1"
  EDITOR_ARGS="--config tiny --steps 4 --val-every 2 --cpu"; EVAL_ARGS="--limit 2 --steps 2 --device cpu"
  PLANNER_ARGS="--config tiny --steps 4 --batch 4"; EVAL_LIMIT=2; HOLDOUT_COUNT=4; HANDWRITTEN_ARGS="--limit 2"
  EVAL_T=300; HW_T=300; EDIT_EVAL_T=300  # a shared CPU is slow
else
  W=/tmp
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  # The package maps top-level folders under smartdj.*: mirror that with links instead of installing.
  mkdir -p /tmp/pkg/smartdj && cp -r smartdj/. /tmp/pkg/smartdj/ && for d in engine bridge models reaper_scripts; do ln -sfn "$PWD/$d" "/tmp/pkg/smartdj/$d"; done
  export PYTHONPATH=/tmp/pkg:/tmp/site
  PY=python3; SDJ="python3 -m smartdj.engine.cli.main"
  SYNTH_COUNT="${SYNTH_COUNT:-1500}"; SR=16000; SECONDS_=10; WORKERS=12
  BENCH_ARGS="--config full --dtype bf16 --steps 50 --seconds 10 --repeats 3"
  EDITOR_ARGS="--config small --steps 100000 --max-minutes ${EDITOR_MINUTES:-2.3} --val-every 200 --mixed-precision bf16"
  EVAL_ARGS="--limit 16 --steps 50"
  PLANNER_ARGS="--config $REPO/scripts/planner_small_random.json --steps ${PLANNER_STEPS:-1200}"; EVAL_LIMIT=100; HOLDOUT_COUNT=120
  HANDWRITTEN_ARGS=""; EVAL_T=75; HW_T=60; EDIT_EVAL_T=90
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
fi
cd /tmp  # the checkout's own smartdj/ folder would shadow /tmp/pkg/smartdj
$PY -c "import torch,diffusers,transformers;print('torch',torch.__version__,'diffusers',diffusers.__version__,'transformers',transformers.__version__)" | tee -a "$OUT/gpu.txt"

el "synthesizing data in the background ($SR Hz for the small editor, $SECONDS_ s scenes)"
rm -rf "$W/ds" "$W/ds_ho"
( $SDJ synth --sources "$DEV_CLIPS/manifest.csv" --out $W/ds --count "$SYNTH_COUNT" --seed 7 --sr $SR --seconds $SECONDS_ --workers $WORKERS > $W/synth.log 2>&1 ) &
SYN=$!

if [ -z "${SKIP_EDITOR:-}" ]; then
el "issues 5+7: edit step (full: released UDiT + Oobleck + FLAN-T5-large shape, random weights, bf16, 50 DDIM steps, CFG)"
timeout 150 $SDJ bench editor $BENCH_ARGS --json > "$OUT/bench_editor_full.json" 2> $W/bench_editor_full.err; rc=$?; el "bench editor rc=$rc"; [ $rc = 0 ] || tail -5 $W/bench_editor_full.err
tail -c 1500 "$OUT/bench_editor_full.json"

fi
wait $SYN; el "synth rc=$?"; tail -2 $W/synth.log
if [ -z "${SKIP_EDITOR:-}" ]; then
el "issue 5: train the small editor"
timeout 200 $SDJ train editor --data $W/ds --out $W/ckpt_editor $EDITOR_ARGS --json > "$OUT/train_editor.log" 2>&1; el "train editor rc=$?"
grep -E "val_loss|time limit" "$OUT/train_editor.log" | tail -8
timeout $EDIT_EVAL_T $SDJ eval editor --data $W/ds --checkpoint $W/ckpt_editor --split val $EVAL_ARGS --json > "$OUT/eval_editor.json" 2> $W/eval_editor.err; rc=$?; el "eval editor rc=$rc"; [ $rc = 0 ] || tail -5 $W/eval_editor.err
cat "$OUT/eval_editor.json"
fi

el "issue 6: planner with a real-size random LM (12 x 768) on the synthesized examples"
( $SDJ synth --sources "$DEV_CLIPS/manifest.csv" --out $W/ds_ho --count $HOLDOUT_COUNT --seed 99 --sr $SR --seconds $SECONDS_ --workers $WORKERS > /dev/null 2>&1 )
timeout "${PLANNER_TIMEOUT:-150}" $SDJ train planner --data $W/ds --out $W/ckpt_planner $PLANNER_ARGS > "$OUT/train_planner.log" 2>&1; el "train planner rc=$?"
tail -c 600 "$OUT/train_planner.log"
timeout $EVAL_T $SDJ eval planner --data $W/ds_ho --planner rules --planner alm --checkpoint $W/ckpt_planner --limit $EVAL_LIMIT --json > "$OUT/eval_planner_synth.json" 2> $W/eval_planner_synth.err; rc=$?; el "eval synth rc=$rc"; [ $rc = 0 ] || tail -5 $W/eval_planner_synth.err
timeout $HW_T $SDJ eval planner --planner rules --planner alm --checkpoint $W/ckpt_planner $HANDWRITTEN_ARGS --json > "$OUT/eval_planner_handwritten.json" 2> $W/eval_planner_handwritten.err; rc=$?; el "eval handwritten rc=$rc"; [ $rc = 0 ] || tail -5 $W/eval_planner_handwritten.err
tail -c 2500 "$OUT/eval_planner_synth.json"; tail -c 2500 "$OUT/eval_planner_handwritten.json"
el "all done"
