"""What the API's routes share, built once at start-up and closed at shutdown."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial

from anyio import to_thread
from redis import Redis

from goat.api.authenticator import Authenticator, admin_token
from goat.api.changes import ChangeListener
from goat.checks.pool import CheckPool
from goat.core.config import Settings
from goat.core.slots import KeyedSlots, Slots
from goat.queue.connection import redis_url
from goat.queue.deployment import open_redis
from goat.queue.jobs import JobPolicy, Queue, evaluation_queue
from goat.queue.live import announce
from goat.queue.sweeper import Sweeper
from goat.storage.model_files import ModelStore
from goat.storage.retention import ModelRetention
from goat.storage.reveals import RevealStore
from goat.storage.submissions import SubmissionStore
from goat.storage.teams import TeamStore
from goat.tasks import TaskRegistry
from goat.web.sessions import SessionSigner, session_key
from goat.worker.outcomes import Outcomes

log = logging.getLogger(__name__)

ABANDONED_UPLOAD_S = 3600.0
"""A staging file untouched this long belongs to no upload in progress."""


@dataclass(frozen=True, kw_only=True)
class Services:
    settings: Settings
    tasks: TaskRegistry
    redis: Redis
    queue: Queue
    policy: JobPolicy
    submissions: SubmissionStore
    teams: TeamStore
    reveals: RevealStore
    auth: Authenticator
    sessions: SessionSigner
    models: ModelStore
    checks: CheckPool
    uploads: Slots
    team_uploads: KeyedSlots
    """Uploads being received or checked in this process (MAX_CONCURRENT_UPLOADS)."""
    outcomes: Outcomes
    sweeper: Sweeper
    changes: ChangeListener

    @classmethod
    def start(cls, settings: Settings, tasks: TaskRegistry) -> Services:
        # Upgrades the schema and fails fast on a bad DATABASE_URL, or on another deployment's Redis.
        redis, deployment = open_redis(settings)
        submissions = SubmissionStore(settings.resolved_database_url, on_change=partial(announce, redis))
        policy = JobPolicy.from_settings(settings, deployment=deployment)
        teams = TeamStore(settings.resolved_database_url)
        organiser = admin_token(settings)
        auth = Authenticator(teams, admin_token=organiser, admin_team=teams.ensure_admin())
        queue = evaluation_queue(redis)
        models = ModelStore(settings.upload_dir)
        outcomes = Outcomes(settings.resolved_database_url, redis)
        sweeper = Sweeper(
            queue,
            outcomes,
            interval_s=settings.maintenance_interval,
            policy=policy,
            retention=retention(settings, tasks, submissions, models),
        )
        sweeper.start()
        return cls(
            settings=settings,
            tasks=tasks,
            redis=redis,
            queue=queue,
            policy=policy,
            outcomes=outcomes,
            sweeper=sweeper,
            submissions=submissions,
            teams=teams,
            reveals=RevealStore(settings.resolved_database_url),
            auth=auth,
            sessions=SessionSigner(session_key(organiser), max_age_s=settings.session_max_age),
            models=models,
            checks=CheckPool(
                workers=settings.check_workers,
                backlog=settings.check_backlog,
                timeout=settings.check_timeout,
                memory_limit_bytes=settings.check_memory_limit,
            ),
            uploads=Slots(settings.max_concurrent_uploads),
            team_uploads=KeyedSlots(settings.max_uploads_per_team),
            changes=ChangeListener(redis_url(settings)),
        )

    async def sweep_staging(self) -> None:
        """Every MAINTENANCE_INTERVAL, not only at start-up: the staging files of uploads that ended without
        removing theirs (an API killed mid-upload, this one or another sharing UPLOAD_DIR)."""
        remove = partial(self.models.remove_abandoned, older_than_s=ABANDONED_UPLOAD_S)
        while True:
            if removed := await to_thread.run_sync(remove):
                log.info("removed %d abandoned partial uploads", removed)
            await asyncio.sleep(self.settings.maintenance_interval)

    def close(self) -> None:
        self.sweeper.stop()
        self.checks.close()
        self.redis.close()


def retention(
    settings: Settings, tasks: TaskRegistry, submissions: SubmissionStore, models: ModelStore
) -> ModelRetention | None:
    """MODEL_RETENTION_DAYS's sweep over the tasks of the registry; None while every model is kept."""
    if not settings.model_retention_days:
        return None
    return ModelRetention(
        store=submissions,
        models=models,
        days=settings.model_retention_days,
        higher_is_better={name: task.definition.score_direction == "higher" for name, task in tasks.items()},
    )
