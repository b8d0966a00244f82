#!/usr/bin/env bash
# Every CPU benchmark in one command (what `make bench` runs): goat's overhead against the bare-ORT floor
# for the seed-sized model and for a tiny one, then scaling (workers, queue length, a 400 MB upload), then
# the web pages with 1,000 submissions in the database.
# Benchmarks are commands, never tests: they print ratios measured in one run and assert nothing.
#
#   benchmarks/run.sh            # about 20 minutes on 2 cores (the seed's 96 images, 4 rounds)
#   benchmarks/run.sh --quick    # about 2 minutes, a smoke run: fixed costs dominate its ratios
#
# The seed-sized model (Depth Anything V2 Small's architecture, random weights, ~99 MB) is built once
# with .venv-bench (torch + transformers, see benchmarks/README.md) into $SEED_MODEL.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SEED_MODEL=${SEED_MODEL:-data/bench/seed-b8-448.onnx}
SEED_SAMPLES=${SEED_SAMPLES:-96}
SEED_ROUNDS=${SEED_ROUNDS:-4}
THREADS=${THREADS:-$(nproc)}

if [ ! -f "$SEED_MODEL" ]; then
    if [ ! -x .venv-bench/bin/python ]; then
        echo "no $SEED_MODEL and no .venv-bench to build it with; see benchmarks/README.md" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$SEED_MODEL")"
    .venv-bench/bin/python benchmarks/seed_model.py "$SEED_MODEL" --batch 8 --image-size 448
fi

"$PY" -m benchmarks.overhead --model "$SEED_MODEL" --image-size 448 --num-samples "$SEED_SAMPLES" \
    --threads "$THREADS" --rounds "$SEED_ROUNDS" "$@"
"$PY" -m benchmarks.overhead --model tiny --image-size 448 --num-samples 16 --threads "$THREADS" --rounds 4 "$@"
"$PY" -m benchmarks.scaling "$@"
"$PY" -m benchmarks.pages
