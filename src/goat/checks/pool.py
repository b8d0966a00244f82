"""The door checks' own bounded pool, so that slow checks cost uploads a 503, never the API its threads.

A model of a few hundred bytes can keep the ONNX checker busy for the whole CHECK_TIMEOUT. Each check
holds one of `workers` checker processes and one thread of this pool's own, never one of the threads the
API's other routes run in; at most `backlog` more wait for a free checker, and any beyond are refused at
once (NoSlot). A team's checks run one at a time, so one team cannot take every checker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from goat.checks.inspection import ModelInfo
from goat.checks.isolation import ModelChecker
from goat.core.slots import Slots
from goat.tasks.base import ModelInterface


@dataclass
class _Line:
    """A team's uploads waiting for their check, and how many hold or wait for its turn."""

    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class CheckPool:
    def __init__(
        self, *, workers: int, backlog: int, timeout: float, memory_limit_bytes: int | None = None
    ) -> None:
        self._checkers = [
            ModelChecker(timeout=timeout, memory_limit_bytes=memory_limit_bytes) for _ in range(workers)
        ]
        self._idle = list(self._checkers)
        self._free = asyncio.Semaphore(workers)
        self._threads = ThreadPoolExecutor(workers, thread_name_prefix="door-check")
        self._slots = Slots(workers + backlog)
        """Checks running or waiting for a checker."""
        self._lines: dict[Hashable, _Line] = {}

    async def check(self, path: Path, *, interface: ModelInterface, team: Hashable | None) -> ModelInfo:
        """ModelRejected, NoSlot (every checker busy and the backlog full), or the model's description.
        `team`: whose upload it is (None: nobody's, no line of its own)."""
        async with self._team_turn(team):
            with self._slots.take():
                async with self._free:
                    checker = self._idle.pop()
                    try:
                        running = self._threads.submit(checker.check, path, interface=interface)
                        return await asyncio.wrap_future(running)
                    finally:
                        # A check abandoned (at shutdown) still holds its checker's own lock: the next
                        # check on it waits for that one to end.
                        self._idle.append(checker)

    @asynccontextmanager
    async def _team_turn(self, team: Hashable | None) -> AsyncIterator[None]:
        if team is None:
            yield
            return
        line = self._lines.setdefault(team, _Line())
        line.users += 1
        try:
            async with line.turn:
                yield
        finally:
            line.users -= 1
            if not line.users:
                del self._lines[team]

    def close(self) -> None:
        for checker in self._checkers:
            checker.close()
        self._threads.shutdown(wait=False)
