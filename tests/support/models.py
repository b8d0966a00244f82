"""Real ONNX depth models, built with onnx.helper, small enough to run in milliseconds."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper

OPSET = 17


def depth_model(path: Path, *, image_size: int, batch: int | str = "N", channel_axis: bool = False) -> Path:
    """Disparity = sigmoid(mean over RGB) + 0.1: positive, image-dependent, alike for every batch layout."""
    size = image_size
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["image"], ["mean"], axes=[1], keepdims=1 if channel_axis else 0),
            helper.make_node("Sigmoid", ["mean"], ["sig"]),
            helper.make_node("Add", ["sig", "offset"], ["depth"]),
        ],
        "depth",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, size, size])],
        [
            helper.make_tensor_value_info(
                "depth", TensorProto.FLOAT, [batch, 1, size, size] if channel_axis else [batch, size, size]
            )
        ],
        [helper.make_tensor("offset", TensorProto.FLOAT, [], [0.1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return path
