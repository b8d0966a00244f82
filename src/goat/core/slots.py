"""A bound on how many of something run at once, for code that runs in one event loop."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
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


class KeyedSlots:
    """At most `limit` held at once by each key (a team), under the same rule as Slots."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held: dict[Hashable, int] = {}

    @contextmanager
    def take(self, key: Hashable) -> Iterator[None]:
        """Hold one of the key's slots for the block; NoSlot at once when the key holds them all."""
        count = self.held.get(key, 0)
        if count >= self.limit:
            raise NoSlot
        self.held[key] = count + 1
        try:
            yield
        finally:
            self.held[key] -= 1
            if not self.held[key]:
                del self.held[key]
