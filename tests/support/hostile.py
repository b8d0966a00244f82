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


def _pixel_number(scale: float, name: str) -> list:
    """Nodes computing `name`: int64 [2], the first two pixels of the channel mean times `scale`, as
    values read from the hidden images (the kind of number an error text must never show)."""
    return [
        helper.make_node("Reshape", ["mean", "flat_shape"], ["flat"]),
        helper.make_node("Slice", ["flat", "first", "second"], ["two"]),
        helper.make_node("Abs", ["two"], ["positive"]),
        helper.make_node("Mul", ["positive", "scale"], ["scaled"]),
        helper.make_node("Cast", ["scaled"], [name], to=TensorProto.INT64),
    ]


def _pixel_initializers(scale: float) -> list:
    return [
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat_shape"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "first"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "second"),
        numpy_helper.from_array(np.array(scale, dtype=np.float32), "scale"),
    ]


def reshape_leak_model(path: Path, *, image_size: int) -> Path:
    """Reshapes its input to two pixel values times 10^6: ONNX Runtime's error quotes the requested shape."""
    nodes = [
        *_pixel_number(1e6, "shape"),
        helper.make_node("Reshape", ["mean", "shape"], ["depth"], name="pixel_reshape"),
    ]
    return _save(
        path,
        nodes,
        _pixel_initializers(1e6),
        image_size=image_size,
        output_dims=["N", image_size, image_size],
    )


def gather_leak_model(path: Path, *, image_size: int) -> Path:
    """Gathers at indices made of pixel values times 10^6: ONNX Runtime's error quotes the index."""
    nodes = [
        *_pixel_number(1e6, "indices"),
        helper.make_node("Gather", ["mean", "indices"], ["picked"], axis=1, name="pixel_gather"),
        helper.make_node("ReduceSum", ["picked"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["mean", "nothing"], ["depth"]),
    ]
    initializers = [
        *_pixel_initializers(1e6),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
    ]
    return _save(path, nodes, initializers, image_size=image_size, output_dims=["N", image_size, image_size])


def shape_leak_model(path: Path, *, image_size: int) -> Path:
    """Returns [N, k, S], k taken from a pixel value (normalised pixels are within +-2.7, so k < S): the
    shape of the output the task refuses is data."""
    nodes = [
        *_pixel_number(float(image_size // 4), "ends"),
        helper.make_node("Slice", ["ends", "first", "one"], ["end"]),
        helper.make_node("Add", ["end", "one"], ["rows"]),
        helper.make_node("Slice", ["mean", "first", "rows", "axis_one"], ["depth"]),
    ]
    initializers = [
        *_pixel_initializers(float(image_size // 4)),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "one"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_one"),
    ]
    return _save(path, nodes, initializers, image_size=image_size, output_dims=["N", "H", image_size])


def bloated_model(path: Path, *, image_size: int, name_chars: int, domain_chars: int, opsets: int) -> Path:
    """A valid model whose input is named with `name_chars` characters and which imports `opsets` unused
    opsets, one of a domain of `domain_chars` characters: megabytes of text that would become its
    description (model_info), kept in its row and read on every status call."""
    model = mean_model(image_size=image_size)
    name = "i" * name_chars
    model.graph.input[0].name = name
    model.graph.node[0].input[0] = name
    model.opset_import.append(helper.make_opsetid("d" * domain_chars, 1))
    model.opset_import.extend(helper.make_opsetid(f"unused.{index}", 1) for index in range(opsets - 1))
    return save_model(model, path, check=False)
