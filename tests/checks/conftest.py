"""Fixtures for the door-check tests."""

from collections.abc import Callable
from pathlib import Path

import pytest
from onnx import ModelProto

from tests.checks.builders import save


@pytest.fixture
def saved(tmp_path: Path) -> Callable[[ModelProto], Path]:
    """Write a model to a fresh file in the test's temporary directory."""
    count = 0

    def write(model: ModelProto) -> Path:
        nonlocal count
        count += 1
        return save(model, tmp_path / f"model-{count}.onnx")

    return write
