#!/usr/bin/env python3
"""The seed's five checks against a running goat: health, submit health, upload, poll, queue status.

    python3 test_api.py [--url http://localhost:8000] [--token TOKEN] [--model model.onnx] [--task task2]

The token (a team's, or the organiser's) comes from --token or GOAT_TOKEN; without one the upload is refused
unless the server runs with ALLOW_ANONYMOUS=true.

Without --model it builds a small valid depth model for the server's image size. Exits non-zero on any
failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import httpx

from goat.client import GoatClient, GoatError
from tests.support.models import plain_model


def run(url: str, model: Path | None, task: str, timeout: float, token: str | None = None) -> list[str]:
    failures: list[str] = []

    def check(name: str, action) -> object:
        try:
            value = action()
        except (GoatError, httpx.HTTPError, TimeoutError, AssertionError) as error:
            print(f"FAIL {name}: {error}")
            failures.append(name)
            return None
        print(f"ok   {name}")
        return value

    with GoatClient(url, token=token, timeout=600) as client, tempfile.TemporaryDirectory() as scratch:
        check("1. health", client.health)
        check("2. submit health", client.submit_health)
        if model is None:
            info = httpx.get(f"{url}/tasks", timeout=30).json()
            size = next(t for t in info if t["name"] == task)["input_shape"][-1]
            model = plain_model(Path(scratch) / "test_api.onnx", image_size=size)
        accepted = check("3. upload", lambda: client.submit(model, task=task))
        if accepted:
            print(f"     {accepted['submission_id']} queued at position {accepted['queue_position']}")
            final = check(
                "4. poll until completed",
                lambda: _completed(client, accepted["submission_id"], task, timeout),
            )
            if final:
                print(f"     score {final['result']['score']:.4f}, {final['result']['performance']}")
        else:
            failures.append("4. poll until completed")
        queue = check("5. queue status", client.queue_status)
        if queue:
            print(f"     {queue['queue_length']} waiting, {queue['worker_count']} workers")
    return failures


def _completed(client: GoatClient, submission_id: str, task: str, timeout: float) -> dict:
    final = client.wait(submission_id, task=task, timeout=timeout)
    assert final["status"] == "completed", f"{final['status']}: {final.get('error')}"
    return final


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument(
        "--token", default=os.environ.get("GOAT_TOKEN"), help="A team's token (default: GOAT_TOKEN)."
    )
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--task", default="task2")
    parser.add_argument("--timeout", type=float, default=1800.0, help="Seconds to wait for the evaluation.")
    args = parser.parse_args()
    failures = run(args.url, args.model, args.task, args.timeout, args.token)
    print(f"{5 - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
