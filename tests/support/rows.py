"""A submission row as the tests write it straight into a store: the fields no test looks at, filled in."""

from __future__ import annotations

from goat.storage.submissions import NewSubmission

NEW = NewSubmission(
    id="",
    task="task2",
    participant=None,
    model_sha256="0" * 64,
    model_size_bytes=1,
    filename="m.onnx",
    model_info={},
)
