"""Bounds on what a model may carry besides its computation: names, metadata, opset imports, nodes.

The protobuf format bounds none of them, and what the door reads from a model (its description,
model_info) is kept in its submission's row and read on every status call: a 21 MB model with an 8 MiB
input name and 20,000 opset imports would otherwise put megabytes there. Real exports stay far below.
"""

import json
from collections.abc import Iterator

from onnx import GraphProto, ModelProto

from goat.checks.errors import ModelRejected, quoted
from goat.checks.walk import iter_graphs, iter_nodes

NAME_MAX_CHARS = 256
OPSET_IMPORTS_MAX = 16
METADATA_MAX_BYTES = 64 * 1024
NODES_MAX = 100_000
MODEL_INFO_MAX_BYTES = 4096
"""The description kept in the row (model_info), as stored: JSON."""


def reject_unbounded(model: ModelProto) -> None:
    """Raise ModelRejected naming the first bound the model exceeds."""
    _bound_opset_imports(model)
    _bound_metadata(model)
    _bound_nodes(model)
    for what, name in _names(model):
        if len(name) > NAME_MAX_CHARS:
            raise ModelRejected(
                f"{what} is {len(name)} characters long; names may have at most {NAME_MAX_CHARS}"
            )


def reject_long_description(description: dict) -> None:
    """The bounds above keep a description small; non-ASCII names, escaped in JSON, can still grow it."""
    size = len(json.dumps(description))
    if size > MODEL_INFO_MAX_BYTES:
        raise ModelRejected(
            f"the model's input and output names and opset domains take {size} bytes to describe; "
            f"at most {MODEL_INFO_MAX_BYTES} (use shorter, ASCII names)"
        )


def _bound_opset_imports(model: ModelProto) -> None:
    lists = [("the model", model.opset_import)]
    lists += [(f"function {quoted(function.name)}", function.opset_import) for function in model.functions]
    for owner, imports in lists:
        if len(imports) > OPSET_IMPORTS_MAX:
            raise ModelRejected(
                f"{owner} imports {len(imports)} opsets; at most {OPSET_IMPORTS_MAX} are allowed"
            )


def _bound_metadata(model: ModelProto) -> None:
    texts = [model.producer_name, model.producer_version, model.domain, model.doc_string]
    texts += [text for prop in model.metadata_props for text in (prop.key, prop.value)]
    size = sum(len(text.encode()) for text in texts)
    if size > METADATA_MAX_BYTES:
        raise ModelRejected(
            f"the model's metadata (producer, domain, doc_string, metadata_props) is {size} bytes; "
            f"at most {METADATA_MAX_BYTES} are allowed"
        )


def _bound_nodes(model: ModelProto) -> None:
    count = sum(1 for _ in iter_nodes(model))
    if count > NODES_MAX:
        raise ModelRejected(
            f"the model has {count} nodes (functions and subgraphs included); at most {NODES_MAX}"
        )


def _names(model: ModelProto) -> Iterator[tuple[str, str]]:
    """(what it names, the name) for every name in the model."""
    for opset in model.opset_import:
        yield "an opset domain", opset.domain
    for function in model.functions:
        yield "a function's name", function.name
        yield "a function's domain", function.domain
    for graph in iter_graphs(model):
        yield from _graph_names(graph)
    for node in iter_nodes(model):
        yield "a node's name", node.name
        yield "a node's domain", node.domain
        yield "a node's operator", node.op_type
        for value in (*node.input, *node.output):
            yield "a value's name", value


def _graph_names(graph: GraphProto) -> Iterator[tuple[str, str]]:
    yield "a graph's name", graph.name
    for role, values in (
        ("an input's", graph.input),
        ("an output's", graph.output),
        ("a value's", graph.value_info),
    ):
        for value in values:
            yield f"{role} name", value.name
    for tensor in graph.initializer:
        yield "an initializer's name", tensor.name
