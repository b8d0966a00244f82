"""The checks a model must pass before it is queued, in the calling process (isolation.py runs them apart)."""

import dataclasses
import stat
from dataclasses import dataclass
from pathlib import Path

import onnx
from google.protobuf.message import DecodeError

from goat.checks.bounds import reject_long_description, reject_unbounded
from goat.checks.domains import reject_foreign_operators
from goat.checks.errors import ModelRejected, printable
from goat.checks.external_data import reject_external_data
from goat.checks.interface import read_interface
from goat.checks.opsets import canonical_domain, reject_unsupported_versions
from goat.tasks.base import ModelInterface

_PROTOBUF_LIMIT = 2**31 - 1
_CHECKER_LINES = 4
_CHECKER_CHARS = 500


@dataclass(frozen=True)
class ModelInfo:
    """What the service needs to know about an accepted model."""

    input_name: str
    output_name: str
    batch_size: int | None  # the fixed batch dimension, or None when it is symbolic
    opsets: dict[str, int]  # domain ("" for the default ONNX domain) -> version
    ir_version: int


def inspect_model(path: Path, *, interface: ModelInterface) -> ModelInfo:
    """Raise ModelRejected, naming the most basic problem first, or describe the model.

    The ONNX checker runs last and reads the file itself once the parsed model is released, so a large
    model is held in memory once rather than twice.
    """
    info = _inspect_proto(path, interface)
    _run_onnx_checker(path)
    return info


def _inspect_proto(path: Path, interface: ModelInterface) -> ModelInfo:
    model = _load(path)
    reject_unbounded(model)
    reject_external_data(model)
    reject_foreign_operators(model)
    reject_unsupported_versions(model)
    found = read_interface(model.graph, interface)
    info = ModelInfo(
        input_name=found.input_name,
        output_name=found.output_name,
        batch_size=found.batch_size,
        opsets={canonical_domain(opset.domain): opset.version for opset in model.opset_import},
        ir_version=model.ir_version,
    )
    reject_long_description(dataclasses.asdict(info))
    return info


def _load(path: Path) -> onnx.ModelProto:
    """Parse the file as a binary ModelProto, never following external data or guessing a text format."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise ModelRejected("the upload is not a regular file")
    if status.st_size == 0:
        raise ModelRejected("the file is empty")
    if status.st_size > _PROTOBUF_LIMIT:
        raise ModelRejected("the file is larger than 2 GiB, more than a single-file ONNX model can hold")
    try:
        model = onnx.load(path, format="protobuf", load_external_data=False)
    except DecodeError as error:
        raise ModelRejected(f"the file is not a valid ONNX model: {error}") from None
    if not model.HasField("graph"):
        raise ModelRejected("the file is not a valid ONNX model: it has no graph")
    if not model.graph.node:
        raise ModelRejected("the file is not a valid ONNX model: its graph has no nodes")
    return model


def _run_onnx_checker(path: Path) -> None:
    """Any failure of the checker on this model is the model's; only running out of memory is not."""
    try:
        onnx.checker.check_model(path, full_check=True)
    except MemoryError:
        raise
    except Exception as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        reason = printable(" ".join(lines[:_CHECKER_LINES]), limit=_CHECKER_CHARS)
        raise ModelRejected(f"the model fails the ONNX checker: {reason}") from None
