"""A typed client for goat's HTTP API: what `goat submit`, `test_api.py` and the tests use."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

FINISHED = ("completed", "failed", "cancelled")
_LONG_POLL_S = 30.0
"""Below the API's limit of 60 s and any proxy's idle timeout."""
_RECONNECT_S = 1.0


class GoatError(Exception):
    """The server refused a request; `status_code` and the server's `detail` say why."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class GoatClient:
    def __init__(
        self,
        base_url: str = "http://localhost:8000",
        *,
        token: str | None = None,
        timeout: float = 600.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`token`: a team's or the organiser's, sent as `Authorization: Bearer` with every request;
        `transport`: another way to the API than TCP (httpx.HTTPTransport(uds=...): a Unix socket)."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        self.http = httpx.Client(base_url=base_url, timeout=timeout, headers=headers, transport=transport)

    def __enter__(self) -> GoatClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def health(self) -> dict[str, Any]:
        return self._json(self.http.get("/health"))

    def submit_health(self) -> dict[str, Any]:
        return self._json(self.http.get("/submit/health"))

    def submit(self, model: Path, *, task: str = "task2", name: str | None = None) -> dict[str, Any]:
        """Uploads the file as it is read (no copy in memory) and returns the SubmissionResponse.

        `name` (a participant or team) is what the leaderboard shows.
        """
        with model.open("rb") as handle:
            response = self.http.post(
                f"/submit/{task}", files={"file": (model.name, handle)}, data={"name": name} if name else None
            )
        return self._json(response)

    def leaderboard(self, *, task: str = "task2", limit: int = 100) -> dict[str, Any]:
        return self._json(self.http.get(f"/submit/{task}/leaderboard", params={"limit": limit}))

    def status(self, submission_id: str, *, task: str = "task2", wait: float = 0.0) -> dict[str, Any]:
        """The submission's status; with `wait`, once it next changes (at most `wait` seconds later)."""
        params = {"wait": wait} if wait else None
        return self._json(self.http.get(f"/submit/{task}/status/{submission_id}", params=params))

    def queue_status(self) -> dict[str, Any]:
        return self._json(self.http.get("/submit/queue/status"))

    def cancel(self, submission_id: str, *, task: str = "task2") -> dict[str, Any]:
        """Cancels a queued or running submission of the caller's team; returns its status (cancelled)."""
        return self._json(self.http.delete(f"/submit/{task}/{submission_id}"))

    def me(self) -> dict[str, Any]:
        """The token's team and its submissions."""
        return self._json(self.http.get("/me"))

    def add_team(self, name: str) -> dict[str, Any]:
        """The organiser's: a new team; the answer holds its token, which is never shown again."""
        return self._json(self.http.post("/admin/teams", json={"name": name}))

    def reveal(self, task: str) -> dict[str, Any]:
        """The organiser's: rank the task by the private score from now on, showing both."""
        return self._json(self.http.post(f"/admin/tasks/{task}/reveal"))

    def teams(self) -> list[dict[str, Any]]:
        return self._json(self.http.get("/admin/teams"))

    def new_team_token(self, name: str) -> dict[str, Any]:
        """A new token for the team; its old one stops working."""
        return self._json(self.http.post(f"/admin/teams/{_quoted(name)}/token"))

    def shared_models(self) -> list[dict[str, Any]]:
        """The organiser's: models submitted by more than one team, with each team's submissions."""
        return self._json(self.http.get("/admin/submissions", params={"duplicates": "true"}))["models"]

    def revoke_team(self, name: str) -> dict[str, Any]:
        return self._json(self.http.delete(f"/admin/teams/{_quoted(name)}"))

    def rerun(self, submission_id: str) -> dict[str, Any]:
        """The organiser's: evaluate a finished submission's model again, as a new submission."""
        return self._json(self.http.post(f"/admin/submissions/{submission_id}/rerun"))

    def wait(
        self,
        submission_id: str,
        *,
        task: str = "task2",
        timeout: float = 3600.0,
        on_status: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Follows the submission until it is completed, failed or cancelled; returns its final status.

        Each request waits on the server for the next change (a batch done, a new status), so the end is
        seen the moment it is stored and a long evaluation costs the API one request per change.
        """
        deadline = time.monotonic() + timeout
        current = self.status(submission_id, task=task)
        while True:
            if on_status:
                on_status(current)
            if current["status"] in FINISHED:
                return current
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{submission_id} still {current['status']} after {timeout:.0f} s")
            try:
                current = self.status(submission_id, task=task, wait=min(remaining, _LONG_POLL_S))
            except httpx.TransportError:
                time.sleep(_RECONNECT_S)  # the API restarting: the submission is safe, ask again

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        if response.is_success:
            return response.json()
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise GoatError(response.status_code, str(detail))


def _quoted(name: str) -> str:
    """A team name as one path segment: any character (a '/', a '?') survives the trip."""
    return quote(name, safe="")
