"""inspect_model, in-process: what it accepts, and each rejection with the message the participant reads."""

import random
from collections.abc import Callable
from pathlib import Path

import onnxruntime
import pytest
from onnx import ModelProto, TensorProto, helper

from goat.checks import ModelInfo, ModelRejected, inspect_model
from goat.checks.opsets import runtime_support
from tests.checks.builders import INTERFACE, IR_VERSION, OPSET, depth_model, image, make_external, save

Saved = Callable[[ModelProto], Path]


def rejection(path: Path) -> str:
    with pytest.raises(ModelRejected) as raised:
        inspect_model(path, interface=INTERFACE)
    assert str(raised.value) == raised.value.message
    return raised.value.message


def accepted(path: Path) -> ModelInfo:
    return inspect_model(path, interface=INTERFACE)


@pytest.mark.parametrize(
    ("batch", "channel_axis", "batch_size"),
    [(8, False, 8), ("batch", False, None), (None, False, None), ("N", True, None), (1, True, 1)],
)
def test_accepts_depth_models(
    saved: Saved, batch: int | str | None, channel_axis: bool, batch_size: int | None
) -> None:
    info = accepted(saved(depth_model(batch=batch, channel_axis=channel_axis)))
    assert info == ModelInfo(
        input_name="image",
        output_name="depth",
        batch_size=batch_size,
        opsets={"": OPSET},
        ir_version=IR_VERSION,
    )


def test_accepts_calls_to_functions_the_model_defines(saved: Saved) -> None:
    body = [helper.make_node("Relu", ["x"], ["y"])]
    function = helper.make_function(
        "my.functions", "Clip0", ["x"], ["y"], body, [helper.make_opsetid("", OPSET)]
    )
    model = depth_model(
        first_node=helper.make_node("Clip0", ["image"], ["source"], domain="my.functions"),
        functions=[function],
        opsets={"": OPSET, "my.functions": 1},
    )
    assert accepted(saved(model)).opsets == {"": OPSET, "my.functions": 1}


def test_accepts_onnx_runtime_contrib_operators(saved: Saved) -> None:
    model = depth_model(
        first_node=helper.make_node("Gelu", ["image"], ["source"], domain="com.microsoft"),
        opsets={"": OPSET, "com.microsoft": 1},
    )
    assert accepted(saved(model)).opsets == {"": OPSET, "com.microsoft": 1}


def test_rejects_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.onnx"
    path.touch()
    assert rejection(path) == "the file is empty"


def test_rejects_what_is_not_a_regular_file(tmp_path: Path) -> None:
    assert rejection(tmp_path) == "the upload is not a regular file"


def valid_bytes() -> bytes:
    return depth_model().SerializeToString()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"hello, this is not a model\n", id="text"),
        pytest.param(random.Random(7).randbytes(4096), id="random-bytes"),
        pytest.param(valid_bytes()[: len(valid_bytes()) // 2], id="truncated-model"),
    ],
)
def test_rejects_bytes_that_do_not_parse(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(content)
    message = rejection(path)
    assert message.startswith("the file is not a valid ONNX model: Error parsing message")


def test_rejects_a_model_without_a_graph(saved: Saved) -> None:
    model = depth_model()
    model.ClearField("graph")
    assert rejection(saved(model)) == "the file is not a valid ONNX model: it has no graph"


def test_rejects_a_graph_without_nodes(saved: Saved) -> None:
    model = depth_model()
    del model.graph.node[:]
    assert rejection(saved(model)) == "the file is not a valid ONNX model: its graph has no nodes"


def axes_initializer(model: ModelProto) -> ModelProto:
    make_external(model.graph.initializer[0])
    return model


def constant(name: str) -> helper.NodeProto:
    node = helper.make_node(
        "Constant", [], [name], value=helper.make_tensor(name, TensorProto.INT64, [1], [1])
    )
    make_external(node.attribute[0].t)
    return node


def in_if_branch(model: ModelProto) -> ModelProto:
    branch = helper.make_graph(
        [constant("axes")], "branch", [], [helper.make_tensor_value_info("axes", 7, [1])]
    )
    model.graph.node.append(
        helper.make_node("If", ["flag"], ["chosen"], then_branch=branch, else_branch=branch)
    )
    return model


def in_function(model: ModelProto) -> ModelProto:
    model.functions.append(helper.make_function("local", "Axes", [], ["axes"], [constant("axes")], []))
    return model


def in_sparse_initializer(model: ModelProto) -> ModelProto:
    values = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    make_external(values)
    indices = helper.make_tensor("axes_indices", TensorProto.INT64, [1], [0])
    model.graph.sparse_initializer.append(helper.make_sparse_tensor(values, indices, [1]))
    return model


@pytest.mark.parametrize("plant", [axes_initializer, in_if_branch, in_function, in_sparse_initializer])
def test_rejects_external_data_anywhere_without_reading_it(
    saved: Saved, plant: Callable[[ModelProto], ModelProto]
) -> None:
    assert rejection(saved(plant(depth_model()))) == (
        "tensor 'axes' is stored as external data (location '../../etc/passwd'); "
        "export the model as a single file"
    )


def custom_node() -> helper.NodeProto:
    return helper.make_node("Foo", ["image"], ["source"], domain="evil.custom")


def in_loop_body() -> ModelProto:
    body = helper.make_graph(
        [custom_node(), helper.make_node("Identity", ["cond"], ["cond_out"])],
        "body",
        [tensor_info("i", TensorProto.INT64), tensor_info("cond", TensorProto.BOOL)],
        [tensor_info("cond_out", TensorProto.BOOL)],
    )
    loop = helper.make_node("Loop", ["", ""], [], body=body)
    return depth_model(extra_nodes=[loop])


def tensor_info(name: str, elem_type: int) -> helper.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem_type, [])


def in_function_body() -> ModelProto:
    function = helper.make_function("local", "Wrap", ["image"], ["source"], [custom_node()], [])
    return depth_model(
        first_node=helper.make_node("Wrap", ["image"], ["source"], domain="local"), functions=[function]
    )


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(depth_model(first_node=custom_node()), id="main-graph"),
        pytest.param(in_loop_body(), id="loop-body"),
        pytest.param(in_function_body(), id="function-body"),
    ],
)
def test_rejects_operators_from_other_domains(saved: Saved, model: ModelProto) -> None:
    assert rejection(saved(model)) == (
        "operator 'Foo' from domain 'evil.custom' is not supported; "
        "only the standard ONNX domains ('ai.onnx', 'ai.onnx.ml') and ONNX Runtime's 'com.microsoft' are"
    )


def test_rejects_what_the_onnx_checker_refuses(saved: Saved) -> None:
    model = depth_model(extra_nodes=[helper.make_node("Relu", ["nowhere"], ["unused"])])
    message = rejection(saved(model))
    assert message.startswith("the model fails the ONNX checker: ")
    assert "'nowhere'" in message
    assert "\n" not in message


def test_names_from_the_model_are_shortened_and_escaped(saved: Saved) -> None:
    model = depth_model(first_node=helper.make_node("Foo\n" + "x" * 200, ["image"], ["source"], domain="bad"))
    message = rejection(saved(model))
    assert message.startswith("operator 'Foo\\n" + "x" * 114 + "…' from domain 'bad' is not supported")


def runtime_line(highest: int) -> str:
    return f"this server's ONNX Runtime ({onnxruntime.__version__}) supports up to {highest}"


def test_rejects_an_ir_version_newer_than_onnx_runtime_loads(saved: Saved) -> None:
    newest = runtime_support().ir_version
    message = rejection(saved(depth_model(ir_version=newest + 1)))
    assert message.startswith(f"the model uses ONNX IR version {newest + 1}; {runtime_line(newest)}. ")
    assert f"`model.ir_version = {newest}`" in message, "says how to re-export"


@pytest.mark.parametrize(
    ("domain", "shown", "over"),
    [
        ("", "ai.onnx", 1),
        ("ai.onnx", "ai.onnx", 1),
        ("", "ai.onnx", 10),
        ("com.microsoft", "com.microsoft", 1),
    ],
)
def test_rejects_an_opset_newer_than_onnx_runtime_loads(
    saved: Saved, domain: str, shown: str, over: int
) -> None:
    """Even where the ONNX checker would object too (opset beyond ONNX's own), the opset is what is named."""
    newest = runtime_support().opsets[domain.removeprefix("ai.onnx")]
    model = depth_model(opsets={"": OPSET} | {domain: newest + over})
    message = rejection(saved(model))
    assert message.startswith(
        f"the model uses opset {newest + over} of domain '{shown}'; {runtime_line(newest)}"
    )
    assert f"Re-export it at opset {newest} or lower" in message
    assert (f"opset_version={newest}" in message) is (shown == "ai.onnx"), "the exporter's setting, by domain"


def test_rejects_an_opset_too_new_inside_a_function(saved: Saved) -> None:
    newest = runtime_support().opsets[""]
    body = [helper.make_node("Relu", ["x"], ["y"])]
    function = helper.make_function("local", "F", ["x"], ["y"], body, [helper.make_opsetid("", newest + 1)])
    model = depth_model(
        first_node=helper.make_node("F", ["image"], ["source"], domain="local"),
        functions=[function],
        opsets={"": OPSET, "local": 1},
    )
    message = rejection(saved(model))
    assert message.startswith(
        f"the model uses opset {newest + 1} of domain 'ai.onnx'; {runtime_line(newest)}"
    )


def test_the_runtime_limits_are_those_onnx_runtime_applies(tmp_path: Path) -> None:
    """A model at the newest opset loads in an InferenceSession and passes; one opset further fails both."""
    newest = runtime_support()
    at_limit = depth_model(opsets={"": newest.opsets[""]}, ir_version=newest.ir_version)
    onnxruntime.InferenceSession(at_limit.SerializeToString(), providers=["CPUExecutionProvider"])
    assert accepted(save(at_limit, tmp_path / "at-limit.onnx")).opsets == {"": newest.opsets[""]}
    beyond = depth_model(opsets={"": newest.opsets[""] + 1}, ir_version=newest.ir_version)
    with pytest.raises(Exception, match="opset"):
        onnxruntime.InferenceSession(beyond.SerializeToString(), providers=["CPUExecutionProvider"])


def test_the_single_input_may_follow_initializers_listed_as_inputs(saved: Saved) -> None:
    axes = helper.make_tensor_value_info("axes", TensorProto.INT64, [1])
    assert accepted(saved(depth_model(inputs=[image(), axes]))).input_name == "image"
