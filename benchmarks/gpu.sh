#!/usr/bin/env bash
# Proof on a GPU, in one command from a fresh clone: the seed-sized model on the seed's test set (96
# samples at 448 px) through bare ONNX Runtime (CUDA EP, goat's provider options) and through
# `goat up --workers 1` with EXECUTION_PROVIDER=cuda, printing the provider each really ran on, images/s
# for both, their ratio, goat's breakdown, and the seed's own figure (96 images in 4.2 s on an A40).
#
# Steps: refuse at once without an NVIDIA driver; `make install` with the ONNX Runtime build the driver
# runs (RUNTIME=gpu for CUDA 13, gpu-cu12 for older drivers: the Makefile's choice); `goat doctor` (it
# stops here, saying why, if the GPU cannot be used); build the seed-sized model in .venv-bench (torch,
# transformers: the `bench` extra) unless SEED_MODEL exists; then benchmarks/overhead.py for that model and
# for the tiny one. Run from anywhere:
#
#   benchmarks/gpu.sh                      # seed-sized model, 448 px, 96 samples (the seed's test set)
#   NUM_SAMPLES=960 ROUNDS=2 benchmarks/gpu.sh
#   SEED_MODEL=/path/model.onnx RUNTIME=gpu-cu12 benchmarks/gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! nvidia-smi -L >/dev/null 2>&1; then
    echo "benchmarks/gpu.sh: no NVIDIA GPU/driver found (nvidia-smi does not answer); it measures the CUDA" \
        "path and needs one. On a CPU machine: make bench (docs/benchmarks.md)." >&2
    exit 2
fi

IMAGE_SIZE=${IMAGE_SIZE:-448}
NUM_SAMPLES=${NUM_SAMPLES:-96}
ROUNDS=${ROUNDS:-2}
SEED_MODEL=${SEED_MODEL:-data/bench/seed-b8-${IMAGE_SIZE}.onnx}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
RUNTIME=${RUNTIME:-$(make -s runtime)}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
echo "ONNX Runtime build for this driver: RUNTIME=$RUNTIME"
make install RUNTIME="$RUNTIME"
.venv/bin/goat doctor

if [ ! -f "$SEED_MODEL" ]; then
    if [ ! -x .venv-bench/bin/python ]; then
        "$PYTHON" -m venv .venv-bench
        .venv-bench/bin/python -m pip install --quiet -e '.[bench,cpu]'  # seed_model.py --verify uses ORT
    fi
    mkdir -p "$(dirname "$SEED_MODEL")"
    .venv-bench/bin/python benchmarks/seed_model.py "$SEED_MODEL" --batch 8 --image-size "$IMAGE_SIZE"
fi

# One thread drives a GPU (goat's default on CUDA); the floor gets the same.
common=(--provider cuda --threads 1 --image-size "$IMAGE_SIZE" --num-samples "$NUM_SAMPLES")
.venv/bin/python -m benchmarks.overhead --model "$SEED_MODEL" --rounds "$ROUNDS" "${common[@]}"
.venv/bin/python -m benchmarks.overhead --model tiny --rounds 4 "${common[@]}"
