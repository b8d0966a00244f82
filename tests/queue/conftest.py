"""Each queue test module's system: valkey and the API, no worker, so that nobody but the API's sweeper
touches the queue until a test starts a worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from goat.queue.connection import connect
from tests.support.system import GoatSystem


@pytest.fixture(scope="module")
def unattended(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """Valkey and the API, no worker: nobody but the API's sweeper touches the queue. Models are kept for
    a day (every test's are younger, but for the retention test's, aged on purpose)."""
    with GoatSystem(
        tmp_path_factory.mktemp("queue"), workers=0, env={"MODEL_RETENTION_DAYS": "1"}
    ) as running:
        yield running


@pytest.fixture
def redis(unattended: GoatSystem) -> Iterator[Redis]:
    connection = connect(unattended.redis.url)
    yield connection
    connection.close()
