"""Fixtures shared by every test folder: real servers, real models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.system import GoatSystem


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """Valkey, the API and two workers, as separate processes; stopped when the module's tests end."""
    with GoatSystem(tmp_path_factory.mktemp("system")) as running:
        yield running


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    path = tmp_path / "models"
    path.mkdir()
    return path
