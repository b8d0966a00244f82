"""Every place an ONNX model can hold nodes and tensors, so that no check misses a nested one."""

from collections.abc import Iterable, Iterator

from onnx import GraphProto, ModelProto, NodeProto, SparseTensorProto, TensorProto


def iter_graphs(model: ModelProto) -> Iterator[GraphProto]:
    """The main graph, training graphs and every subgraph nested in node attributes (If/Loop/Scan bodies)."""
    pending = [model.graph]
    pending += [graph for info in model.training_info for graph in (info.initialization, info.algorithm)]
    pending += _subgraphs(node for function in model.functions for node in function.node)
    while pending:
        graph = pending.pop()
        yield graph
        pending += _subgraphs(graph.node)


def iter_nodes(model: ModelProto) -> Iterator[NodeProto]:
    """All nodes of all graphs, including the bodies of model-local functions."""
    for function in model.functions:
        yield from function.node
    for graph in iter_graphs(model):
        yield from graph.node


def iter_tensors(model: ModelProto) -> Iterator[TensorProto]:
    """All stored tensors: initializers, sparse initializers and tensor-valued node attributes."""
    for graph in iter_graphs(model):
        yield from graph.initializer
        yield from _sparse_parts(graph.sparse_initializer)
    for node in iter_nodes(model):
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            sparse = [attribute.sparse_tensor] if attribute.HasField("sparse_tensor") else []
            yield from _sparse_parts([*sparse, *attribute.sparse_tensors])


def _subgraphs(nodes: Iterable[NodeProto]) -> list[GraphProto]:
    found = []
    for node in nodes:
        for attribute in node.attribute:
            if attribute.HasField("g"):
                found.append(attribute.g)
            found += attribute.graphs
    return found


def _sparse_parts(tensors: Iterable[SparseTensorProto]) -> Iterator[TensorProto]:
    for sparse in tensors:
        yield sparse.values
        yield sparse.indices
