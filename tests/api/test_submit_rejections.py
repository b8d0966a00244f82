"""Every refusal at the door: its status, a message naming the problem, and nothing left behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from goat.storage.submissions import SubmissionStore
from tests.checks import builders
from tests.support.models import OPSET, depth_model, mean_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem, without_workers

MAX_FILE_SIZE = 64 * 1024


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with without_workers(tmp_path_factory.mktemp("api"), MAX_FILE_SIZE=str(MAX_FILE_SIZE)) as running:
        yield running


def footprint(api: GoatSystem) -> tuple[set[str], set[str], int]:
    """Stored files (staging included), submission rows, queue length."""
    settings = api.settings
    files = {str(p.relative_to(settings.upload_dir)) for p in settings.upload_dir.rglob("*") if p.is_file()}
    rows = {row.id for row in SubmissionStore(settings.resolved_database_url).unfinished()}
    return files, rows, api.client.queue_status()["queue_length"]


@pytest.fixture
def nothing_left(api: GoatSystem) -> Iterator[None]:
    """A refused upload changes nothing: no file, no row, no job (its file goes once its fsync ends)."""
    before = footprint(api)
    yield
    wait_until(lambda: footprint(api) == before, timeout=10, what="files, rows and queue as before")


def post(api: GoatSystem, content: bytes, filename: str = "model.onnx") -> httpx.Response:
    return httpx.post(
        f"{api.url}/submit/task2", files={"file": (filename, content)}, headers=api.headers, timeout=30
    )


def single_op_model(*, input_shape: list, output_shape: list, dtype: int = TensorProto.FLOAT) -> bytes:
    """The mean over axis 1, with whatever interface the test declares."""
    model = mean_model(image_size=32, input_dims=input_shape, output_dims=output_shape, elem_type=dtype)
    return model.SerializeToString()


def hostile_door_cases() -> dict[str, tuple[bytes, int, str]]:
    """The door checks' hostile models (tests/checks builds them), this time over HTTP."""
    external = builders.depth_model()
    builders.make_external(external.graph.initializer[0])
    custom = builders.depth_model(
        first_node=helper.make_node("Foo", ["image"], ["source"], domain="evil.custom")
    )
    dangling = builders.depth_model(extra_nodes=[helper.make_node("Relu", ["nowhere"], ["unused"])])
    too_new = builders.depth_model(opsets={"": 99})
    valid = builders.depth_model().SerializeToString()
    return {
        "external data": (external.SerializeToString(), 422, "export the model as a single file"),
        "custom domain": (custom.SerializeToString(), 422, "domain 'evil.custom' is not supported"),
        "checker": (dangling.SerializeToString(), 422, "fails the ONNX checker"),
        "opset too new": (too_new.SerializeToString(), 422, "uses opset 99"),
        "truncated": (valid[: len(valid) // 2], 422, "not a valid ONNX model"),
    }


CASES = {
    **hostile_door_cases(),
    "not onnx": (b"this is a text file, not a model\n" * 10, 422, "not a valid ONNX model"),
    "random bytes": (np.random.default_rng(0).bytes(2048), 422, "not a valid ONNX model"),
    "empty": (b"", 422, "empty"),
    "wrong input shape": (
        single_op_model(input_shape=[1, 3, 16, 16], output_shape=[1, 16, 16]),
        422,
        "expected [N, 3, 32, 32]",
    ),
    "wrong dtype": (
        single_op_model(input_shape=["N", 3, 32, 32], output_shape=["N", 32, 32], dtype=TensorProto.DOUBLE),
        422,
        "float32",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rejected_with_reason(nothing_left: None, api: GoatSystem, case: str) -> None:
    content, status, message = CASES[case]
    response = post(api, content)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert "Traceback" not in response.text


def test_wrong_output_shape(nothing_left: None, api: GoatSystem, tmp_path: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, 32, 32])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    response = post(api, model.SerializeToString())
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "[N, 3, 32, 32]" in detail and "expected [N, 32, 32] float32 or [N, 1, 32, 32] float32" in detail


def test_over_size_with_content_length(nothing_left: None, api: GoatSystem) -> None:
    response = post(api, b"\0" * (MAX_FILE_SIZE * 3))
    assert response.status_code == 413
    assert "MAX_FILE_SIZE" in response.json()["detail"]


def test_over_size_while_streaming(nothing_left: None, api: GoatSystem) -> None:
    """No Content-Length: the limit is enforced on the bytes as they arrive."""
    boundary = "goatboundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.onnx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        for _ in range(16):
            yield b"\0" * 16384
        yield f"\r\n--{boundary}--\r\n".encode()

    response = httpx.post(
        f"{api.url}/submit/task2",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **api.headers},
        timeout=30,
    )
    assert response.status_code == 413


def test_missing_file_field(nothing_left: None, api: GoatSystem) -> None:
    response = httpx.post(
        f"{api.url}/submit/task2", files={"model": ("m.onnx", b"abc")}, headers=api.headers, timeout=30
    )
    assert response.status_code == 422
    assert "'file'" in response.json()["detail"]


def test_not_multipart(nothing_left: None, api: GoatSystem) -> None:
    response = httpx.post(f"{api.url}/submit/task2", content=b"raw", headers=api.headers, timeout=30)
    assert response.status_code == 422
    assert "multipart/form-data" in response.json()["detail"]


def multipart(boundary: str, *, disposition: str = 'form-data; name="file"; filename="m.onnx"') -> bytes:
    return f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\nbytes\r\n--{boundary}--\r\n".encode()


MALFORMED = {
    "boundary over the parser's 256": ("b" * 300, multipart("b" * 300), "boundary is longer than 70"),
    "boundary over RFC 2046's 70": ("b" * 71, multipart("b" * 71), "boundary is longer than 70"),
    "part header over the parser's 4 KiB": (
        "b",
        multipart("b", disposition=f'form-data; name="file"; filename="{"x" * 9000}.onnx"'),
        "Maximum header size exceeded",
    ),
    "not the announced boundary": ("b", multipart("c"), "multipart body is malformed"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_multipart(nothing_left: None, api: GoatSystem, case: str) -> None:
    boundary, body, message = MALFORMED[case]
    response = httpx.post(
        f"{api.url}/submit/task2",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **api.headers},
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]


def test_unknown_task(nothing_left: None, api: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=32)
    response = httpx.post(
        f"{api.url}/submit/task9",
        files={"file": ("m.onnx", model.read_bytes())},
        headers=api.headers,
        timeout=30,
    )
    assert response.status_code == 404
    assert "task2" in response.json()["detail"]


def test_file_name_is_never_a_path(api: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=32, batch=4)
    response = post(api, model.read_bytes(), filename="../../../../tmp/evil.onnx")
    assert response.status_code == 202, response.text
    sha = response.json()["model_sha256"]
    stored = [p.name for p in api.settings.upload_dir.glob("*.onnx")]
    assert f"{sha}.onnx" in stored
    assert not Path("/tmp/evil.onnx").exists()
    assert onnx.load(api.settings.upload_dir / f"{sha}.onnx").graph.input[0].name == "image"
