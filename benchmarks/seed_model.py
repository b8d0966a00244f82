"""Write a randomly initialised ONNX model with the seed production model's interface and size class.

The seed's production model is Depth Anything V2 Small (a DINOv2 ViT-S/14 backbone with a DPT head), exported
with a fixed batch of 8 at 448x448. Benchmarks of the evaluation service need a model of that interface, graph
and size (~25M parameters, ~99 MB fp32) without downloading weights, so this script builds the same
architecture from a config, initialises it from a fixed seed, and exports it as one self-contained ONNX file.

Needs the `bench` extra (torch, transformers, onnx, onnxruntime), not the service's own dependencies:

    python benchmarks/seed_model.py OUT.onnx [--batch 8] [--image-size 448] [--seed 0] [--verify]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config

OPSET = 17
# onnxruntime 1.31 reads models up to IR version 13.
MAX_IR_VERSION = 13
INPUT_NAME = "image"
OUTPUT_NAME = "depth"


def v2_small_config() -> DepthAnythingConfig:
    """Depth-Anything-V2-Small-hf's architecture: ViT-S/14 taps layers 3/6/9/12 (V1-Small took 9-12)."""
    backbone = Dinov2Config(
        image_size=518,
        patch_size=14,
        hidden_size=384,
        num_hidden_layers=12,
        num_attention_heads=6,
        mlp_ratio=4,
        out_indices=[3, 6, 9, 12],
        reshape_hidden_states=False,
    )
    return DepthAnythingConfig(
        backbone_config=backbone,
        patch_size=14,
        reassemble_hidden_size=384,
        reassemble_factors=[4, 2, 1, 0.5],
        neck_hidden_sizes=[48, 96, 192, 384],
        fusion_hidden_size=64,
        head_hidden_size=32,
        depth_estimation_type="relative",
    )


class DepthOnly(torch.nn.Module):
    """Expose only the depth tensor, so the ONNX graph has the seed's single `depth` output."""

    def __init__(self, model: DepthAnythingForDepthEstimation) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model(pixel_values=image).predicted_depth


def build_model(seed: int) -> DepthOnly:
    """Random weights from a fixed seed: the same file every run, and nothing is downloaded."""
    torch.manual_seed(seed)
    config = v2_small_config()
    config._attn_implementation = "eager"  # plain MatMul/Softmax attention, as in common exports
    return DepthOnly(DepthAnythingForDepthEstimation(config)).eval()


def export(model: DepthOnly, out: Path, batch: int, image_size: int, dynamic_batch: bool) -> None:
    """Export with the TorchScript exporter, then re-save as one file with an IR version ORT 1.31 accepts."""
    dummy = torch.randn(batch, 3, image_size, image_size)
    dynamic_axes = {INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}} if dynamic_batch else None
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        # The legacy exporter's deprecation notice and the tracer's shape-to-constant notes are expected:
        # the seed's graph has fixed shapes too.
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=torch.jit.TracerWarning)
        raw = Path(tmp) / "raw.onnx"
        with torch.no_grad():
            torch.onnx.export(
                model,
                (dummy,),
                str(raw),
                dynamo=False,
                opset_version=OPSET,
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes=dynamic_axes,
            )
        proto = onnx.load(str(raw))  # pulls in external data, should the exporter have written any
    proto.ir_version = min(proto.ir_version, MAX_IR_VERSION)
    onnx.save_model(proto, str(out), save_as_external_data=False)
    onnx.checker.check_model(str(out), full_check=True)


def verify(out: Path, batch: int, image_size: int) -> None:
    """Run one batch in onnxruntime on CPU: the file must load and give finite depth of the seed's shape."""
    proto = onnx.load(str(out), load_external_data=False)
    print(f"ir_version={proto.ir_version} opset={proto.opset_import[0].version}")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    image = np.random.default_rng(0).standard_normal((batch, 3, image_size, image_size), dtype=np.float32)
    start = time.perf_counter()
    (depth,) = session.run([OUTPUT_NAME], {INPUT_NAME: image})
    seconds = time.perf_counter() - start
    finite = bool(np.isfinite(depth).all())
    print(f"ort output {OUTPUT_NAME}{list(depth.shape)} finite={finite} one batch {seconds:.2f}s")
    if depth.shape != (batch, image_size, image_size) or not finite:
        raise SystemExit("verification failed: wrong output shape or non-finite depth")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the .onnx file")
    parser.add_argument("--batch", type=int, default=8, help="fixed batch size (the seed's is 8)")
    parser.add_argument("--image-size", type=int, default=448, help="square input side, a multiple of 14")
    parser.add_argument("--seed", type=int, default=0, help="torch seed for the random weights")
    parser.add_argument("--dynamic-batch", action="store_true", help="make the batch axis symbolic")
    parser.add_argument("--verify", action="store_true", help="run one batch in onnxruntime CPU afterwards")
    args = parser.parse_args()
    if args.image_size % 14:
        parser.error("--image-size must be a multiple of the patch size, 14")
    return args


def main() -> None:
    args = parse_args()
    model = build_model(args.seed)
    params = sum(p.numel() for p in model.parameters())
    start = time.perf_counter()
    export(model, args.out, args.batch, args.image_size, args.dynamic_batch)
    seconds = time.perf_counter() - start
    size_mb = args.out.stat().st_size / 1e6
    print(f"params={params:,} size={size_mb:.1f} MB export={seconds:.1f}s -> {args.out}")
    if args.verify:
        verify(args.out, args.batch, args.image_size)


if __name__ == "__main__":
    main()
