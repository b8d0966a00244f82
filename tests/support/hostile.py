"""Hostile and broken models, each with the task's interface so that it passes the door checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from tests.support.models import mean_model, save_model


def _save(
    path: Path, nodes: list, initializers: list, *, image_size: int, output_dims: list, batch: int | str = "N"
) -> Path:
    """The mean over RGB ("mean"), then `nodes`, which compute "depth"."""
    model = mean_model(
        image_size=image_size, batch=batch, then=nodes, initializers=initializers, output_dims=output_dims
    )
    return save_model(model, path)


def looping_model(path: Path, *, image_size: int, iterations: int, batch: int | str = "N") -> Path:
    """A Loop of `iterations` 64x64 matrix products before each answer (whatever the batch's size): from
    seconds to forever."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("MatMul", ["state_in", "weight"], ["product"]),
            helper.make_node("Tanh", ["product"], ["state_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("state_in", TensorProto.FLOAT, [64, 64]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("state_out", TensorProto.FLOAT, [64, 64]),
        ],
        [numpy_helper.from_array(np.eye(64, dtype=np.float32) * 0.5, "weight")],
    )
    nodes = [
        helper.make_node("Loop", ["trips", "keep_going", "state"], ["final"], body=body),
        helper.make_node("ReduceSum", ["final"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Sigmoid", ["mean"], ["sig"]),
        helper.make_node("Add", ["sig", "nothing"], ["depth"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array(iterations, dtype=np.int64), "trips"),
        numpy_helper.from_array(np.array(True), "keep_going"),
        numpy_helper.from_array(np.ones((64, 64), dtype=np.float32), "state"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
    ]
    return _save(
        path,
        nodes,
        initializers,
        image_size=image_size,
        batch=batch,
        output_dims=[batch, image_size, image_size],
    )


def nan_model(path: Path, *, image_size: int) -> Path:
    """(x - x) / (x - x): NaN everywhere."""
    nodes = [
        helper.make_node("Sub", ["mean", "mean"], ["zero"]),
        helper.make_node("Div", ["zero", "zero"], ["depth"]),
    ]
    return _save(path, nodes, [], image_size=image_size, output_dims=["N", image_size, image_size])


def shrinking_model(path: Path, *, image_size: int) -> Path:
    """Declares a symbolic output, then returns one row too few: wrong only at run time."""
    nodes = [
        helper.make_node("Slice", ["mean", "starts", "ends", "axes"], ["depth"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array([0], dtype=np.int64), "starts"),
        numpy_helper.from_array(np.array([image_size - 1], dtype=np.int64), "ends"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axes"),
    ]
    return _save(path, nodes, initializers, image_size=image_size, output_dims=["N", "H", "W"])


def huge_allocation_model(path: Path, *, image_size: int, elements: int = 10**12) -> Path:
    """A few hundred bytes asking for `elements` floats (4 TB by default) through ConstantOfShape."""
    nodes = [
        helper.make_node(
            "ConstantOfShape",
            ["shape"],
            ["huge"],
            value=numpy_helper.from_array(np.array([1.0], dtype=np.float32)),
        ),
        helper.make_node("ReduceSum", ["huge"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["mean", "nothing"], ["depth"]),
    ]
    initializers = [
        numpy_helper.from_array(np.array([elements], dtype=np.int64), "shape"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
    ]
    return _save(path, nodes, initializers, image_size=image_size, output_dims=["N", image_size, image_size])
