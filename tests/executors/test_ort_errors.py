"""ONNX Runtime's own error texts, split: the participant's part names the node and the kind of error and
carries no digit of ORT's; the organiser's is ORT's text whole."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from goat.executors.ort_errors import split
from tests.support.hostile import gather_leak_model, reshape_leak_model

SIZE = 16


def run_error(model: Path) -> Exception:
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    images = np.random.default_rng(3).standard_normal((2, 3, SIZE, SIZE)).astype(np.float32)
    with pytest.raises(Exception) as raised:
        session.run(None, {"image": images})
    return raised.value


@pytest.mark.parametrize(
    ("build", "node", "kind"),
    [
        (reshape_leak_model, "node 'pixel_reshape' (Reshape)", "requested shape:{#,#}"),
        (gather_leak_model, "node 'pixel_gather' (Gather)", "idx=# must be within the inclusive range"),
    ],
    ids=["reshape", "gather"],
)
def test_a_run_failure_names_the_node_and_masks_the_values(
    tmp_path: Path, build, node: str, kind: str
) -> None:
    model = build(tmp_path / "leak.onnx", image_size=SIZE)
    error = run_error(model)
    told = split("running", error, model=model)
    assert str(told).startswith(f"running: {node}: ") and kind in str(told)
    assert not re.search(r"\d", str(told).removeprefix(f"running: {node}"))
    assert told.detail == f"running: {str(error).strip()}"
    assert re.search(r"\d{4,}", told.detail), "the organiser's text keeps the values"


def test_a_load_failure_hides_where_the_model_is_kept(tmp_path: Path) -> None:
    model = tmp_path / "uploads" / "not-a-model.onnx"
    model.parent.mkdir()
    model.write_bytes(b"\x08\x07not a protobuf")
    with pytest.raises(Exception) as raised:
        ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    told = split("loading", raised.value, model=model)
    assert str(model) in told.detail
    assert str(tmp_path) not in str(told) and "the model" in str(told)
    assert not re.search(r"\d", str(told))
