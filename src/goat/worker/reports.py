"""Where a worker reports what happens to a submission: the seam between evaluating and recording.

Two sides implement it: Outcomes (worker/outcomes.py) writes the database, in the API (its routes and its
sweeper); WorkerApi (worker/api.py) sends the same reports to those routes over HTTP, from a worker on any
host, which therefore holds no database credentials.
"""

from __future__ import annotations

from typing import Protocol

from goat.executors.results import Outputs
from goat.storage.submissions import Failure
from goat.worker.wire import Assignment


class Reports(Protocol):
    def started(self, submission_id: str, *, worker_id: str) -> Assignment | None:
        """A new attempt, or None when the submission is finished or unknown."""

    def completed(self, submission_id: str, outputs: Outputs, *, worker_id: str, attempt: int) -> bool:
        """False, here as from `failed` and `requeued`: not recorded (finished meanwhile, or another attempt
        holds it)."""

    def failed(
        self,
        submission_id: str,
        *,
        reason: str,
        failure: Failure,
        detail: str | None = None,
        attempt: int | None = None,
    ) -> bool:
        """`reason` is the participant's, `detail` the organiser's whole text."""

    def requeued(self, submission_id: str, *, reason: str, attempt: int | None = None) -> bool: ...

    def knows(self, submission_id: str) -> bool:
        """Whether this deployment has the submission."""
