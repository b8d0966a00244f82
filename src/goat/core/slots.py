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
    """At most `limit` held at once by each key (a team): one Slots per key that holds any."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._by_key: dict[Hashable, Slots] = {}

    @contextmanager
    def take(self, key: Hashable) -> Iterator[None]:
        """Hold one of the key's slots for the block; NoSlot at once when the key holds them all."""
        slots = self._by_key.setdefault(key, Slots(self.limit))
        try:
            with slots.take():
                yield
        finally:
            if not slots.held:
                del self._by_key[key]
