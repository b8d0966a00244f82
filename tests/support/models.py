"""Real ONNX depth models, built with onnx.helper, small enough to run in milliseconds.

Every test and benchmark model that reads an image is built by `mean_model`: the image's mean over its
colour channels, then whatever the caller adds (hostile loops, a sigmoid, a large constant, ...).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

import onnx
from onnx import TensorProto, helper

OPSET = 17
IR_VERSION = 8
Dims = Sequence[int | str]


def mean_model(
    *,
    image_size: int,
    batch: int | str = "N",
    channel_axis: bool = False,
    then: Sequence[onnx.NodeProto] = (),
    initializers: Sequence[onnx.TensorProto] = (),
    input_dims: Dims | None = None,
    output_dims: Dims | None = None,
    elem_type: int = TensorProto.FLOAT,
) -> onnx.ModelProto:
    """ "image" -> ReduceMean over axis 1 -> "depth"; with nodes in `then`, the mean is called "mean" and
    those nodes (reading it and any of `initializers`) compute "depth" from it.

    The interface is task2's for `image_size` unless `input_dims` / `output_dims` / `elem_type` say otherwise.
    """
    size = image_size
    mean = helper.make_node(
        "ReduceMean", ["image"], ["mean" if then else "depth"], axes=[1], keepdims=int(channel_axis)
    )
    default_output = [batch, 1, size, size] if channel_axis else [batch, size, size]
    graph = helper.make_graph(
        [mean, *then],
        "depth",
        [helper.make_tensor_value_info("image", elem_type, list(input_dims or [batch, 3, size, size]))],
        [helper.make_tensor_value_info("depth", elem_type, list(output_dims or default_output))],
        list(initializers),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return model


def save_model(model: onnx.ModelProto, path: Path, *, check: bool = True) -> Path:
    """Write `model` to `path`, first through the full ONNX checker unless `check` is False.

    Each file saved is unique (a random doc_string): a team's second upload of the same bytes would be a
    duplicate, answered without an evaluation; tests that mean to upload the same bytes reuse one file."""
    model.doc_string = f"goat test model {uuid.uuid4().hex}"
    if check:
        onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    return path


def plain_model(path: Path, *, image_size: int) -> Path:
    """Disparity = mean over RGB, batch symbolic: valid for any server, fast on any device."""
    return save_model(mean_model(image_size=image_size), path)


def depth_model(path: Path, *, image_size: int, batch: int | str = "N", channel_axis: bool = False) -> Path:
    """Disparity = sigmoid(mean over RGB) + 0.1: positive, image-dependent, alike for every batch layout."""
    model = mean_model(
        image_size=image_size,
        batch=batch,
        channel_axis=channel_axis,
        then=[
            helper.make_node("Sigmoid", ["mean"], ["sig"]),
            helper.make_node("Add", ["sig", "offset"], ["depth"]),
        ],
        initializers=[helper.make_tensor("offset", TensorProto.FLOAT, [], [0.1])],
    )
    return save_model(model, path)
