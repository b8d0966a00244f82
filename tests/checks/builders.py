"""Real ONNX models for the door checks, built with onnx.helper and a few kilobytes each."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from onnx import FunctionProto, ModelProto, NodeProto, TensorProto, ValueInfoProto, helper, numpy_helper

from goat.tasks.depth.task import TASK2

SIZE = 32
CHANNELS = 3
OPSET = 21
IR_VERSION = 10
Shape = Sequence[int | str | None]
INTERFACE = TASK2.with_image_size(SIZE).interface
"""task2's model interface at SIZE: what the door checks read a model against."""


def tensor(name: str, shape: Shape | None, elem_type: int = TensorProto.FLOAT) -> ValueInfoProto:
    return helper.make_tensor_value_info(name, elem_type, shape)


def image(batch: int | str | None = "N") -> ValueInfoProto:
    return tensor("image", [batch, CHANNELS, SIZE, SIZE])


def depth(batch: int | str | None = "N", *, channel_axis: bool = False) -> ValueInfoProto:
    return tensor("depth", [batch, 1, SIZE, SIZE] if channel_axis else [batch, SIZE, SIZE])


def depth_model(
    *,
    batch: int | str | None = "N",
    channel_axis: bool = False,
    inputs: Sequence[ValueInfoProto] | None = None,
    outputs: Sequence[ValueInfoProto] | None = None,
    extra_nodes: Sequence[NodeProto] = (),
    first_node: NodeProto | None = None,
    functions: Sequence[FunctionProto] = (),
    opsets: dict[str, int] | None = None,
    ir_version: int = IR_VERSION,
) -> ModelProto:
    """Depth = mean over the colour channels of image; any part can be swapped to break one rule.

    first_node, when given, computes "source" from "image" in place of a plain copy, to put a node in front.
    """
    graph = helper.make_graph(
        [
            first_node or helper.make_node("Identity", ["image"], ["source"]),
            helper.make_node("ReduceMean", ["source", "axes"], ["depth"], keepdims=int(channel_axis)),
            *extra_nodes,
        ],
        "depth",
        list(inputs) if inputs is not None else [image(batch)],
        list(outputs) if outputs is not None else [depth(batch, channel_axis=channel_axis)],
        [numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")],
    )
    model = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid(domain, version) for domain, version in (opsets or {"": OPSET}).items()
        ],
        functions=list(functions),
    )
    model.ir_version = ir_version
    return model


def function_bomb(depth_levels: int) -> ModelProto:
    """F_i calls F_(i-1) twice: a few hundred bytes that expand to 2**depth_levels nodes in the checker."""
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("local", 1)]
    functions = [
        helper.make_function("local", "F0", ["x"], ["y"], [helper.make_node("Relu", ["x"], ["y"])], opsets)
    ]
    for level in range(1, depth_levels):
        calls = [
            helper.make_node(f"F{level - 1}", ["x"], ["t"], domain="local"),
            helper.make_node(f"F{level - 1}", ["t"], ["y"], domain="local"),
        ]
        functions.append(helper.make_function("local", f"F{level}", ["x"], ["y"], calls, opsets))
    return depth_model(
        first_node=helper.make_node(f"F{depth_levels - 1}", ["image"], ["source"], domain="local"),
        functions=functions,
        opsets={"": OPSET, "local": 1},
    )


def make_external(tensor: TensorProto) -> None:
    """What an exporter writes for external data, with a location that climbs out of the upload directory."""
    tensor.ClearField("raw_data")
    tensor.ClearField("int64_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "../../etc/passwd"), ("offset", "0"), ("length", "8")):
        tensor.external_data.add(key=key, value=value)


def save(model: ModelProto, path: Path) -> Path:
    """Write the bytes as they are: onnx.save would act on external-data fields the tests plant."""
    path.write_bytes(model.SerializeToString())
    return path
