"""How the client commands show things: a live progress bar, metric tables, clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from goat.client import GoatClient, GoatError

console = Console()


@contextmanager
def refusals() -> Iterator[None]:
    """The server's own words on a refusal; no traceback for an expected failure."""
    try:
        yield
    except GoatError as error:
        console.print(f"[red]refused ({error.status_code}):[/] {error.detail}")
        raise typer.Exit(1) from None
    except httpx.TransportError as error:
        console.print(f"[red]cannot reach the goat API:[/] {error}")
        raise typer.Exit(1) from None


def follow(client: GoatClient, submission_id: str, *, task: str) -> dict[str, Any]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        line = bar.add_task("queued", total=None)

        def show(current: dict[str, Any]) -> None:
            progress = current.get("progress")
            description = current["status"]
            if current.get("queue_position"):
                description += f" (position {current['queue_position']})"
            if progress:
                bar.update(line, description=description, completed=progress["done"], total=progress["total"])
            else:
                bar.update(line, description=description)

        return client.wait(submission_id, task=task, on_status=show)


def outcome(status: dict[str, Any]) -> None:
    console.print(f"[bold]{status['submission_id']}[/] ({status['task']}): {status['status']}")
    if status.get("error"):
        console.print(f"[red]reason:[/] {status['error']}")
    result = status.get("result")
    if not result:
        return
    console.print(f"score: [bold green]{result['score']:.4f}[/]")
    console.print(_table("metric", result["metrics"]))
    console.print(_table("performance", result["performance"]))
    for path in status.get("previews", []):
        console.print(f"preview: {path}")


def queue(snapshot: dict[str, Any]) -> None:
    console.print(
        f"queue {snapshot['queue_name']}: {snapshot['queue_length']} waiting, "
        f"{snapshot['running_count']} running, {snapshot['worker_count']} workers"
    )
    for running in snapshot["running"]:
        progress = running.get("progress") or {}
        console.print(
            f"running {running['submission_id']}: {progress.get('done', '?')}/{progress.get('total', '?')}"
        )
    table = Table("worker", "host", "state", "submission", "device", "provider", "done", "last heartbeat")
    for worker in snapshot["workers"]:
        table.add_row(
            worker["worker_id"],
            worker["host"] or "",
            worker["state"],
            worker["current_submission"] or "",
            worker["device"] or "",
            worker["provider"] or "",
            str(worker["jobs_done"]),
            str(worker["last_heartbeat"] or ""),
        )
    console.print(table)


def leaderboard(board: dict[str, Any]) -> None:
    arrow = "higher" if board["score_direction"] == "higher" else "lower"
    columns = board["columns"]
    revealed = board.get("revealed_at") is not None
    private = ["private"] if revealed else []
    table = Table(
        "rank", "participant", *private, board["score_metric"], *columns, "images/s", "submission", "finished"
    )
    ranking = "by the private score (revealed)" if revealed else "by the public score"
    table.title = f"{board['task']}: {board['score_metric']}, {arrow} is better; ranked {ranking}"
    for entry in board["entries"]:
        table.add_row(
            str(entry["rank"]),
            entry["participant"] or "(anonymous)",
            *([_number((entry.get("private") or {}).get("score"))] if revealed else []),
            _number(entry["score"]),
            *(_number(entry["metrics"].get(column)) for column in columns),
            f"{entry['throughput_ips']:.1f}",
            entry["submission_id"],
            entry["finished_at"],
        )
    console.print(table)


def team_token(team: dict[str, Any]) -> None:
    """The token alone on its line, for copying; it is not shown again."""
    console.print(f"team [bold]{team['name']}[/]'s token (shown once; goat keeps only its hash):")
    print(team["token"])


def teams(rows: list[dict[str, Any]]) -> None:
    table = Table("team", "state", "created", "revoked")
    for row in rows:
        state = "active" if row["active"] else "revoked"
        table.add_row(row["name"], state, row["created_at"], row["revoked_at"] or "")
    console.print(table)


def accepted(answer: dict[str, Any]) -> None:
    """An upload's answer: queued, or the team's earlier submission of the same bytes; and the quota."""
    if answer.get("duplicate_of"):
        console.print(
            f"[bold]{answer['submission_id']}[/] {answer['status']}: you submitted these bytes before "
            "(nothing new is evaluated, no quota used)"
        )
    else:
        position = answer["queue_position"]
        where = f" at position {position}" if position else " (a worker is taking it)"
        console.print(f"[bold]{answer['submission_id']}[/] queued{where}")
    if answer.get("quota"):
        console.print(f"quota of {answer['task']}: {_quota(answer['quota'])}")


def _quota(quota: dict[str, Any]) -> str:
    limit = quota["limit"] if quota["limit"] is not None else "unlimited"
    return f"{quota['used']} of {limit} today (UTC), resets at {quota['resets_at']}"


def me(identity: dict[str, Any]) -> None:
    role = " (the organiser)" if identity["admin"] else ""
    console.print(f"team [bold]{identity['team']}[/]{role}: {len(identity['submissions'])} submissions")
    for task, quota in (identity.get("quota") or {}).items():
        console.print(f"quota of {task}: {_quota(quota)}")
    table = Table("submission", "task", "status", "score", "created")
    for row in identity["submissions"]:
        score = _number(row["score"])
        table.add_row(row["submission_id"], row["task"], row["status"], score, row["created_at"])
    console.print(table)


def _table(title: str, values: dict[str, Any]) -> Table:
    table = Table(title, "value")
    for name, value in values.items():
        table.add_row(name, _number(value))
    return table


def _number(value: Any) -> str:
    """Metrics are numbers, per-class lists of them, or null where there is no evidence."""
    if isinstance(value, list):
        return "[" + ", ".join(_number(item) for item in value) + "]"
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
