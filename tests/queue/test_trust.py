"""One deployment, one Redis, and nothing in it is code: a goat of another deployment refuses to start on
this one's Redis, a worker leaves another deployment's job for its owner, and a job carrying a pickle is
never unpickled, never run, and its submission is evaluated all the same."""

from __future__ import annotations

import pickle
import zlib
from pathlib import Path

from redis import Redis
from rq.job import Callback, JobStatus

from goat.queue.connection import connect
from goat.queue.deployment import KEY
from goat.queue.jobs import DEPLOYMENT, EVALUATE, ON_FAILURE, evaluation_queue, fetch_job
from goat.storage.deployment import deployment_id
from tests.support.models import depth_model
from tests.support.processes import RedisServer, free_port, run_goat
from tests.support.queue import (
    QUEUE_KEY,
    age_beyond_the_grace,
    evaluated_by_a_new_worker,
    every_log,
    job_key,
    queued,
)
from tests.support.system import TEST_ENV, GoatSystem


class CreatesFile:
    """Unpickled, it creates a file: what anyone able to write to an RQ queue read with pickle could run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.path), "w")


def test_a_goat_of_another_deployment_refuses_to_start_on_this_redis(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    """Another deployment's API (its own database) on this Redis; this deployment's worker (its deployment
    as its API says) on another deployment's Redis. Both exit 78, saying why."""
    ours = deployment_id(unattended.settings.resolved_database_url)
    assert redis.get(KEY).decode() == ours
    other = {**TEST_ENV, "DATA_DIR": str(tmp_path / "other"), "REDIS_URL": unattended.redis.url}
    theirs = RedisServer(tmp_path / "their-redis").start()
    try:
        connect(theirs.url).set(KEY, "another")
        ours_elsewhere = unattended.remote_worker(tmp_path / "worker", redis_url=theirs.url)
        for command, env in (
            (["api"], {**other, "API_PORT": str(free_port())}),
            (["worker"], ours_elsewhere.env),
        ):
            done = run_goat(*command, cwd=tmp_path, env=env)
            assert done.returncode == 78, done.stderr
            assert "holds the queue of another goat deployment" in done.stderr
            assert unattended.redis.password not in done.stderr and theirs.password not in done.stderr
    finally:
        theirs.stop()
    assert redis.get(KEY).decode() == ours


def test_a_worker_leaves_another_deployments_jobs_for_their_owner(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    """One job names another deployment; one names none (queued by a goat from before jobs named theirs)
    and its submission is not in this deployment's database. Neither is consumed."""
    foreign = {"sub_1_0000f00d": {DEPLOYMENT: "another"}, "sub_1_0000beef": {}}
    for job_id, meta in foreign.items():
        evaluation_queue(redis).enqueue(
            EVALUATE, job_id, job_id=job_id, on_failure=Callback(ON_FAILURE), meta=meta
        )
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=3)
    submission = unattended.client.submit(model)["submission_id"]
    assert set(queued(redis, QUEUE_KEY)) == {*foreign, submission}
    try:
        final = evaluated_by_a_new_worker(unattended, submission)
        assert final["status"] == "completed", unattended.logs()
        assert set(queued(redis, QUEUE_KEY)) == set(foreign), "left in the queue for their owners"
        assert {fetch_job(redis, job_id).get_status() for job_id in foreign} == {JobStatus.QUEUED}
        logs = every_log(unattended)
        assert "job sub_1_0000f00d belongs to another deployment (another): left in the queue" in logs
        assert "job sub_1_0000beef belongs to another deployment (unnamed, its submission unknown" in logs
    finally:
        for job_id in foreign:
            fetch_job(redis, job_id).delete()


def test_a_pickled_job_is_never_unpickled_nor_run_and_its_submission_completes(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    control = tmp_path / "control"
    pickle.loads(pickle.dumps(CreatesFile(control)))
    assert control.exists(), "the payload runs wherever it is unpickled"

    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=4)
    submission = unattended.client.submit(model)["submission_id"]
    marker = tmp_path / "ran"
    redis.hset(
        job_key(submission),
        mapping={
            "data": zlib.compress(pickle.dumps(CreatesFile(marker))),
            "meta": pickle.dumps(CreatesFile(marker)),
        },
    )
    age_beyond_the_grace(unattended, submission)

    final = evaluated_by_a_new_worker(unattended, submission)
    assert final["status"] == "completed", unattended.logs()
    assert final["attempts"] == 1
    assert not marker.exists(), "neither the API nor a worker unpickled the job"
    assert f"job {submission} is not goat's evaluation of one submission; removed" in every_log(unattended)
    assert f"submission {submission} had no job in Redis; queued again" in every_log(unattended)
