"""Checks the model's inputs and outputs against what the evaluator feeds it and reads back."""

from collections.abc import Sequence
from dataclasses import dataclass

from onnx import GraphProto, TensorProto, TensorShapeProto, ValueInfoProto

from goat.checks.errors import ModelRejected, printable, quoted

Dims = Sequence[TensorShapeProto.Dimension]
_OTHER_TYPES = {
    None: "of undeclared type",
    "sequence_type": "a sequence",
    "map_type": "a map",
    "optional_type": "an optional",
    "sparse_tensor_type": "a sparse tensor",
}


@dataclass(frozen=True)
class Interface:
    input_name: str
    output_name: str
    batch_size: int | None
    output_has_channel_axis: bool


def read_interface(graph: GraphProto, *, channels: int, image_size: int) -> Interface:
    """Accept [N, C, S, S] -> [N, S, S] or [N, 1, S, S], with N fixed or symbolic.

    Output dimensions may be symbolic, since they cannot be resolved without running the model, but any fixed
    one must be the expected size.
    """
    stored = {tensor.name for tensor in graph.initializer} | {s.values.name for s in graph.sparse_initializer}
    image = _only("input", [value for value in graph.input if value.name not in stored])
    batch = _check_input(image, channels=channels, image_size=image_size)
    depth = _only("output", list(graph.output))
    has_channel_axis = _check_output(depth, batch=batch, image_size=image_size)
    return Interface(
        input_name=image.name,
        output_name=depth.name,
        batch_size=batch.dim_value if _is_fixed(batch) else None,
        output_has_channel_axis=has_channel_axis,
    )


def _only(role: str, values: list[ValueInfoProto]) -> ValueInfoProto:
    if not values:
        raise ModelRejected(f"the model has no {role}s; expected exactly one")
    if len(values) > 1:
        names = ", ".join(printable(value.name) for value in values[:5]) + (", …" if len(values) > 5 else "")
        raise ModelRejected(f"the model has {len(values)} {role}s ({names}); expected exactly one")
    return values[0]


def _check_input(value: ValueInfoProto, *, channels: int, image_size: int) -> TensorShapeProto.Dimension:
    """Return the batch dimension."""
    dims = _float_tensor_dims(value, "input")
    sizes = (channels, image_size, image_size)
    if dims is None or not _input_fits(dims, sizes):
        expected = f"[N, {channels}, {image_size}, {image_size}] (N fixed or symbolic)"
        raise ModelRejected(f"input {quoted(value.name)} has {_shape_text(dims)}; expected {expected}")
    return dims[0]


def _check_output(value: ValueInfoProto, *, batch: TensorShapeProto.Dimension, image_size: int) -> bool:
    """Return whether the output has the singleton channel axis."""
    dims = _float_tensor_dims(value, "output")
    if dims is None or not _output_fits(dims, batch=batch, image_size=image_size):
        n = str(batch.dim_value) if _is_fixed(batch) else "N"
        expected = f"[{n}, {image_size}, {image_size}] or [{n}, 1, {image_size}, {image_size}]"
        raise ModelRejected(f"output {quoted(value.name)} has {_shape_text(dims)}; expected {expected}")
    return len(dims) == 4


def _input_fits(dims: Dims, sizes: tuple[int, int, int]) -> bool:
    if len(dims) != 4:
        return False
    batch_fits = dims[0].dim_value > 0 or not _is_fixed(dims[0])
    return batch_fits and all(
        _is_fixed(dim) and dim.dim_value == size for dim, size in zip(dims[1:], sizes, strict=True)
    )


def _output_fits(dims: Dims, *, batch: TensorShapeProto.Dimension, image_size: int) -> bool:
    """Fixed sizes must match, symbolic ones cannot be judged; a fixed batch must be the input's batch."""
    if len(dims) not in (3, 4):
        return False
    batch_fits = not _is_fixed(dims[0]) or (_is_fixed(batch) and dims[0].dim_value == batch.dim_value)
    sizes = (1, image_size, image_size)[4 - len(dims) :]
    return batch_fits and all(_may_be(dim, size) for dim, size in zip(dims[1:], sizes, strict=True))


def _float_tensor_dims(value: ValueInfoProto, role: str) -> Dims | None:
    """The declared dimensions of a float32 tensor, or None when its shape is not declared."""
    kind = value.type.WhichOneof("value")
    if kind != "tensor_type":
        found = _OTHER_TYPES.get(kind, f"a {kind}")
        raise ModelRejected(f"{role} {quoted(value.name)} is {found}; expected a float32 tensor")
    tensor = value.type.tensor_type
    if tensor.elem_type != TensorProto.FLOAT:
        raise ModelRejected(
            f"{role} {quoted(value.name)} has element type {_type_name(tensor.elem_type)}; expected float32"
        )
    return tensor.shape.dim if tensor.HasField("shape") else None


def _is_fixed(dim: TensorShapeProto.Dimension) -> bool:
    return dim.HasField("dim_value")


def _may_be(dim: TensorShapeProto.Dimension, size: int) -> bool:
    return not _is_fixed(dim) or dim.dim_value == size


def _shape_text(dims: Dims | None) -> str:
    if dims is None:
        return "no declared shape"
    return "shape [" + ", ".join(_dim_text(dim) for dim in dims) + "]"


def _dim_text(dim: TensorShapeProto.Dimension) -> str:
    if _is_fixed(dim):
        return str(dim.dim_value)
    return printable(dim.dim_param) if dim.dim_param else "?"


def _type_name(elem_type: int) -> str:
    try:
        return TensorProto.DataType.Name(elem_type).lower()
    except ValueError:
        return f"unknown ({elem_type})"
