"""Checks the model's inputs and outputs against what the executor feeds it and reads back.

The task declares the interface (goat.tasks.base.ModelInterface); this reads the ONNX graph against it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from onnx import GraphProto, TensorProto, TensorShapeProto, ValueInfoProto, helper

from goat.checks.errors import ModelRejected, printable, quoted
from goat.tasks.base import ModelInterface, OutputLayout

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


def read_interface(graph: GraphProto, interface: ModelInterface) -> Interface:
    """Accept [N, C, S, S] in and any of the task's output layouts out, with N fixed or symbolic.

    The input's height and width may be symbolic (exports with dynamic axes): the model is then fed at S.
    Output dimensions may be symbolic too, since they cannot be resolved without running the model, but any
    fixed one must be the expected size; the executor checks the real shape of every output.
    """
    stored = {tensor.name for tensor in graph.initializer} | {s.values.name for s in graph.sparse_initializer}
    image = _only("input", [value for value in graph.input if value.name not in stored])
    batch = _check_input(image, interface)
    output = _only("output", list(graph.output))
    _check_output(output, batch=batch, interface=interface)
    return Interface(
        input_name=image.name,
        output_name=output.name,
        batch_size=batch.dim_value if _is_fixed(batch) else None,
    )


def _only(role: str, values: list[ValueInfoProto]) -> ValueInfoProto:
    if not values:
        raise ModelRejected(f"the model has no {role}s; expected exactly one")
    if len(values) > 1:
        names = ", ".join(printable(value.name) for value in values[:5]) + (", …" if len(values) > 5 else "")
        raise ModelRejected(f"the model has {len(values)} {role}s ({names}); expected exactly one")
    return values[0]


def _check_input(value: ValueInfoProto, interface: ModelInterface) -> TensorShapeProto.Dimension:
    """Return the batch dimension."""
    spec = interface.input
    dims = _tensor_dims(value, "input", (spec.dtype,))
    if dims is None or not _input_fits(dims, spec.channels, spec.image_size):
        size = spec.image_size
        expected = (
            f"[N, {spec.channels}, {size}, {size}] (N fixed or symbolic; height and width {size} or symbolic)"
        )
        raise ModelRejected(f"input {quoted(value.name)} has {_shape_text(dims)}; expected {expected}")
    return dims[0]


def _check_output(
    value: ValueInfoProto, *, batch: TensorShapeProto.Dimension, interface: ModelInterface
) -> None:
    dtypes = tuple(dict.fromkeys(dtype for layout in interface.outputs for dtype in layout.dtypes))
    dims = _tensor_dims(value, "output", dtypes)
    dtype = _numpy_name(value.type.tensor_type.elem_type)
    size = interface.input.image_size
    layouts = [layout for layout in interface.outputs if dtype in layout.dtypes]
    if dims is None or not any(_output_fits(dims, batch=batch, layout=lay, size=size) for lay in layouts):
        n = batch.dim_value if _is_fixed(batch) else "N"
        raise ModelRejected(
            f"output {quoted(value.name)} has {_shape_text(dims)} ({dtype}); "
            f"expected {interface.expected_outputs(n)}"
        )


def _input_fits(dims: Dims, channels: int, image_size: int) -> bool:
    if len(dims) != 4:
        return False
    batch_fits = dims[0].dim_value > 0 or not _is_fixed(dims[0])
    channels_fit = _is_fixed(dims[1]) and dims[1].dim_value == channels
    return batch_fits and channels_fit and all(_may_be(dim, image_size) for dim in dims[2:])


def _output_fits(dims: Dims, *, batch: TensorShapeProto.Dimension, layout: OutputLayout, size: int) -> bool:
    """Fixed sizes must match, symbolic ones cannot be judged; a fixed batch must be the input's batch."""
    expected = layout.dims(0, size)[1:]
    if len(dims) != len(expected) + 1:
        return False
    batch_fits = not _is_fixed(dims[0]) or (_is_fixed(batch) and dims[0].dim_value == batch.dim_value)
    return batch_fits and all(_may_be(dim, int(want)) for dim, want in zip(dims[1:], expected, strict=True))


def _tensor_dims(value: ValueInfoProto, role: str, dtypes: tuple[str, ...]) -> Dims | None:
    """The declared dimensions of a tensor of one of `dtypes`, or None when its shape is not declared."""
    kind = value.type.WhichOneof("value")
    wanted = " or ".join(dtypes)
    if kind != "tensor_type":
        found = _OTHER_TYPES.get(kind, f"a {kind}")
        raise ModelRejected(f"{role} {quoted(value.name)} is {found}; expected a {wanted} tensor")
    tensor = value.type.tensor_type
    if _numpy_name(tensor.elem_type) not in dtypes:
        raise ModelRejected(
            f"{role} {quoted(value.name)} has element type {_type_name(tensor.elem_type)}; expected {wanted}"
        )
    return tensor.shape.dim if tensor.HasField("shape") else None


def _numpy_name(elem_type: int) -> str:
    try:
        return helper.tensor_dtype_to_np_dtype(elem_type).name
    except (KeyError, ValueError):
        return _type_name(elem_type)


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
