"""The interface: one float32 image input [N, C, S, S], one float32 depth output [N, S, S] or [N, 1, S, S]."""

from collections.abc import Callable
from pathlib import Path

import pytest
from onnx import ModelProto, TensorProto, helper

from goat.checks import ModelRejected, inspect_model
from goat.tasks.base import InputSpec, ModelInterface
from tests.checks.builders import INTERFACE, SIZE, depth, depth_model, image, tensor

Saved = Callable[[ModelProto], Path]
EXPECTED_INPUT = "expected [N, 3, 32, 32] (N fixed or symbolic; height and width 32 or symbolic)"
EXPECTED_OUTPUT = "expected [{0}, 32, 32] float32 or [{0}, 1, 32, 32] float32"


def sequence_input() -> helper.ValueInfoProto:
    return helper.make_tensor_sequence_value_info("image", TensorProto.FLOAT, [1, 3, SIZE, SIZE])


def untyped_output() -> helper.ValueInfoProto:
    return helper.make_empty_tensor_value_info("depth")


@pytest.mark.parametrize(
    ("model", "message"),
    [
        pytest.param(
            depth_model(inputs=[image(), tensor("b", [1])]),
            "the model has 2 inputs (image, b); expected exactly one",
            id="two-inputs",
        ),
        pytest.param(
            depth_model(outputs=[depth(), tensor("extra", [1])]),
            "the model has 2 outputs (depth, extra); expected exactly one",
            id="two-outputs",
        ),
        pytest.param(depth_model(inputs=[]), "the model has no inputs; expected exactly one", id="no-input"),
        pytest.param(
            depth_model(outputs=[]), "the model has no outputs; expected exactly one", id="no-output"
        ),
        pytest.param(
            depth_model(inputs=[tensor("image", ["N", 3, SIZE, SIZE], TensorProto.INT64)]),
            "input 'image' has element type int64; expected float32",
            id="int64-input",
        ),
        pytest.param(
            depth_model(inputs=[sequence_input()]),
            "input 'image' is a sequence; expected a float32 tensor",
            id="sequence-input",
        ),
        pytest.param(
            depth_model(outputs=[untyped_output()]),
            "output 'depth' is of undeclared type; expected a float32 tensor",
            id="untyped-output",
        ),
        pytest.param(
            depth_model(inputs=[tensor("image", [1, 3, 16, 16])]),
            f"input 'image' has shape [1, 3, 16, 16]; {EXPECTED_INPUT}",
            id="smaller-image",
        ),
        pytest.param(
            depth_model(inputs=[tensor("image", ["batch", 1, SIZE, SIZE])]),
            f"input 'image' has shape [batch, 1, 32, 32]; {EXPECTED_INPUT}",
            id="grey-image",
        ),
        pytest.param(
            depth_model(inputs=[tensor("image", ["N", 3, "height", 16])]),
            f"input 'image' has shape [N, 3, height, 16]; {EXPECTED_INPUT}",
            id="symbolic-height-other-width",
        ),
        pytest.param(
            depth_model(inputs=[tensor("image", [0, 3, SIZE, SIZE])]),
            f"input 'image' has shape [0, 3, 32, 32]; {EXPECTED_INPUT}",
            id="zero-batch",
        ),
        pytest.param(
            depth_model(inputs=[tensor("image", [SIZE, SIZE, 3])]),
            f"input 'image' has shape [32, 32, 3]; {EXPECTED_INPUT}",
            id="rank-3-image",
        ),
        pytest.param(
            depth_model(inputs=[tensor("image", None)]),
            f"input 'image' has no declared shape; {EXPECTED_INPUT}",
            id="no-input-shape",
        ),
        pytest.param(
            depth_model(batch=8, outputs=[tensor("depth", [8, 3, SIZE, SIZE])]),
            f"output 'depth' has shape [8, 3, 32, 32] (float32); {EXPECTED_OUTPUT.format('8')}",
            id="three-channel-output",
        ),
        pytest.param(
            depth_model(batch=8, outputs=[tensor("depth", [4, SIZE, SIZE])]),
            f"output 'depth' has shape [4, 32, 32] (float32); {EXPECTED_OUTPUT.format('8')}",
            id="other-output-batch",
        ),
        pytest.param(
            depth_model(batch="N", outputs=[tensor("depth", [1, SIZE, SIZE])]),
            f"output 'depth' has shape [1, 32, 32] (float32); {EXPECTED_OUTPUT.format('N')}",
            id="fixed-output-batch-for-symbolic-input",
        ),
        pytest.param(
            depth_model(outputs=[tensor("depth", ["N", 16, 16])]),
            f"output 'depth' has shape [N, 16, 16] (float32); {EXPECTED_OUTPUT.format('N')}",
            id="smaller-depth-map",
        ),
        pytest.param(
            depth_model(outputs=[tensor("depth", ["N", SIZE * SIZE])]),
            f"output 'depth' has shape [N, 1024] (float32); {EXPECTED_OUTPUT.format('N')}",
            id="flat-output",
        ),
        pytest.param(
            depth_model(outputs=[tensor("depth", ["N", SIZE, SIZE], TensorProto.FLOAT16)]),
            "output 'depth' has element type float16; expected float32",
            id="float16-output",
        ),
        pytest.param(
            depth_model(outputs=[tensor("depth", None)]),
            f"output 'depth' has no declared shape (float32); {EXPECTED_OUTPUT.format('N')}",
            id="no-output-shape",
        ),
    ],
)
def test_rejects_the_wrong_interface(saved: Saved, model: ModelProto, message: str) -> None:
    with pytest.raises(ModelRejected) as raised:
        inspect_model(saved(model), interface=INTERFACE)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("output", "channel_axis"),
    [
        pytest.param(tensor("depth", ["N", "height", "width"]), False, id="symbolic-size"),
        pytest.param(tensor("depth", [None, None, None]), False, id="unknown-dims"),
        pytest.param(tensor("depth", ["batch_out", SIZE, SIZE]), False, id="other-batch-name"),
        pytest.param(tensor("depth", ["N", "c", SIZE, SIZE]), True, id="symbolic-channel"),
    ],
)
def test_accepts_output_dimensions_it_cannot_resolve(
    saved: Saved, output: helper.ValueInfoProto, channel_axis: bool
) -> None:
    model = depth_model(channel_axis=channel_axis, outputs=[output])
    info = inspect_model(saved(model), interface=INTERFACE)
    assert (info.output_name, info.batch_size) == ("depth", None)


@pytest.mark.parametrize(
    "dims",
    [
        pytest.param(["N", 3, "height", "width"], id="named"),
        pytest.param(["N", 3, None, None], id="unnamed"),
        pytest.param([1, 3, "height", SIZE], id="height-only"),
    ],
)
def test_accepts_symbolic_height_and_width(saved: Saved, dims: list) -> None:
    """Exports with dynamic axes: the model is fed at the task's image size."""
    model = depth_model(inputs=[tensor("image", dims)], outputs=[tensor("depth", [dims[0], "h", "w"])])
    assert inspect_model(saved(model), interface=INTERFACE).input_name == "image"


def test_the_channel_count_comes_from_the_task(saved: Saved) -> None:
    model = depth_model(inputs=[tensor("image", ["N", 1, SIZE, SIZE])])
    grey = InputSpec(channels=1, image_size=SIZE, mean=(0.5,), std=(0.5,))
    one_channel = ModelInterface(input=grey, outputs=INTERFACE.outputs)
    assert inspect_model(saved(model), interface=one_channel).input_name == "image"
    with pytest.raises(ModelRejected, match=r"expected \[N, 3, 32, 32\]"):
        inspect_model(saved(model), interface=INTERFACE)
