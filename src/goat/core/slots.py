"""A bound on how many of something run at once, for code that runs in one event loop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class NoSlot(Exception):
    """Every slot is taken."""


class Slots:
    """At most `limit` held at once. Taken and given back only in the event loop's thread, with no await
    between the count and its change, so a check-then-take cannot be raced and needs no lock."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0

    @contextmanager
    def take(self) -> Iterator[None]:
        """Hold a slot for the block; NoSlot at once when none is free."""
        if self.held >= self.limit:
            raise NoSlot
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1
