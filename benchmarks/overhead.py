"""goat's overhead against the floor, in one run: the same model through bare ONNX Runtime and through goat.

The floor (benchmarks/floor.py, its own process) creates the session with goat's options and threads and
runs goat's preprocessed test set in goat's batches, scoring nothing. goat is the whole product started
with `goat up --workers 1` (one idle worker, the same threads), the model uploaded over HTTP and timed by
the client from the first byte of the upload to the moment it reads `completed`. Before timing, one tiny
submission warms the system up (the test-set cache is built, the checker process and SQLite are ready).

Printed: both times, their ratio, and goat's own breakdown, from the client's clock, the submission's
timestamps, RQ's job timestamps and the result's performance figures (one clock: one machine).

    python -m benchmarks.overhead --model seed.onnx --image-size 448 --num-samples 32 --threads 2 --rounds 2
    python -m benchmarks.overhead --model tiny --image-size 448 --num-samples 16 --threads 2 --rounds 4
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import models
from benchmarks.floor import FloorResult
from benchmarks.measure import (
    CpuUse,
    cpu_between,
    cpu_sample,
    epoch,
    intake_sums,
    machine_line,
    tree_cpu_s,
    verdict,
    wait_for_quiet,
)
from goat.client import GoatClient
from goat.queue.connection import connect
from goat.queue.jobs import fetch_job
from goat.tasks.base import DatasetParams
from goat.tasks.depth.task import TASK2
from tests.support.up import GoatUp, UpConfig

HERE = Path(__file__).resolve().parent
RATIO_TARGET = 1.05
TINY_EXCESS_TARGET_S = 0.5
DISPATCH_TARGET_S = 0.2
SEED_IMAGES, SEED_SECONDS = 96, 4.2
"""The seed's figure: its 96-image test set in 4.2 s on an A40."""


@dataclass(frozen=True)
class GoatRun:
    """One submission, timed: wall-clock epochs (time.time) of the client and of goat's processes."""

    upload_started: float
    post_returned: float
    seen_completed: float
    status: dict[str, Any]
    rq: dict[str, float]
    intake: dict[str, float]
    """The API's own time per intake stage (goat_intake_seconds): receive, sync, checks."""
    cpu: CpuUse
    goat_cpu_s: float

    def at(self, name: str) -> float:
        return epoch(self.status[name])

    @property
    def e2e_s(self) -> float:
        return self.seen_completed - self.upload_started

    @property
    def e2e_to_finished_s(self) -> float:
        return self.at("finished_at") - self.upload_started

    @property
    def performance(self) -> dict[str, Any]:
        return self.status["result"]["performance"]


def run_floor_process(system: GoatUp, model: Path, args: argparse.Namespace) -> tuple[FloorResult, CpuUse]:
    """benchmarks/floor.py in goat's environment and directory, so its settings are goat's settings."""
    command = [
        sys.executable, str(HERE / "floor.py"), str(model),
        "--image-size", str(args.image_size), "--num-samples", str(args.num_samples),
        "--threads", str(args.threads), "--batch-size", str(args.batch_size),
        "--cache-dir", str(system.config.data_dir / "cache"), "--provider", args.provider,
    ]  # fmt: skip
    before = cpu_sample([os.getpid()])
    done = subprocess.run(
        command, capture_output=True, text=True, env=system.env(), cwd=system.config.data_dir
    )
    after = cpu_sample([os.getpid()])
    if done.returncode:
        raise SystemExit(f"the floor failed:\n{done.stderr}")
    return FloorResult(**json.loads(done.stdout.strip().splitlines()[-1])), cpu_between(before, after)


def rq_times(system: GoatUp, submission_id: str) -> dict[str, float]:
    """RQ's own enqueued/started/ended times of the job (job id = submission id), read from Redis."""
    connection = connect(system.redis_url)
    try:
        job = fetch_job(connection, submission_id)
        stamps = {"enqueued": job.enqueued_at, "started": job.started_at, "ended": job.ended_at}
        return {name: epoch(value) for name, value in stamps.items() if value is not None}
    finally:
        connection.close()


def submit_timed(system: GoatUp, client: GoatClient, model: Path) -> GoatRun:
    before = cpu_sample([os.getpid()])
    goat_before = tree_cpu_s(system.pids())
    sums = intake_sums(client.http)
    with models.made_unique(model):  # the same bytes again would be a duplicate, evaluated never
        upload_started = time.time()
        accepted = client.submit(model)
        post_returned = time.time()
    intake = {stage: total - sums.get(stage, 0.0) for stage, total in intake_sums(client.http).items()}
    status = client.wait(accepted["submission_id"])
    seen_completed = time.time()
    cpu = cpu_between(before, cpu_sample([os.getpid()]))
    if status["status"] != "completed":
        raise SystemExit(f"the submission failed: {status['error']}")
    return GoatRun(
        upload_started=upload_started,
        post_returned=post_returned,
        seen_completed=seen_completed,
        status=status,
        rq=rq_times(system, accepted["submission_id"]),
        intake=intake,
        cpu=cpu,
        goat_cpu_s=tree_cpu_s(system.pids()) - goat_before,
    )


def breakdown(run: GoatRun) -> list[tuple[str, float, str]]:
    """A timeline from the first byte of the upload; each row is one interval, so the rows add up to e2e."""
    perf = run.performance
    created, started, finished = run.at("created_at"), run.at("started_at"), run.at("finished_at")
    enqueued, rq_started = run.rq.get("enqueued", created), run.rq.get("started", started)
    transfer = perf.get("transfer_time_s", 0.0)
    receive, checked = run.intake["receive"], max(run.intake["checks"], run.intake["sync"])
    rest = (
        finished
        - started
        - perf["load_time_s"]
        - transfer
        - perf["inference_time_s"]
        - perf["scoring_time_s"]
    )
    return [
        ("upload", receive, "the API's receive stage: first body byte to the file written"),
        ("door checks | fsync", checked, "the API's checks and sync stages, side by side: the longer"),
        ("request + rename", created - run.upload_started - receive - checked, "to created_at: the rest"),
        ("record + enqueue", enqueued - created, "SQL row, then RQ job (created_at -> RQ enqueued_at)"),
        ("dispatch + process start", rq_started - enqueued, "worker wakes, forks the evaluation process"),
        ("job start", started - rq_started, "in the process: import job, DB engine, mark running"),
        ("session creation", perf["load_time_s"], "performance.load_time_s"),
        ("input placement", transfer, "performance.transfer_time_s (batches as OrtValues)"),
        ("inference", perf["inference_time_s"], "performance.inference_time_s"),
        ("scoring", perf["scoring_time_s"], "performance.scoring_time_s"),
        ("bookkeeping + storage", rest, "finished_at - started_at - the four above, + scoring hidden"),
        ("completion seen", run.seen_completed - finished, "client poll latency after finished_at"),
    ]


def print_round(index: int, floor: FloorResult, floor_cpu: CpuUse, run: GoatRun) -> None:
    print(
        f"round {index}: floor {floor.with_session_s:.3f} s with session ({floor.session_s:.3f} + "
        f"{floor.inference_s:.3f}), {floor.inference_s:.3f} s without; goat e2e {run.e2e_s:.3f} s "
        f"(to finished_at {run.e2e_to_finished_s:.3f} s); ratio {run.e2e_s / floor.with_session_s:.3f}"
    )
    print(
        f"    floor: {floor.batches} batches of {floor.batch_size}, {floor.provider}; {floor_cpu.describe()}"
    )
    print(f"    goat:  {run.cpu.describe()}; goat's processes {run.goat_cpu_s:.1f} core-s")


def report(label: str, floors: list[FloorResult], runs: list[GoatRun], *, tiny: bool) -> None:
    n = len(runs)
    floor_with = sum(f.with_session_s for f in floors) / n
    floor_without = sum(f.inference_s for f in floors) / n
    e2e = sum(r.e2e_s for r in runs) / n
    ratio, excess = e2e / floor_with, e2e - floor_with
    # Inference is the same session on the same batches in both; on a shared machine it is also the
    # noisiest part. goat's time outside inference, added to the floor, gives the ratio without that noise.
    outside = sum(r.e2e_s - r.performance["inference_time_s"] for r in runs) / n
    steady = (floor_with + outside - sum(f.session_s for f in floors) / n) / floor_with
    dispatch = max(r.performance["queue_wait_s"] for r in runs)
    samples = floors[-1].samples
    ratio_target = f"   (target <= {RATIO_TARGET}: {verdict(ratio <= RATIO_TARGET)})"
    excess_target = f"   (target <= {TINY_EXCESS_TARGET_S} s: {verdict(excess <= TINY_EXCESS_TARGET_S)})"
    print(f"\n== {label}: {n} round(s), means per round ==")
    print(f"floor with session creation      {floor_with:9.3f} s")
    print(f"floor without session creation   {floor_without:9.3f} s")
    print(f"goat end to end (client)         {e2e:9.3f} s")
    print(f"e2e / floor-with-session         {ratio:9.3f}{'' if tiny else ratio_target}")
    print(f"e2e / floor-without-session      {e2e / floor_without:9.3f}")
    print(f"e2e - floor-with-session         {excess:9.3f} s{excess_target if tiny else ''}")
    print(f"goat outside inference           {outside:9.3f} s  (e2e - performance.inference_time_s)")
    print(f"ratio with equal inference       {steady:9.3f}    (floor + goat's time outside inference)")
    print(
        f"submit-to-running (queue_wait_s) {dispatch:9.3f} s   (worst of {n}; target <= "
        f"{DISPATCH_TARGET_S} s: {verdict(dispatch <= DISPATCH_TARGET_S)})"
    )
    goat_ips = sum(r.performance["throughput_ips"] for r in runs) / n
    print(
        f"images/s: floor {samples / floor_without:.2f} (inference), {samples / floor_with:.2f} (with "
        f"session); goat {goat_ips:.2f} (inference), {samples / e2e:.2f} (end to end)"
    )
    last = runs[-1].performance
    print(f"provider: floor {floors[-1].provider}; goat {last['provider']} on {last['device']}")
    if not tiny:
        seed = SEED_IMAGES / SEED_SECONDS
        print(
            f"the seed: {SEED_IMAGES} images in {SEED_SECONDS} s on an A40 = {seed:.2f} images/s; "
            f"goat end to end {samples / e2e / seed:.2f} x that, floor {samples / floor_with / seed:.2f} x"
        )
    print_breakdown(runs)


def print_breakdown(runs: list[GoatRun]) -> None:
    """One column per round, then the mean; the rows of a column add up to that round's e2e."""
    tables = [breakdown(run) for run in runs]
    rounds = "".join(f"{f'round {i + 1}':>10s}" for i in range(len(runs)))
    print(f"\ngoat's breakdown, seconds  {rounds}{'mean':>10s}  what")
    for row, (name, _, meaning) in enumerate(tables[0]):
        values = [table[row][1] for table in tables]
        cells = "".join(f"{value:10.3f}" for value in values)
        print(f"  {name:24s}{cells}{sum(values) / len(values):10.3f}  {meaning}")
    returned = "".join(f"{run.post_returned - run.upload_started:10.3f}" for run in runs)
    print(f"  {'(POST returned at)':24s}{returned}")


def measure_rounds(
    system: GoatUp, client: GoatClient, model: Path, args: argparse.Namespace
) -> tuple[list[FloorResult], list[GoatRun]]:
    """Floor and goat alternately in ABBA order (F G, G F, G F, F G, ...), so drift cancels out."""
    floors: list[FloorResult] = []
    runs: list[GoatRun] = []
    for index in range(args.rounds):
        order = ("floor", "goat") if index % 4 in (0, 3) else ("goat", "floor")
        floor_cpu: CpuUse | None = None
        for what in order:
            quiet = wait_for_quiet(max_wait_s=args.max_quiet_wait)
            print(f"    ({what}: {quiet:.2f} cores busy elsewhere when it started)")
            if what == "floor":
                floor, floor_cpu = run_floor_process(system, model, args)
                floors.append(floor)
            else:
                runs.append(submit_timed(system, client, model))
        assert floor_cpu is not None
        print_round(index + 1, floors[-1], floor_cpu, runs[-1])
    return floors, runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="an .onnx file, or 'tiny' to build one")
    parser.add_argument("--image-size", type=int, default=448)
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="INTRA_OP_THREADS")
    parser.add_argument("--batch-size", type=int, default=8, help="BATCH_SIZE, for a symbolic batch")
    parser.add_argument("--rounds", type=int, default=1, help="floor/goat pairs, in ABBA order")
    parser.add_argument("--provider", choices=["cpu", "cuda"], default="cpu", help="EXECUTION_PROVIDER")
    parser.add_argument("--max-quiet-wait", type=float, default=20.0, help="seconds to wait for a quiet CPU")
    parser.add_argument("--quick", action="store_true", help="8 samples, one round")
    parser.add_argument(
        "--previews",
        type=int,
        default=2,
        help="PREVIEW_SAMPLES (the recorded runs: 2; the service's default: 4)",
    )
    args = parser.parse_args()
    if args.quick:
        args.num_samples, args.rounds = min(args.num_samples, 8), 1
    return args


def main() -> None:
    args = parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="goat-bench-") as scratch:
        data_dir = Path(scratch) / "data"
        tiny = models.tiny(Path(scratch) / "tiny.onnx", image_size=args.image_size)
        model = tiny if args.model == "tiny" else Path(args.model).resolve()
        cache_dir = data_dir / "cache"
        TASK2.load_test_set(
            DatasetParams(
                image_size=args.image_size, num_samples=args.num_samples, seed=0, cache_dir=cache_dir
            )
        )
        config = UpConfig(
            data_dir=data_dir,
            image_size=args.image_size,
            num_samples=args.num_samples,
            threads=args.threads,
            workers=1,
            batch_size=args.batch_size,
            provider=args.provider,
            # The floor's test set (seed 0), and the previews asked for.
            extra_env={"PREVIEW_SAMPLES": str(args.previews), "DATASET_SEED": "0"},
        )
        label = f"{model.name} ({model.stat().st_size / 1e6:.1f} MB)"
        print(
            f"{label}: task2 at {args.image_size} px, {args.num_samples} samples, {args.threads} intra-op "
            f"threads, EXECUTION_PROVIDER={args.provider}, PREVIEW_SAMPLES={args.previews}; "
            f"goat: `goat up --workers 1` in {data_dir}"
        )
        started = time.perf_counter()
        with GoatUp(config) as system, GoatClient(system.url, token=system.admin_token) as client:
            print(f"goat up: ready in {time.perf_counter() - started:.1f} s")
            warm = time.perf_counter()
            client.wait(client.submit(tiny)["submission_id"])
            print(f"warm-up: one tiny submission, completed in {time.perf_counter() - warm:.2f} s (untimed)")
            floors, runs = measure_rounds(system, client, model, args)
        report(label, floors, runs, tiny=args.model == "tiny")


if __name__ == "__main__":
    main()
