"""Rejects external tensor data, whose location invites path traversal (CVE-2022-25882, CVE-2024-27318)."""

from onnx import ModelProto, TensorProto

from goat.checks.errors import ModelRejected, quoted
from goat.checks.walk import iter_tensors


def reject_external_data(model: ModelProto) -> None:
    """Refuse any tensor that points outside the file; the location is only reported, never opened."""
    for tensor in iter_tensors(model):
        if tensor.data_location == TensorProto.EXTERNAL or tensor.external_data:
            location = next((entry.value for entry in tensor.external_data if entry.key == "location"), "")
            raise ModelRejected(
                f"tensor {quoted(tensor.name)} is stored as external data (location {quoted(location)}); "
                "export the model as a single file"
            )
