"""The door's bounds on names, metadata, opset imports and nodes: each refusal names its bound, and what
is kept of an accepted model (its description, model_info) stays under 4 KB."""

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from onnx import ModelProto, helper

from goat.checks import ModelRejected, inspect_model
from goat.checks.bounds import METADATA_MAX_BYTES, MODEL_INFO_MAX_BYTES, NAME_MAX_CHARS, NODES_MAX
from tests.checks.builders import INTERFACE, OPSET, depth_model, tensor

Saved = Callable[[ModelProto], Path]


def renamed_input(name: str) -> ModelProto:
    return depth_model(
        inputs=[tensor(name, ["N", 3, 32, 32])], first_node=helper.make_node("Identity", [name], ["source"])
    )


def with_opsets(count: int, *, domain_chars: int = 8, input_name: str = "image") -> ModelProto:
    model = renamed_input(input_name)
    model.opset_import.extend(
        helper.make_opsetid(f"{index}".rjust(domain_chars, "d"), 1) for index in range(count - 1)
    )
    return model


def with_doc_string(size: int) -> ModelProto:
    model = depth_model()
    model.doc_string = "x" * size
    return model


def with_nodes(count: int) -> ModelProto:
    """depth_model's two nodes, and a chain of Identity nodes beside them."""
    chain = [
        helper.make_node("Identity", ["image" if i == 0 else f"v{i}"], [f"v{i + 1}"])
        for i in range(count - 2)
    ]
    return depth_model(extra_nodes=chain)


REFUSED = {
    "input name": (
        lambda: renamed_input("i" * (NAME_MAX_CHARS + 1)),
        f"an input's name is {NAME_MAX_CHARS + 1} characters long; names may have at most {NAME_MAX_CHARS}",
    ),
    "node name": (
        lambda: depth_model(extra_nodes=[helper.make_node("Relu", ["depth"], ["r"], name="n" * 1000)]),
        f"a node's name is 1000 characters long; names may have at most {NAME_MAX_CHARS}",
    ),
    "opset imports": (lambda: with_opsets(17), "the model imports 17 opsets; at most 16 are allowed"),
    "metadata": (
        lambda: with_doc_string(METADATA_MAX_BYTES + 1),
        f"is {METADATA_MAX_BYTES + 1} bytes; at most {METADATA_MAX_BYTES} are allowed",
    ),
    "described in more than 4 KB": (
        # The longest names allowed, and as many opsets: over 4 KB together.
        lambda: with_opsets(16, domain_chars=NAME_MAX_CHARS, input_name="i" * NAME_MAX_CHARS),
        f"bytes to describe; at most {MODEL_INFO_MAX_BYTES}",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_each_bound_is_named(saved: Saved, case: str) -> None:
    build, message = REFUSED[case]
    with pytest.raises(ModelRejected) as refused:
        inspect_model(saved(build()), interface=INTERFACE)
    assert message in refused.value.message


def test_the_node_bound(saved: Saved) -> None:
    with pytest.raises(ModelRejected, match=f"has {NODES_MAX + 1} nodes .*; at most {NODES_MAX}"):
        inspect_model(saved(with_nodes(NODES_MAX + 1)), interface=INTERFACE)


def test_a_model_at_the_bounds_is_accepted_and_described_in_4_kb(saved: Saved) -> None:
    longest = "i" * NAME_MAX_CHARS
    model = with_opsets(16, input_name=longest)
    info = inspect_model(saved(model), interface=INTERFACE)
    assert info.input_name == longest and len(info.opsets) == 16 and info.opsets[""] == OPSET
    assert len(json.dumps(dataclasses.asdict(info))) <= MODEL_INFO_MAX_BYTES
