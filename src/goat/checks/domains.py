"""Rejects operators ONNX Runtime could only run through a custom-op library, which goat never registers."""

from onnx import ModelProto

from goat.checks.errors import ModelRejected, quoted
from goat.checks.walk import iter_nodes

SUPPORTED_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "com.microsoft"})


def reject_foreign_operators(model: ModelProto) -> None:
    """Every node must be a standard or ONNX Runtime contrib operator, or call a function the model defines.

    Calls to model-local functions are allowed: their bodies are plain nodes, checked here like the rest.
    """
    local_functions = {(function.domain, function.name, function.overload) for function in model.functions}
    for node in iter_nodes(model):
        if node.domain in SUPPORTED_DOMAINS or (node.domain, node.op_type, node.overload) in local_functions:
            continue
        raise ModelRejected(
            f"operator {quoted(node.op_type)} from domain {quoted(node.domain)} is not supported; "
            "only the standard ONNX domains ('ai.onnx', 'ai.onnx.ml') and ONNX Runtime's 'com.microsoft' are"
        )
