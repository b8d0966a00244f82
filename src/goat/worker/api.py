"""A worker's one line to its deployment: the API's /worker/… routes over HTTP, with the workers' token.

Through it a worker gets the deployment's settings and secrets, starts attempts, reports their outcomes
and fetches models; with Redis for the queue and progress, that is all it needs, on any host. Each call
opens its own connection: the worker forks a work-horse per job, and a pooled socket must not be shared
across a fork. A call the API does not answer is retried for a bounded time (a restart of the API, a
network blip) before it fails.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from pydantic import BaseModel

from goat.executors.results import Outputs
from goat.storage.submissions import Failure
from goat.tasks.shipping import DatasetUnavailable
from goat.worker.model_cache import ModelUnavailable
from goat.worker.wire import Assignment, Completion, Ending, Recorded, Start, WorkerSetup

log = logging.getLogger(__name__)

_RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)
"""About 25 s of retries, then the call fails."""
_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
_CHUNK = 1024 * 1024


class WorkerRefused(RuntimeError):
    """The API refuses this worker's token: it is not (or no longer) the deployment's WORKER_TOKEN."""


class ApiUnreachable(RuntimeError):
    """The API did not answer, or answered with an error, on every try."""


class WorkerApi:
    """The HTTP side of worker/reports.py's Reports; `token()` is read on each call (a rotation applies)."""

    def __init__(
        self, url: str, token: Callable[[], str], *, retry_delays: tuple[float, ...] = _RETRY_DELAYS_S
    ):
        self.url = url
        self.token = token
        self.retry_delays = retry_delays

    def setup(self) -> WorkerSetup:
        return WorkerSetup.model_validate(self._call("GET", "/worker/setup").json())

    def started(self, submission_id: str, *, worker_id: str) -> Assignment | None:
        answer = self._call("POST", f"/worker/submissions/{submission_id}/start", Start(worker_id=worker_id))
        return Assignment.model_validate(answer.json()) if answer.status_code == 200 else None

    def completed(self, submission_id: str, outputs: Outputs, *, worker_id: str, attempt: int) -> bool:
        completion = Completion(attempt=attempt, worker_id=worker_id, outputs=outputs)
        return self._recorded(f"/worker/submissions/{submission_id}/complete", completion)

    def failed(
        self,
        submission_id: str,
        *,
        reason: str,
        failure: Failure,
        detail: str | None = None,
        attempt: int | None = None,
    ) -> bool:
        ending = Ending(reason=reason, failure=failure, detail=detail, attempt=attempt)
        return self._recorded(f"/worker/submissions/{submission_id}/fail", ending)

    def requeued(self, submission_id: str, *, reason: str, attempt: int | None = None) -> bool:
        ending = Ending(reason=reason, attempt=attempt)
        return self._recorded(f"/worker/submissions/{submission_id}/requeue", ending)

    def knows(self, submission_id: str) -> bool:
        return self._call("GET", f"/worker/submissions/{submission_id}").status_code == 200

    def model(self, sha256: str) -> Iterator[bytes]:
        """The model's bytes as they arrive (worker/model_cache.py checks their hash)."""
        return self._download(f"/worker/models/{sha256}", f"model {sha256[:12]}…", ModelUnavailable)

    def dataset(self, task: str) -> Iterator[bytes]:
        """The task's dataset folder as a tar, as it arrives (tasks/shipping.py checks its fingerprint)."""
        return self._download(f"/worker/datasets/{task}", f"the dataset of {task}", DatasetUnavailable)

    def _download(self, path: str, what: str, unavailable: type[Exception]) -> Iterator[bytes]:
        try:
            with (
                httpx.Client(timeout=_TIMEOUT) as client,
                client.stream("GET", f"{self.url}{path}", headers=self._headers()) as answer,
            ):
                if answer.status_code != 200:
                    raise unavailable(f"the API answered {answer.status_code} for {what}")
                yield from answer.iter_bytes(_CHUNK)
        except httpx.HTTPError as error:
            raise unavailable(f"{what} not fetched: {error}") from None

    def _recorded(self, path: str, body: BaseModel) -> bool:
        recorded = Recorded.model_validate(self._call("POST", path, body).json()).recorded
        if not recorded:
            log.warning("%s: not recorded (finished meanwhile, or another attempt holds it)", path)
        return recorded

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def _call(self, method: str, path: str, body: BaseModel | None = None) -> httpx.Response:
        """200, or 404/409 (an answer the caller reads); retried on no answer or a 5xx."""
        content: dict[str, Any] = {} if body is None else {"content": body.model_dump_json()}
        problem = ""
        for delay in (*self.retry_delays, None):
            try:
                with httpx.Client(timeout=_TIMEOUT) as client:
                    answer = client.request(
                        method,
                        f"{self.url}{path}",
                        headers={**self._headers(), "Content-Type": "application/json"},
                        **content,
                    )
                if answer.status_code == 401:
                    raise WorkerRefused(
                        f"the API at {self.url} refuses this worker's token: set WORKER_TOKEN to the one "
                        "`goat worker-join` prints on the API's host"
                    )
                if answer.status_code in (200, 404, 409):
                    return answer
                problem = f"HTTP {answer.status_code}: {answer.text[:200]}"
            except httpx.HTTPError as error:
                problem = f"{type(error).__name__}: {error}"
            if delay is not None:
                log.warning("%s %s: %s; retrying in %.1f s", method, path, problem, delay)
                time.sleep(delay)
        raise ApiUnreachable(f"{method} {path} at {self.url}: {problem}")
