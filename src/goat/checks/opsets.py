"""Rejects IR and opset versions newer than the installed ONNX Runtime loads.

The limits are asked of ONNX Runtime itself, by loading minimal probe models, so they follow the installed
wheel (CPU or GPU, any release) without a version table to maintain.
"""

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import onnxruntime
from onnx import ModelProto, TensorProto, helper
from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidArgument, InvalidGraph

from goat.checks.errors import ModelRejected, quoted

# The opset domains ONNX Runtime versions itself; "" is the default domain, also spelled "ai.onnx".
RUNTIME_DOMAINS = ("", "ai.onnx.ml", "com.microsoft")
_PROBE_CEILING = 1 << 12


@dataclass(frozen=True)
class RuntimeSupport:
    """The newest versions the installed ONNX Runtime accepts."""

    ir_version: int
    opsets: Mapping[str, int]


@functools.cache
def runtime_support() -> RuntimeSupport:
    """Probe once per process (a few dozen tiny sessions, tens of milliseconds)."""
    ir_version = _highest(lambda version: _loads(ir_version=version, opsets={"": 1}))

    def highest_opset(domain: str) -> int:
        return _highest(lambda version: _loads(ir_version=ir_version, opsets={"": 1, domain: version}))

    opsets = {domain: highest_opset(domain) for domain in RUNTIME_DOMAINS}
    return RuntimeSupport(ir_version=ir_version, opsets=opsets)


def reject_unsupported_versions(model: ModelProto) -> None:
    """Refuse versions ONNX Runtime would refuse later, with the limit in the message."""
    support = runtime_support()
    runtime = f"this server's ONNX Runtime ({onnxruntime.__version__}) supports up to"
    if (ir_version := model.ir_version) > support.ir_version:
        raise ModelRejected(
            f"the model uses ONNX IR version {ir_version}; {runtime} {support.ir_version}. Re-export it with "
            f"an older IR version: after exporting, set `model.ir_version = {support.ir_version}` and save "
            f"it with `onnx.save(model, path)`"
        )
    function_imports = (opset for function in model.functions for opset in function.opset_import)
    for opset in [*model.opset_import, *function_imports]:
        domain = canonical_domain(opset.domain)
        highest = support.opsets.get(domain)
        if highest is not None and opset.version > highest:
            raise ModelRejected(
                f"the model uses opset {opset.version} of domain {quoted(domain or 'ai.onnx')}; "
                f"{runtime} {highest}. {_reexport_hint(domain, highest)}"
            )


def _reexport_hint(domain: str, highest: int) -> str:
    """The way out: the default domain's opset is the exporter's choice, or onnx can convert it."""
    if domain:
        return f"Re-export it at opset {highest} or lower of that domain"
    return (
        f"Re-export it at opset {highest} or lower: the exporter's opset_version (e.g. "
        f"`torch.onnx.export(..., opset_version={highest})`), or "
        f"`onnx.version_converter.convert_version(model, {highest})`"
    )


def canonical_domain(domain: str) -> str:
    """ONNX spells the default domain both "" and "ai.onnx"."""
    return "" if domain == "ai.onnx" else domain


def _highest(accepts: Callable[[int], bool]) -> int:
    """The largest version accepted, given that ONNX Runtime accepts exactly the versions 1..M."""
    if not accepts(1):
        raise RuntimeError("ONNX Runtime refuses even a minimal version-1 probe model")
    low, high = 1, 2
    while accepts(high):
        if high >= _PROBE_CEILING:
            raise RuntimeError(f"ONNX Runtime accepts a probe model at version {high}; the probe is broken")
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if accepts(middle) else (low, middle)
    return low


def _loads(*, ir_version: int, opsets: Mapping[str, int]) -> bool:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "probe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(
        graph,
        ir_version=ir_version,
        opset_imports=[helper.make_opsetid(domain, version) for domain, version in opsets.items()],
    )
    try:
        onnxruntime.InferenceSession(
            model.SerializeToString(), _quiet_session_options(), providers=["CPUExecutionProvider"]
        )
    except (Fail, InvalidArgument, InvalidGraph):
        return False
    return True


def _quiet_session_options() -> onnxruntime.SessionOptions:
    """Single-threaded and silent: the refusals are expected, and a probe should not start thread pools."""
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    return options
