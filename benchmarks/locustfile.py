"""The last hour before a challenge closes, for locust: participants, and the people who try to break it.

benchmarks/load.py (`make bench-load`) starts goat, makes a team per simulated user and the models, and
hands them over in the JSON file named by LOAD_PLAN; this file only sends requests. Every answer is
counted by request name and HTTP status (written to the plan's `statuses` file when locust quits), so a
503 with Retry-After from a full pool is told apart from a server error.

- Participant: uploads a small model (unique bytes each time) a few times, follows each submission with
  ?wait= to its end, reads its status and the leaderboard in between.
- SlowRate: an upload that sends one byte a second, again and again (the server should end it: 408).
- SlowCheck: uploads a few hundred bytes of nested functions whose door check runs for CHECK_TIMEOUT.
- Prober: GET /health and the queue status twice a second, the operator's view during the attack.
"""

from __future__ import annotations

import collections
import json
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, User, between, constant, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
STATUSES: collections.Counter[str] = collections.Counter()
"""'<request name> <status>' -> how many; 'error' where no answer came."""
FINISHED = ("completed", "failed", "cancelled")
UPLOAD = "POST /submit/[task]"
EXPECTED_UPLOAD = {200, 202, 429, 503}
"""An upload's answers that are the service working: accepted, a duplicate, a quota or queue limit, busy."""


def tokens(kind: str) -> list[str]:
    return list(PLAN["tokens"][kind])


_TOKENS = {kind: tokens(kind) for kind in ("participants", "slow_rate", "slow_check")}
_MODEL = Path(PLAN["model"]).read_bytes()
_BOMB = Path(PLAN["bomb"]).read_bytes()


def unique(model: bytes) -> bytes:
    """The model with a unique doc_string appended: protobuf merges it, so it stays the same model, but
    its bytes are new (the same bytes again would be a duplicate, evaluated once)."""
    doc = uuid.uuid4().hex.encode()
    return model + b"\x32" + bytes([len(doc)]) + doc  # ModelProto field 6 (doc_string), length-delimited


@events.request.add_listener
def _count(name: str, response: Any, exception: Any, context: dict, **_: Any) -> None:
    status = context.get("status") or getattr(response, "status_code", None) or "error"
    STATUSES[f"{name} {status}"] += 1


@events.quitting.add_listener
def _write_statuses(**_: Any) -> None:
    Path(PLAN["statuses"]).write_text(json.dumps(STATUSES, indent=1, sort_keys=True))


class _Authorised(HttpUser):
    abstract = True
    kind = ""

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {_TOKENS[self.kind].pop()}"


class Participant(_Authorised):
    fixed_count = PLAN["participants"]
    wait_time = between(2, 8)
    kind = "participants"

    def on_start(self) -> None:
        super().on_start()
        self.uploads = 0
        self.last: str | None = None

    @task(2)
    def submit_and_follow(self) -> None:
        if self.uploads >= PLAN["uploads_each"]:
            self.read_status()
            return
        self.uploads += 1
        with self.client.post(
            "/submit/task2",
            files={"file": ("model.onnx", unique(_MODEL))},
            name=UPLOAD,
            catch_response=True,
            timeout=600,
        ) as answer:
            if answer.status_code in EXPECTED_UPLOAD:
                answer.success()
        if answer.status_code == 202:
            self.last = answer.json()["submission_id"]
            self.follow(self.last)

    def follow(self, submission: str) -> None:
        """?wait= until the submission ends (or the run does)."""
        while True:
            answer = self.client.get(
                f"/submit/task2/status/{submission}?wait=30", name="GET /status?wait=30", timeout=120
            )
            if answer.status_code != 200 or answer.json()["status"] in FINISHED:
                return

    @task(1)
    def read_status(self) -> None:
        if self.last is not None:
            self.client.get(f"/submit/task2/status/{self.last}", name="GET /status", timeout=120)

    @task(2)
    def leaderboard(self) -> None:
        self.client.get("/submit/task2/leaderboard", name="GET /leaderboard", timeout=120)


class SlowCheck(_Authorised):
    fixed_count = PLAN["slow_check"]
    wait_time = constant(1)
    kind = "slow_check"

    @task
    def upload_a_slow_check(self) -> None:
        with self.client.post(
            "/submit/task2",
            files={"file": ("bomb.onnx", _BOMB)},
            name="slow-check upload",
            catch_response=True,
            timeout=3600,
        ) as answer:
            if answer.status_code in (422, 503):
                answer.success()


class SlowRate(User):
    """An upload over a socket of its own, one byte a second, until the server answers."""

    fixed_count = PLAN["slow_rate"]
    wait_time = constant(1)

    def on_start(self) -> None:
        self.token = _TOKENS["slow_rate"].pop()
        address = urlsplit(self.host)
        self.address = (address.hostname, address.port)

    @task
    def crawl(self) -> None:
        started = time.perf_counter()
        status: int | str = "unanswered"  # the run ended first
        connection = socket.create_connection(self.address, timeout=30)
        try:
            connection.sendall(
                b"POST /submit/task2 HTTP/1.1\r\nHost: goat\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\n"
                + f"Authorization: Bearer {self.token}\r\n\r\n".encode()
                + _chunk(b'--b\r\nContent-Disposition: form-data; name="file"; filename="m.onnx"\r\n\r\n')
            )
            status = _crawl_until_answered(connection)
        except OSError:
            status = "connection error"
        finally:
            connection.close()
            events.request.fire(
                request_type="RAW",
                name="slow-rate upload",
                response_time=(time.perf_counter() - started) * 1000,
                response_length=0,
                response=None,
                exception=None if status == 408 else f"answered {status}",
                context={"status": status},
            )


def _crawl_until_answered(connection: socket.socket) -> int | str:
    """A byte a second until the server answers; its status, or "closed" when it hangs up silently."""
    connection.settimeout(1.0)
    while True:
        try:
            head = connection.recv(64)
        except TimeoutError:
            connection.sendall(_chunk(b"\x08"))
            continue
        return int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else "closed"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Prober(HttpUser):
    fixed_count = 1
    wait_time = constant(0.5)

    @task
    def probe(self) -> None:
        self.client.get("/health", name="GET /health", timeout=120)
        self.client.get("/submit/queue/status", name="GET /queue/status", timeout=120)
