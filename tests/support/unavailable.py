"""What a test does when a part it needs is missing here: skip with the reason on a laptop, fail where the
part must be there (CI=true, or a flag `.ci/run` sets), so CI never passes by skipping."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(message: str, *, required_by: str | None = None) -> NoReturn:
    """Skip with `message`; fail instead under CI=true or when the variable `required_by` is set."""
    if os.environ.get("CI", "").lower() == "true" or (required_by and os.environ.get(required_by)):
        pytest.fail(message)
    pytest.skip(message)
