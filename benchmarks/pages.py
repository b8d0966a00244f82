"""Are the web pages fast with a real history? Each page's time, with 1,000 submissions in the database.

`goat up` (no workers) in a temporary DATA_DIR; 50 teams made over HTTP; 1,000 submissions of task2
written to its database (200 of them the first team's, which its "My submissions" page lists in full,
as the organiser's page lists the newest 200; 850 completed with a full result, 100 failed, 50
cancelled). Then each page is fetched over loopback by a signed-in client (or an anonymous one, as a
visitor would), a few times untimed and then `--requests` times: the time from sending the request to
the last byte read, an upper bound of the server's rendering time. Target: every page's median under
100 ms (the p95 is printed too: on a machine other work keeps busy, it measures the scheduler as well).

    python -m benchmarks.pages [--requests 30] [--submissions 1000]
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from statistics import median, quantiles

import httpx

from benchmarks.measure import machine_line, verdict, wait_for_quiet
from goat.storage.database import session_scope
from goat.storage.submissions import COMPLETED, NewSubmission, new_row, utcnow
from goat.storage.teams import TeamStore
from goat.tasks.depth.task import TASK2
from tests.support.up import GoatUp, UpConfig

TARGET_MS = 100.0
TEAMS = 50
FIRST_TEAMS_SHARE = 200


def result_of(score: float, rng: random.Random) -> dict:
    """A stored result as a worker writes it: every metric of task2, performance figures, no previews."""
    metrics = {name: rng.random() for name in TASK2.metrics}
    metrics[TASK2.score_metric] = score
    return {
        "score": score,
        "metrics": metrics,
        "performance": {
            "inference_time_s": 1.5,
            "throughput_ips": 64.0,
            "latency_ms_p50": 120.0,
            "latency_ms_p95": 130.0,
            "batch_size": 8,
            "num_samples": 96,
            "provider": "CUDAExecutionProvider",
            "device": "cuda:0",
            "load_time_s": 0.8,
            "transfer_time_s": 0.05,
            "scoring_time_s": 0.02,
            "queue_wait_s": 0.3,
        },
        "worker_id": "worker-1",
        "previews": 0,
    }


def fill(database_url: str, team_ids: list[tuple[int, str]], count: int) -> str:
    """`count` finished submissions, the first team's share first; returns one completed id of it."""
    rng = random.Random(0)
    now = utcnow()
    rows = []
    for index in range(count):
        team_id, team = (
            team_ids[0] if index < FIRST_TEAMS_SHARE else team_ids[1 + index % (len(team_ids) - 1)]
        )
        row = new_row(
            NewSubmission(
                id=f"sub_{1_700_000_000 + index}_{index:08x}",
                task="task2",
                participant=team,
                team_id=team_id,
                model_sha256=f"{index:064x}",
                model_size_bytes=99_000_000,
                filename="model.onnx",
                model_info={},
            )
        )
        row.created_at = now - timedelta(minutes=count - index)
        row.started_at = row.created_at + timedelta(seconds=1)
        row.finished_at = row.started_at + timedelta(seconds=3)
        row.attempts = 1
        kind = index % 20
        if kind < 17:
            score = rng.random()
            row.status, row.score, row.result = COMPLETED, score, result_of(score, rng)
        elif kind < 19:
            row.status, row.error, row.failure = "failed", "the model ran out of its time limit", "model"
        else:
            row.status, row.error = "cancelled", f"cancelled by {team}"
        rows.append(row)
    with session_scope(database_url) as session:
        session.add_all(rows)
    return rows[0].id


def sign_in(client: httpx.Client, token: str) -> None:
    """As a browser does: the form's CSRF token, then the token, and the session cookie kept."""
    form = client.get("/signin").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert csrf, form
    answer = client.post("/signin", data={"token": token, "csrf_token": csrf.group(1)})
    assert answer.status_code == 303, answer.text


def timed(client: httpx.Client, path: str, requests: int) -> list[float]:
    for _ in range(3):
        client.get(path).raise_for_status()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--max-quiet-wait", type=float, default=30.0)
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory() as scratch:
        config = UpConfig(
            data_dir=Path(scratch),
            image_size=32,
            num_samples=12,
            threads=1,
            workers=0,
            extra_env={"LOG_LEVEL": "WARNING", "DATASET_SEED": "0"},
        )
        with GoatUp(config) as system, httpx.Client(base_url=system.url, timeout=30) as http:
            admin = {"Authorization": f"Bearer {system.admin_token}"}
            tokens = [
                http.post("/admin/teams", json={"name": f"team-{i:02d}"}, headers=admin).json()["token"]
                for i in range(TEAMS)
            ]
            url = f"sqlite:///{Path(scratch) / 'goat.db'}"
            teams = TeamStore(url)
            ids = [(team.id, team.name) for team in teams.all() if team.name.startswith("team-")]
            submission = fill(url, sorted(ids, key=lambda pair: pair[1]), args.submissions)
            pages = [
                ("tasks (/)", "/", None),
                ("sign in", "/signin", None),
                ("submit", "/upload", tokens[0]),
                (f"my submissions ({FIRST_TEAMS_SHARE})", "/submissions", tokens[0]),
                ("a submission", f"/submissions/{submission}", tokens[0]),
                ("leaderboard", "/leaderboards/task2", None),
                ("queue (organiser)", "/queue", system.admin_token),
                ("admin", "/admin", system.admin_token),
                ("admin, duplicates", "/admin?duplicates=true", system.admin_token),
            ]
            busy = wait_for_quiet(max_wait_s=args.max_quiet_wait)
            print(
                f"{args.submissions} submissions, {TEAMS} teams; {busy:.2f} cores busy elsewhere at the start"
            )
            print(f"{'page':28s} {'median':>9s} {'p95':>9s}  median / {TARGET_MS:.0f} ms")
            worst = 0.0
            for name, path, token in pages:
                with httpx.Client(base_url=system.url, timeout=30) as client:
                    if token is not None:
                        sign_in(client, token)
                    times = timed(client, path, args.requests)
                middle, p95 = median(times), quantiles(times, n=20)[-1]
                worst = max(worst, middle)
                print(f"{name:28s} {middle:6.1f} ms {p95:6.1f} ms  {middle / TARGET_MS:.2f}")
            met = verdict(worst < TARGET_MS)
            print(f"slowest page's median: {worst:.1f} ms (target < {TARGET_MS:.0f} ms: {met})")


if __name__ == "__main__":
    main()
