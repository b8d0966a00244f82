"""Wakes the status requests that wait for a submission to change (`?wait=`), from Redis pub/sub.

One subscription per API process, whatever the number of waiting clients: each announced submission id
sets the events of the requests waiting on it. While Redis is away the subscription is retried every
second, and a waiting request simply answers at its timeout with what the database says then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.exceptions import RedisError

from goat.queue.live import CHANGES

log = logging.getLogger(__name__)

_RETRY_S = 1.0


class ChangeListener:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._listen(), name="goat-changes")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.asynccontextmanager
    async def watch(self, submission_id: str) -> AsyncIterator[asyncio.Event]:
        """An event set at the submission's next change; watch before reading, so no change is missed."""
        event = asyncio.Event()
        self._waiting.setdefault(submission_id, set()).add(event)
        try:
            yield event
        finally:
            events = self._waiting.get(submission_id, set())
            events.discard(event)
            if not events:
                self._waiting.pop(submission_id, None)

    async def _listen(self) -> None:
        while True:
            try:
                await self._subscribe_and_dispatch()
            except (RedisError, OSError) as error:
                log.warning("change announcements unavailable (%s); retrying", error)
            await asyncio.sleep(_RETRY_S)

    async def _subscribe_and_dispatch(self) -> None:
        connection = Redis.from_url(self._redis_url, socket_connect_timeout=5.0)
        try:
            async with connection.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(CHANGES)
                async for message in pubsub.listen():
                    self._wake(message["data"].decode())
        finally:
            await connection.aclose()

    def _wake(self, submission_id: str) -> None:
        for event in self._waiting.get(submission_id, ()):
            event.set()
