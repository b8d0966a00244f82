"""Small ONNX models with task2's interface, built with onnx.helper, for the benchmarks that need many or big.

- tiny: disparity = mean over RGB; costs nothing to run, so a benchmark of it measures goat's fixed costs.
- conv: a few 3x3 convolutions; a "small submission" that still does some arithmetic per image.
- padded: tiny plus one large float32 initializer (its sum, times 0, added to the output), to upload a
  valid model of hundreds of megabytes.
- not_a_model: bytes that cannot parse as ONNX, rejected right after they are streamed to disk.

    python -m benchmarks.models {tiny,conv,padded,not_a_model} OUT [--image-size 448] [--megabytes 400]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tests.support.models import IR_VERSION, OPSET, mean_model, plain_model, save_model

INPUT = "image"
OUTPUT = "depth"


def _save(path: Path, nodes: list[onnx.NodeProto], initializers: list[onnx.TensorProto], size: int) -> Path:
    graph = helper.make_graph(
        nodes,
        "goat_benchmark",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", 3, size, size])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", size, size])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return save_model(model, path, check=False)


@contextlib.contextmanager
def made_unique(path: Path) -> Iterator[Path]:
    """The model with a unique doc_string appended, for as long as the block runs, then as it was.

    Protobuf merges concatenated messages, so the bytes stay a valid model; different bytes are a new
    submission for goat, where a team's second upload of the same bytes would answer 200 as a duplicate
    and evaluate nothing. Appending costs nothing even for a file of hundreds of megabytes.
    """
    size = path.stat().st_size
    with path.open("ab") as tail:
        tail.write(onnx.ModelProto(doc_string=uuid.uuid4().hex).SerializeToString())
    try:
        yield path
    finally:
        os.truncate(path, size)


def tiny(path: Path, *, image_size: int) -> Path:
    return plain_model(path, image_size=image_size)


def conv(path: Path, *, image_size: int, width: int = 8, layers: int = 3, seed: int = 0) -> Path:
    """`layers` 3x3 convolutions of `width` channels with ReLU, then a 1x1 to one channel, squeezed."""
    rng = np.random.default_rng(seed)
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []
    previous, channels = INPUT, 3
    for index in range(layers):
        weight = rng.standard_normal((width, channels, 3, 3), dtype=np.float32) * 0.1
        initializers.append(numpy_helper.from_array(weight, f"w{index}"))
        nodes += [
            helper.make_node("Conv", [previous, f"w{index}"], [f"c{index}"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", [f"c{index}"], [f"r{index}"]),
        ]
        previous, channels = f"r{index}", width
    head = rng.standard_normal((1, channels, 1, 1), dtype=np.float32) * 0.1
    initializers += [
        numpy_helper.from_array(head, "head"),
        numpy_helper.from_array(np.array([1], np.int64), "ax"),
    ]
    nodes += [
        helper.make_node("Conv", [previous, "head"], ["one"]),
        helper.make_node("Squeeze", ["one", "ax"], [OUTPUT]),
    ]
    return _save(path, nodes, initializers, image_size)


def padded(path: Path, *, image_size: int, megabytes: float) -> Path:
    """tiny + 0 x sum(a float32 constant of `megabytes` MB): a valid model whose file is that large."""
    count = int(megabytes * 1e6) // 4
    ballast = numpy_helper.from_array(np.full(count, 0.5, dtype=np.float32), "ballast")
    zero = numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero")
    nodes = [
        helper.make_node("ReduceSum", ["ballast"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["mean", "nothing"], [OUTPUT]),
    ]
    model = mean_model(image_size=image_size, then=nodes, initializers=[ballast, zero])
    return save_model(model, path, check=False)


def not_a_model(path: Path, *, size_bytes: int) -> Path:
    """0xFF bytes: an invalid protobuf tag at the first byte, so the door checks reject it at once."""
    block = b"\xff" * (1 << 20)
    with path.open("wb") as handle:
        for start in range(0, size_bytes, len(block)):
            handle.write(block[: min(len(block), size_bytes - start)])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["tiny", "conv", "padded", "not_a_model"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--image-size", type=int, default=448)
    parser.add_argument("--megabytes", type=float, default=400.0, help="padded and not_a_model: file size")
    args = parser.parse_args()
    if args.kind == "tiny":
        tiny(args.out, image_size=args.image_size)
    elif args.kind == "conv":
        conv(args.out, image_size=args.image_size)
    elif args.kind == "padded":
        padded(args.out, image_size=args.image_size, megabytes=args.megabytes)
    else:
        not_a_model(args.out, size_bytes=int(args.megabytes * 1e6))
    print(f"{args.out}: {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
