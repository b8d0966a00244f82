"""The checks an uploaded model passes at the door, before it is queued for evaluation."""

from goat.checks.errors import ModelRejected
from goat.checks.inspection import ModelInfo, inspect_model
from goat.checks.isolation import ModelChecker

__all__ = ["ModelChecker", "ModelInfo", "ModelRejected", "inspect_model"]
