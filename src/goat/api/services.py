"""What the API's routes share, built once at start-up and closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from redis import Redis
from rq import Queue

from goat.checks import ModelChecker
from goat.core.config import Settings
from goat.queue.connection import connect
from goat.queue.jobs import JobPolicy, evaluation_queue
from goat.queue.sweeper import Sweeper
from goat.storage.model_files import ModelStore
from goat.storage.submissions import SubmissionStore


@dataclass(frozen=True, kw_only=True)
class Services:
    settings: Settings
    redis: Redis
    queue: Queue
    submissions: SubmissionStore
    models: ModelStore
    checker: ModelChecker
    sweeper: Sweeper

    @classmethod
    def start(cls, settings: Settings) -> Services:
        redis = connect(settings.resolved_redis_url)
        submissions = SubmissionStore(settings.resolved_database_url)
        submissions.unfinished()  # creates the schema and fails fast on a bad DATABASE_URL
        queue = evaluation_queue(redis)
        sweeper = Sweeper(
            queue,
            submissions,
            interval_s=settings.maintenance_interval,
            policy=JobPolicy.from_settings(settings),
        )
        sweeper.start()
        return cls(
            settings=settings,
            redis=redis,
            queue=queue,
            sweeper=sweeper,
            submissions=submissions,
            models=ModelStore(settings.upload_dir),
            checker=ModelChecker(
                timeout=settings.check_timeout, memory_limit_bytes=settings.check_memory_limit
            ),
        )

    def close(self) -> None:
        self.sweeper.stop()
        self.checker.close()
        self.redis.close()


def get_services(request: Request) -> Services:
    return request.app.state.services
