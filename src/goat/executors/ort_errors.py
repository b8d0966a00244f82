"""ONNX Runtime's error text, split into what the participant may read and what only the organiser sees.

ORT quotes the values a failing kernel saw ("requested shape:{850624,636961}", "idx=850624"), and a graph
can compute those from the hidden images: its text is data from the model, not a message. The participant
gets the failing node's name and op type (the model's own text, read from ORT's frame around the kernel's
message) and the kind of error with every digit masked; the organiser gets the text as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from goat.core.disclosure import DisclosedError

_NODE = re.compile(r"while running (\w+) node\. Name:'(.{0,200}?)' Status Message: ")
"""ORT's frame around a kernel's failure; the first one is the outermost node, named by the graph."""
_SOURCE_LOCATION = re.compile(r"\S*onnxruntime_src/\S+:\d+ .*?\)\s+")
_DIGITS = re.compile(r"\d+")
_KIND_CHARACTERS = 240


def split(what: str, error: BaseException, *, model: Path) -> DisclosedError:
    """`what` failed with `error`: the participant's sentence, and ORT's whole text as the detail."""
    text = str(error).strip() or type(error).__name__
    return DisclosedError(f"{what}: {_public(text, model=model)}", detail=f"{what}: {text}")


def _public(text: str, *, model: Path) -> str:
    node = _NODE.search(text)
    kind = text[node.end() :] if node else text
    kind = _SOURCE_LOCATION.sub("", kind.splitlines()[0] if kind else "").replace(str(model), "the model")
    kind = _DIGITS.sub("#", kind)[:_KIND_CHARACTERS]
    if node is None:
        return kind
    op, name = node.groups()
    return f"node '{name}' ({op}): {kind}" if name else f"a {op} node: {kind}"
