"""Real ONNX segmentation models, built with onnx.helper: a 1x1 convolution scores each class per pixel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from tests.support.models import OPSET, save_model


def class_weights(classes: int) -> np.ndarray:
    """(classes, 3, 1, 1): class c likes channel c mod 3, with a bias that makes every class win somewhere."""
    weights = np.zeros((classes, 3, 1, 1), dtype=np.float32)
    for c in range(classes):
        weights[c, c % 3, 0, 0] = 1.0 + 0.25 * c
    return weights


def segmentation_model(path: Path, *, image_size: int, classes: int = 5, ids: bool = False) -> Path:
    """[N, 3, S, S] -> logits [N, classes, S, S] float32, or with `ids` their argmax [N, S, S] int64."""
    nodes = [helper.make_node("Conv", ["image", "weights"], ["logits" if not ids else "scores"])]
    if ids:
        nodes.append(helper.make_node("ArgMax", ["scores"], ["logits"], axis=1, keepdims=0))
    output = (
        helper.make_tensor_value_info("logits", TensorProto.INT64, ["N", image_size, image_size])
        if ids
        else helper.make_tensor_value_info(
            "logits", TensorProto.FLOAT, ["N", classes, image_size, image_size]
        )
    )
    graph = helper.make_graph(
        nodes,
        "segmentation",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, image_size, image_size])],
        [output],
        [numpy_helper.from_array(class_weights(classes), "weights")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return save_model(model, path)
