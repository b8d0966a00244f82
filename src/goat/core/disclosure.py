"""Errors told twice: once for the participant, once for the organiser.

A model's failure can be described with values its graph computed from the hidden test set (ONNX Runtime
quotes a requested shape or an index, the task names an output's shape). The participant reads `str()`,
which never carries such a value; the organiser's view of the submission and the logs get `detail`.
"""

from __future__ import annotations


class DisclosedError(Exception):
    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail or message
        """The whole story, for the organiser and the logs; may quote values from the hidden test set."""
