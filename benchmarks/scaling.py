"""Does goat scale with workers, with the queue's length and with the upload's size? Measured, in one run.

1. workers: many small submissions queued (WORKER_COUNT=0), then 1 and then 2 `goat worker`s (1 intra-op
   thread each) take them; rate = jobs / (last finished_at - first started_at), after an untimed warm-up
   drain. Target: 2 >= 1.7 x 1.
2. queue: median latency of GET /submit/task2/status/{id} and GET /submit/queue/status with 1 submission
   queued and with 1,000 (WORKER_COUNT=0, MAX_QUEUE_LENGTH above that). Target: within 1.5 x.
3. upload: a valid ~400 MB model uploaded while the API's resident memory is sampled every 50 ms, and the
   same bytes written to a new file in the same DATA_DIR (write + close, no fsync: the server does not
   fsync either; the fsync'd figure is printed too). Targets: RSS + < 64 MB; upload rate >= 50 % of the
   write rate, for the upload less the door checks (timed apart, in this process, on the same file), of
   an invalid file of the same size that is refused right after it is streamed; writes and uploads
   alternate, 3 of each, and their medians are compared.

    python benchmarks/scaling.py [--only workers|queue|upload ...] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

import models
from goat.checks import ModelRejected
from goat.checks.inspection import inspect_model
from goat.client import GoatClient, GoatError
from measure import (
    CpuUse,
    RssSampler,
    cpu_between,
    cpu_sample,
    epoch,
    machine_line,
    median,
    verdict,
    wait_for_quiet,
)
from system import GoatSystem, SystemConfig

WORKERS_TARGET = 1.7
LATENCY_TARGET = 1.5
RSS_TARGET_MB = 64.0
UPLOAD_RATE_TARGET = 0.5
MB = 1e6
CHUNK = 1 << 20


def system_config(data_dir: Path, args: argparse.Namespace) -> SystemConfig:
    """No workers (a benchmark starts its own), 1 intra-op thread, room for every queued submission."""
    return SystemConfig(
        data_dir=data_dir,
        image_size=args.image_size,
        num_samples=args.num_samples,
        threads=1,
        workers=0,
        extra_env={"MAX_QUEUE_LENGTH": str(max(args.queued, args.jobs) + 100), "LOG_LEVEL": "WARNING"},
    )


def submit_many(client: GoatClient, model: Path, count: int, *, parallel: int = 1) -> list[str]:
    def one(_: int) -> str:
        return client.submit(model)["submission_id"]

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(one, range(count)))


def quiet(args: argparse.Namespace, what: str) -> None:
    busy = wait_for_quiet(max_wait_s=args.max_quiet_wait)
    print(f"    ({what}: {busy:.2f} cores busy elsewhere when it started)")


# --- 1. workers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drain:
    jobs: int
    span_s: float
    per_job_s: float
    first_jobs_apart_s: float
    workers_seen: int
    cpu: CpuUse

    @property
    def rate(self) -> float:
        return self.jobs / self.span_s


def drain(system: GoatSystem, client: GoatClient, ids: list[str], workers: int) -> Drain:
    """Start `workers` workers on a full queue, wait until it is empty, stop them; rate from timestamps."""
    before = cpu_sample([os.getpid()])
    system.start_workers(workers)
    while True:
        queue = client.queue_status()
        if queue["queue_length"] == 0 and not queue["running"]:
            break
        time.sleep(0.5)
    cpu = cpu_between(before, cpu_sample([os.getpid()]))
    system.stop_workers()
    statuses = [client.status(i) for i in ids]
    failed = [s for s in statuses if s["status"] != "completed"]
    if failed:
        raise SystemExit(f"{len(failed)} submissions did not complete: {failed[0]['error']}")
    started = [epoch(s["started_at"]) for s in statuses]
    finished = [epoch(s["finished_at"]) for s in statuses]
    first_by_worker: dict[str, float] = {}
    for status, start in zip(statuses, started, strict=True):
        worker = status["result"]["worker_id"]
        first_by_worker[worker] = min(first_by_worker.get(worker, start), start)
    return Drain(
        jobs=len(ids),
        span_s=max(finished) - min(started),
        per_job_s=median([end - start for start, end in zip(started, finished, strict=True)]),
        first_jobs_apart_s=max(first_by_worker.values()) - min(first_by_worker.values()),
        workers_seen=len(first_by_worker),
        cpu=cpu,
    )


def bench_workers(scratch: Path, args: argparse.Namespace) -> bool:
    build = models.conv if args.model == "conv" else models.tiny
    model = build(scratch / "small.onnx", image_size=args.image_size)
    print(
        f"\n== workers: {args.jobs} queued submissions of the {args.model} model, task2 at "
        f"{args.image_size} px, {args.num_samples} samples, 1 intra-op thread per worker =="
    )
    rates = {}
    config = system_config(scratch / "workers", args)
    with GoatSystem(config) as system, GoatClient(system.url) as client:
        # The first drain of a fresh system runs slower per job (about 20 % here): warm it up, untimed.
        drain(system, client, submit_many(client, model, 4), 2)
        for workers in (1, 2):
            ids = submit_many(client, model, args.jobs)
            quiet(args, f"{workers} worker(s)")
            result = drain(system, client, ids, workers)
            rates[workers] = result.rate
            print(
                f"{workers} worker(s): {result.rate:.2f} submissions/s ({result.jobs} in "
                f"{result.span_s:.1f} s, median {result.per_job_s:.3f} s each, {result.workers_seen} "
                f"worker(s) seen, first jobs {result.first_jobs_apart_s:.2f} s apart)"
            )
            print(f"    {result.cpu.describe()}")
    speedup = rates[2] / rates[1]
    met = speedup >= WORKERS_TARGET
    print(f"2 workers / 1 worker: {speedup:.2f} x (target >= {WORKERS_TARGET}: {verdict(met)})")
    return met


# --- 2. queue ------------------------------------------------------------------------------------------


def latencies(http: httpx.Client, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        http.get(path).raise_for_status()
        times.append(time.perf_counter() - started)
    return times


def measure_reads(http: httpx.Client, ids: list[str], count: int) -> dict[str, float]:
    """Median latency per endpoint; the first submission's status, and the last's once there are many."""
    figures = {
        "status (first queued)": median(latencies(http, f"/submit/task2/status/{ids[0]}", count)),
        "queue/status": median(latencies(http, "/submit/queue/status", count)),
    }
    if len(ids) > 1:
        figures["status (last queued)"] = median(latencies(http, f"/submit/task2/status/{ids[-1]}", count))
    return figures


def bench_queue(system: GoatSystem, client: GoatClient, model: Path, args: argparse.Namespace) -> bool:
    print(f"\n== queue: read latency with 1 and with {args.queued} submissions queued (no workers) ==")
    with httpx.Client(base_url=system.url, timeout=30.0) as http:
        ids = submit_many(client, model, 1)
        latencies(http, f"/submit/task2/status/{ids[0]}", 20)  # a warm connection and API
        quiet(args, "1 queued")
        one = measure_reads(http, ids, args.requests)
        started = time.perf_counter()
        ids += submit_many(client, model, args.queued - 1, parallel=4)
        elapsed = time.perf_counter() - started
        print(
            f"queued {args.queued - 1} more in {elapsed:.1f} s ({(args.queued - 1) / elapsed:.1f} uploads/s)"
        )
        length = client.queue_status()["queue_length"]
        quiet(args, f"{length} queued")
        many = measure_reads(http, ids, args.requests)
    met = True
    for name, base in one.items():
        ratio = many[name] / base
        met &= ratio <= LATENCY_TARGET
        print(
            f"{name:22s} {base * 1000:6.2f} ms with 1 queued, {many[name] * 1000:6.2f} ms with {length}: "
            f"{ratio:.2f} x (target <= {LATENCY_TARGET}: {verdict(ratio <= LATENCY_TARGET)})"
        )
    last = many["status (last queued)"]
    print(f"{'status (last queued)':22s} {last * 1000:6.2f} ms with {length} (medians of {args.requests})")
    return met


# --- 3. upload -----------------------------------------------------------------------------------------


def write_seconds(data: bytes, target: Path, *, fsync: bool) -> float:
    """Seconds to write `data` to a new file in 1 MiB chunks (the server's flush size) and close it."""
    view = memoryview(data)
    started = time.perf_counter()
    with target.open("wb") as handle:
        for offset in range(0, len(view), CHUNK):
            handle.write(view[offset : offset + CHUNK])
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


@dataclass(frozen=True)
class Upload:
    seconds: float
    outcome: str
    before: int
    peak: int
    after: int
    samples: int

    @property
    def grown_mb(self) -> float:
        return (self.peak - self.before) / MB


def upload_once(system: GoatSystem, client: GoatClient, path: Path) -> Upload:
    """POST the file while sampling the API's RSS; 'after' is read 1 s after the POST returns."""
    api = system.api_process()
    before = api.memory_info().rss
    with RssSampler(api.pid) as sampler:
        started = time.perf_counter()
        try:
            client.submit(path)
            outcome = "accepted"
        except GoatError as error:
            outcome = f"refused ({error.status_code})"
        elapsed = time.perf_counter() - started
        time.sleep(1.0)
    return Upload(elapsed, outcome, before, sampler.peak, api.memory_info().rss, sampler.samples)


def door_checks_s(path: Path, image_size: int) -> float:
    """inspect_model on the file in this process: what the API's checker process spends on it."""
    started = time.perf_counter()
    with contextlib.suppress(ModelRejected):
        inspect_model(path, channels=3, image_size=image_size)
    return time.perf_counter() - started


def print_upload(name: str, r: Upload, *, size: int, write_s: float, checks_s: float) -> None:
    streaming = r.seconds - checks_s
    print(
        f"{name}: {r.outcome} after {r.seconds:.3f} s ({size / MB / r.seconds:.0f} MB/s, "
        f"{write_s / r.seconds:.2f} of the write rate); door checks alone {checks_s:.3f} s, so the upload "
        f"{streaming:.3f} s ({write_s / streaming:.2f} of the write rate)"
    )
    print(
        f"    API RSS {r.before / MB:.0f} -> peak {r.peak / MB:.0f} -> {r.after / MB:.0f} MB after "
        f"({r.samples} samples): +{r.grown_mb:.1f} MB (target < {RSS_TARGET_MB:.0f}: "
        f"{verdict(r.grown_mb < RSS_TARGET_MB)})"
    )


def bench_upload(system: GoatSystem, client: GoatClient, scratch: Path, args: argparse.Namespace) -> bool:
    """Writes and uploads of the invalid file alternate (3 of each; medians): the page cache's state, which
    changes a 400 MB write's speed by 2 x here, is then the same for both. Then the valid model, once."""
    valid = models.padded(scratch / "padded.onnx", image_size=args.image_size, megabytes=args.upload_mb)
    size = valid.stat().st_size
    invalid = models.not_a_model(scratch / "not_a_model.onnx", size_bytes=size)
    target = system.config.data_dir / "write-test.bin"
    print(
        f"\n== upload: {size / MB:.1f} MB, the API's RSS sampled every 50 ms, in {system.config.data_dir} =="
    )
    data = valid.read_bytes()
    checks = door_checks_s(invalid, args.image_size)
    writes: list[float] = []
    uploads: list[Upload] = []
    for _ in range(args.upload_repeats):
        quiet(args, "a write, then an upload of the invalid file")
        writes.append(write_seconds(data, target, fsync=False))
        uploads.append(upload_once(system, client, invalid))
    synced = write_seconds(data, target, fsync=True)
    del data
    plain = median(writes)
    print(
        f"write + close {plain:.3f} s, median of {', '.join(f'{w:.3f}' for w in writes)} "
        f"({size / MB / plain:.0f} MB/s); write + fsync + close {synced:.3f} s "
        f"({size / MB / synced:.0f} MB/s); the upload is compared with write + close"
    )
    middle = sorted(uploads, key=lambda u: u.seconds)[len(uploads) // 2]
    print(f"not a model, POSTs: {', '.join(f'{u.seconds:.3f}' for u in uploads)} s; the median:")
    print_upload("not a model", middle, size=size, write_s=plain, checks_s=checks)
    ratio = plain / (middle.seconds - checks)
    grown = max(u.grown_mb for u in uploads)
    print(
        f"    upload rate / write rate {ratio:.2f} (the POST less the door checks) "
        f"(target >= {UPLOAD_RATE_TARGET}: {verdict(ratio >= UPLOAD_RATE_TARGET)})"
    )
    checks_valid = door_checks_s(valid, args.image_size)
    quiet(args, "valid model")
    r = upload_once(system, client, valid)
    print_upload("valid model", r, size=size, write_s=plain, checks_s=checks_valid)
    return ratio >= UPLOAD_RATE_TARGET and max(grown, r.grown_mb) < RSS_TARGET_MB


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["workers", "queue", "upload"], action="append")
    parser.add_argument("--image-size", type=int, default=448)
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--model", choices=["tiny", "conv"], default="tiny", help="the small submission")
    parser.add_argument("--jobs", type=int, default=32, help="small submissions per worker count")
    parser.add_argument("--queued", type=int, default=1000, help="submissions queued for the read latencies")
    parser.add_argument("--requests", type=int, default=100, help="requests per latency median")
    parser.add_argument("--upload-mb", type=float, default=400.0)
    parser.add_argument(
        "--upload-repeats", type=int, default=3, help="writes and invalid uploads, alternated"
    )
    parser.add_argument("--max-quiet-wait", type=float, default=20.0, help="seconds to wait for a quiet CPU")
    parser.add_argument("--quick", action="store_true", help="16 jobs, 250 queued, 50 requests, 200 MB once")
    args = parser.parse_args()
    if args.quick:
        args.jobs, args.queued, args.requests, args.upload_mb, args.upload_repeats = 16, 250, 50, 200.0, 1
    return args


def main() -> None:
    args = parse_args()
    wanted = set(args.only or ["workers", "queue", "upload"])
    print(machine_line())
    met: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="goat-bench-") as name:
        scratch = Path(name)
        if "workers" in wanted:
            met["workers"] = bench_workers(scratch, args)
        if wanted & {"queue", "upload"}:
            with (
                GoatSystem(system_config(scratch / "queue", args)) as system,
                GoatClient(system.url, timeout=900) as client,
            ):
                tiny = models.tiny(scratch / "tiny.onnx", image_size=args.image_size)
                if "queue" in wanted:
                    met["queue"] = bench_queue(system, client, tiny, args)
                if "upload" in wanted:
                    met["upload"] = bench_upload(system, client, scratch, args)
    print("\n" + ", ".join(f"{name}: {verdict(ok)}" for name, ok in met.items()))


if __name__ == "__main__":
    main()
