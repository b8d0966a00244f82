"""Workers across hosts, measured in one run: network namespaces stand in for the hosts
(tests/support/netns.py; root only). Host A runs Redis, PostgreSQL and the API; worker hosts join with
`goat worker-join`'s command.

1. scaling: JOBS submissions queued at once (each its own model bytes, so each is fetched by the host that
   takes it), taken by 1, 2 and then 4 worker hosts (one worker of 1 intra-op thread each);
   rate = jobs / (last finished_at - first started_at). The model is `--model` (the seed-sized one, built
   by benchmarks/seed_model.py, fixed batch 8), or a small conv model.
2. fetch: that model, or with the conv model one padded to MEGABYTES, fetched by a worker host from the
   API on first use (streamed, hashed, renamed into its cache), then found in the cache; against the
   floor of reading and hashing the same bytes from a local file.

    python -m benchmarks.cluster [--model seed.onnx] [--image-size 224] [--num-samples 16] [--jobs 16]
        [--megabytes 100]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from benchmarks import models
from benchmarks.measure import machine_line
from benchmarks.scaling import submit_many
from goat.worker.api import WorkerApi
from goat.worker.model_cache import ModelCache
from tests.support.cluster import Cluster
from tests.support.netns import Hosts, require_netns

WORKER_HOSTS = ("b", "c", "d", "e")


def drain_rate(cluster: Cluster, model: Path, jobs: int) -> tuple[float, set[str]]:
    """Jobs per second over the drain of `jobs` submissions, and the hosts that took them."""
    ids = submit_many(cluster.client, model, jobs)
    finals = [cluster.client.wait(submission, timeout=1800) for submission in ids]
    failed = [f for f in finals if f["status"] != "completed"]
    if failed:
        raise SystemExit(f"{len(failed)} submissions did not complete: {failed[0]}")
    started = min(datetime.fromisoformat(f["started_at"]) for f in finals)
    finished = max(datetime.fromisoformat(f["finished_at"]) for f in finals)
    return jobs / (finished - started).total_seconds(), {f["result"]["worker_id"] for f in finals}


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def fetch_on_host(cluster: Cluster, host: str, sha256: str, cache: Path) -> str:
    """This module's `fetch` run on `host`, as its worker would fetch: its printed figures."""
    given = cluster.join_command()
    command = [*cluster.hosts.exec_prefix(host), sys.executable, "-m", "benchmarks.cluster", "fetch"]
    command += [given["API_URL"], given["WORKER_TOKEN"], sha256, str(cache)]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout


def fetch(api_url: str, token: str, sha256: str, cache_dir: str) -> None:
    """On the worker host: the first use (fetch + verify + rename), then the cache."""
    cache = ModelCache(Path(cache_dir), max_bytes=10**12, fetch=WorkerApi(api_url, lambda: token).model)
    first = timed(lambda: cache.path_for(sha256))
    cached = timed(lambda: cache.path_for(sha256))
    path = cache.path_for(sha256)
    floor = timed(lambda: hashlib.sha256(path.read_bytes()).hexdigest())
    size = path.stat().st_size / 1e6
    print(f"  model: {size:.1f} MB")
    print(f"  first use (fetch over the veth, hash, rename): {first:.3f} s ({size / first:.0f} MB/s)")
    print(f"  floor (read + hash the same local file):       {floor:.3f} s")
    print(f"  first use / floor:                              {first / floor:.2f}")
    print(f"  from the cache:                                 {cached * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="an ONNX model of the task's interface; default: conv")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--megabytes", type=float, default=100.0)
    args = parser.parse_args()
    require_netns()
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="goat-bench-cluster-") as folder:
        root = Path(folder)
        hosts = Hosts()
        env = {
            "IMAGE_SIZE": str(args.image_size),
            "NUM_SAMPLES": str(args.num_samples),
            "BATCH_SIZE": "8",
            "MAX_QUEUE_LENGTH": str(args.jobs + 100),
            "MAX_FILE_SIZE": str(int((args.megabytes + 50) * 1e6)),
            "PREVIEW_SAMPLES": "0",
            "LOG_LEVEL": "WARNING",
        }
        cluster = Cluster(root, hosts, env=env)
        try:
            cluster.start()
            model = args.model or models.conv(root / "conv.onnx", image_size=args.image_size)
            print(
                f"1. scaling: {args.jobs} jobs, {model.name} ({model.stat().st_size / 1e6:.1f} MB), "
                f"{args.image_size} px, {args.num_samples} samples"
            )
            rates = {}
            for count in (1, 2, 4):
                while len(cluster.workers) < count:
                    cluster.join(WORKER_HOSTS[len(cluster.workers)])
                rates[count], seen = drain_rate(cluster, model, args.jobs)
                print(f"  {count} worker host(s): {rates[count]:.2f} jobs/s (taken by {len(seen)} hosts)")
            print(f"  2 / 1 = {rates[2] / rates[1]:.2f}; 4 / 1 = {rates[4] / rates[1]:.2f}")
            big = args.model or models.padded(
                root / "big.onnx", image_size=args.image_size, megabytes=args.megabytes
            )
            cluster.client.submit(big)  # its own bytes: each scaling job's copy was made unique
            sha256 = hashlib.sha256(big.read_bytes()).hexdigest()
            print("2. fetch, on worker host b")
            print(fetch_on_host(cluster, "b", sha256, root / "fetch-cache"), end="")
        finally:
            cluster.stop()
            hosts.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["fetch"]:
        fetch(*sys.argv[2:6])
    else:
        main()
