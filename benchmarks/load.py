"""The deadline rush under locust: does goat keep answering, and lose nothing, while it is attacked?

`goat up` (2 workers, the tests' small task: 32x32 images, 12 samples) takes, for `--minutes`: 200
participants each uploading a small model a few times and following it with ?wait=, reading its status and
the leaderboard; 20 uploads crawling at a byte a second; 20 uploads whose door check runs for
CHECK_TIMEOUT; and a prober of /health and the queue (benchmarks/locustfile.py). Then the queue is left to
drain, and every accepted submission must have ended. Printed: requests per second, p50/p95/p99 per
endpoint, answers by status code (a 503 with Retry-After is the service refusing work, counted apart from
a server error), accepted against ended submissions, the API's and the workers' resident memory over
time, and the targets.

    python -m benchmarks.load [--minutes 5] [--goat-src PATH]   # make bench-load

--goat-src runs goat's processes from another checkout's src/ (the baseline: the same load against an
earlier goat); the driver and the load are this checkout's.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
from sqlalchemy import func, select

from benchmarks.measure import machine_line, verdict
from goat.storage.database import session_scope
from goat.storage.submissions import SubmissionStore
from goat.storage.tables import Submission
from tests.checks.builders import function_bomb, save
from tests.support.models import depth_model
from tests.support.up import GoatUp, UpConfig

IMAGE_SIZE = 32
STATUS_P99_MS = 250
HEALTH_P99_MS = 50
DRAIN_S = 900
RSS_EVERY_S = 5.0
MB = 1e6


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--uploads-each", type=int, default=3)
    parser.add_argument("--slow-rate", type=int, default=20)
    parser.add_argument("--slow-check", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--goat-src", type=Path, help="run goat's processes from this src/ (a baseline)")
    parser.add_argument("--out", type=Path, help="keep locust's CSV files and the figures (JSON) here")
    return parser.parse_args()


@contextmanager
def rss_over_time(up: GoatUp) -> Iterator[list[tuple[float, float, float]]]:
    """(seconds since start, API MB, workers MB) every RSS_EVERY_S while the block runs: the API's tree
    (its checker processes included) and every worker's tree."""
    samples: list[tuple[float, float, float]] = []
    stop = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while not stop.wait(RSS_EVERY_S):
            children = up.children()
            workers = [process for role, process in children.items() if role.startswith("worker")]
            samples.append(
                (time.monotonic() - started, _tree_mb(children.get("api")), sum(map(_tree_mb, workers)))
            )

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


def _tree_mb(root: psutil.Process | None) -> float:
    if root is None:
        return 0.0
    total = 0
    try:
        for process in [root, *root.children(recursive=True)]:
            total += process.memory_info().rss
    except psutil.Error:
        pass
    return total / MB


def make_plan(up: GoatUp, args: argparse.Namespace, folder: Path) -> Path:
    """A team per simulated user, the models, and where locust writes the answers it counted."""
    admin = httpx.Client(base_url=up.url, headers={"Authorization": f"Bearer {up.admin_token}"}, timeout=60)
    with admin:

        def team_tokens(kind: str, count: int) -> list[str]:
            return [
                admin.post("/admin/teams", json={"name": f"{kind}-{i}"}).json()["token"] for i in range(count)
            ]

        plan = {
            "participants": args.participants,
            "uploads_each": args.uploads_each,
            "slow_rate": args.slow_rate,
            "slow_check": args.slow_check,
            "tokens": {
                "participants": team_tokens("participant", args.participants),
                "slow_rate": team_tokens("crawler", args.slow_rate),
                "slow_check": team_tokens("bomber", args.slow_check),
            },
            "model": str(depth_model(folder / "model.onnx", image_size=IMAGE_SIZE)),
            "bomb": str(save(function_bomb(40), folder / "bomb.onnx")),
            "statuses": str(folder / "statuses.json"),
        }
    path = folder / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def run_locust(up: GoatUp, plan: Path, args: argparse.Namespace, folder: Path) -> None:
    users = args.participants + args.slow_rate + args.slow_check + 1
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--host",
        up.url,
        "-u",
        str(users),
        "-r",
        "50",
        "-t",
        f"{int(args.minutes * 60)}s",
        "--csv",
        str(folder / "locust"),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--stop-timeout",
        "5",
    ]
    subprocess.run(command, env={**os.environ, "LOAD_PLAN": str(plan)}, check=True, cwd=folder)


def drain(up: GoatUp) -> tuple[Counter[str], float]:
    """Wait (at most DRAIN_S) until nothing is queued or running; the statuses then, and the wait."""
    url = f"sqlite:///{up.config.data_dir / 'goat.db'}"
    store = SubmissionStore(url)
    started = time.monotonic()
    while store.unfinished() and time.monotonic() - started < DRAIN_S:
        time.sleep(2)
    with session_scope(url) as session:
        counts = session.execute(select(Submission.status, func.count()).group_by(Submission.status)).all()
    return Counter(dict(counts)), time.monotonic() - started


def endpoint_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "locust_stats.csv").open() as stats:
        return list(csv.DictReader(stats))


def report(
    args: argparse.Namespace,
    folder: Path,
    rss: list[tuple[float, float, float]],
    ended: Counter[str],
    drained_s: float,
) -> dict:
    rows = endpoint_rows(folder)
    statuses: dict[str, int] = json.loads((folder / "statuses.json").read_text())
    accepted = sum(count for key, count in statuses.items() if key == "POST /submit/[task] 202")
    by_name = {row["Name"]: row for row in rows}
    figures = {
        "minutes": args.minutes,
        "baseline": str(args.goat_src) if args.goat_src else None,
        "endpoints": {
            row["Name"]: {
                "requests": int(row["Request Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
            }
            for row in rows
        },
        "statuses": statuses,
        "accepted": accepted,
        "ended": dict(ended),
        "drained_s": round(drained_s),
        "rss_mb": [(round(t), round(api), round(workers)) for t, api, workers in rss],
    }
    print(machine_line())
    print(f"\n{'endpoint':<24} {'requests':>8} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, row in figures["endpoints"].items():
        print(
            f"{name:<24} {row['requests']:>8} {row['rps']:>7.2f} {row['p50_ms']:>8.0f} {row['p95_ms']:>8.0f} "
            f"{row['p99_ms']:>8.0f}"
        )
    print("\nanswers by request and status:")
    for key, count in sorted(statuses.items()):
        print(f"  {key:<40} {count:>6}")
    server_errors = sum(count for key, count in statuses.items() if key.split()[-1].startswith("5"))
    busy = sum(count for key, count in statuses.items() if key.endswith(" 503"))
    unanswered = sum(count for key, count in statuses.items() if key.split()[-1] in {"error", "closed"})
    stuck = ended.get("queued", 0) + ended.get("running", 0)
    lost = accepted - sum(ended.values())
    print(f"\naccepted (202) {accepted}; rows by status after {drained_s:.0f} s of draining: {dict(ended)}")
    print("RSS (s, API tree MB, workers' trees MB):", figures["rss_mb"][:: max(1, len(rss) // 12)])
    status_p99 = by_name.get("GET /status", {}).get("99%") or "nan"
    health_p99 = by_name.get("GET /health", {}).get("99%") or "nan"
    print(f"\n5xx other than 503: {server_errors - busy}  {verdict(server_errors == busy)} target 0")
    print(f"503 (busy, Retry-After): {busy}; no answer at all: {unanswered}")
    print(f"lost {lost}, stuck {stuck}  {verdict(lost == 0 and stuck == 0)} target 0")
    print(
        f"status p99 {status_p99} ms  {verdict(float(status_p99) < STATUS_P99_MS)} target < {STATUS_P99_MS}"
    )
    print(
        f"health p99 {health_p99} ms  {verdict(float(health_p99) < HEALTH_P99_MS)} target < {HEALTH_P99_MS}"
    )
    return figures


def main() -> None:
    args = parse()
    folder = args.out or Path(tempfile.mkdtemp(prefix="goat-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    extra = {"PYTHONPATH": str(args.goat_src.resolve())} if args.goat_src else {}
    config = UpConfig(
        data_dir=folder / "data",
        image_size=IMAGE_SIZE,
        num_samples=12,
        batch_size=5,
        threads=1,
        workers=args.workers,
        extra_env=extra,
    )
    with GoatUp(config) as up:
        plan = make_plan(up, args, folder)
        with rss_over_time(up) as rss:
            run_locust(up, plan, args, folder)
            ended, drained_s = drain(up)
    figures = report(args, folder, rss, ended, drained_s)
    (folder / "figures.json").write_text(json.dumps(figures, indent=1))
    print(f"\nlocust's CSV files and figures.json in {folder}")


if __name__ == "__main__":
    main()
