#!/usr/bin/env bash
# The floor-vs-goat comparison of benchmarks/overhead.py on a CUDA machine: the same model through bare
# ONNX Runtime (CUDA EP, goat's provider options) and through `goat up --workers 1` with
# EXECUTION_PROVIDER=cuda, printing images/s for both, their ratio and goat's breakdown.
#
# Why a script of its own: it needs the `gpu` extra (onnxruntime-gpu) in the service's venv and an NVIDIA
# driver, which the CPU benchmark machine does not have. Run from anywhere:
#
#   benchmarks/gpu.sh                      # seed-sized model, 448 px, 96 samples (the seed's test set)
#   NUM_SAMPLES=960 ROUNDS=2 benchmarks/gpu.sh
#   SEED_MODEL=/path/model.onnx benchmarks/gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE_SIZE=${IMAGE_SIZE:-448}
NUM_SAMPLES=${NUM_SAMPLES:-96}
ROUNDS=${ROUNDS:-2}
SEED_MODEL=${SEED_MODEL:-data/bench/seed-b8-${IMAGE_SIZE}.onnx}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
make install RUNTIME=gpu
.venv/bin/python -c 'import onnxruntime as ort; assert "CUDAExecutionProvider" in ort.get_available_providers(), ort.get_available_providers()'

if [ ! -f "$SEED_MODEL" ]; then
    if [ ! -x .venv-bench/bin/python ]; then
        echo "no $SEED_MODEL and no .venv-bench to build it with; see benchmarks/README.md" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$SEED_MODEL")"
    .venv-bench/bin/python benchmarks/seed_model.py "$SEED_MODEL" --batch 8 --image-size "$IMAGE_SIZE"
fi

# One thread drives a GPU (goat's default on CUDA); the floor gets the same.
common=(--provider cuda --threads 1 --image-size "$IMAGE_SIZE" --num-samples "$NUM_SAMPLES")
.venv/bin/python -m benchmarks.overhead --model "$SEED_MODEL" --rounds "$ROUNDS" "${common[@]}"
.venv/bin/python -m benchmarks.overhead --model tiny --rounds 4 "${common[@]}"
