"""The `goat` command: run the system (up, api, worker, redis) and use it (submit, status, queue)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from goat.cli import doctor, logs, teams
from goat.cli.options import DEFAULT_URL, AdminToken, Token, Url
from goat.client import GoatClient
from goat.core.config import Settings, get_settings
from goat.core.permissions import keep_private, private_folders

app = typer.Typer(help="goat: evaluate ONNX models on a hidden test set.", no_args_is_help=True)
console = Console()
app.command(name="doctor")(doctor.doctor)
app.add_typer(teams.app, name="team")


@app.callback()
def _every_command() -> None:
    # Before anything is created: goat's files are its owner's alone (core/permissions.py).
    keep_private()


def _serving(process: str) -> Settings:
    """The settings of a process that keeps data: logging set up, DATA_DIR and UPLOAD_DIR private."""
    settings = get_settings()
    logs.configure(settings.log_level, process=process)
    private_folders(settings)
    return settings


def _client(url: str, token: str | None) -> GoatClient:
    """A client carrying the participant's token: --token, GOAT_TOKEN or the kept one."""
    from goat.cli.credentials import participant_token

    return GoatClient(url, token=participant_token(token))


@app.command()
def up(
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: WORKER_COUNT or auto).")
    ] = None,
) -> None:
    """Run everything in the foreground: Redis (embedded unless one answers), the API, the workers."""
    from goat.cli.supervisor import Supervisor
    from goat.executors.devices import visible_gpus
    from goat.worker.runner import default_worker_count

    settings = _serving("up")
    gpus = len(visible_gpus()) if settings.execution_provider != "cpu" else 0
    count = workers if workers is not None else default_worker_count(settings, gpus=gpus)
    Supervisor(settings, workers=count).run()


@app.command()
def api() -> None:
    """Serve the HTTP API on API_HOST:API_PORT."""
    import uvicorn

    from goat.api.main import create_app
    from goat.core.allocator import retain_freed_buffers

    settings = _serving("api")
    _refuse_a_foreign_redis(settings, "api")
    retain_freed_buffers()
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
    )


@app.command()
def worker(
    index: Annotated[int, typer.Option(help="This worker's index on the host (picks its GPU).")] = 0,
    of: Annotated[int, typer.Option(help="Workers on this host (splits the CPU cores).")] = 1,
) -> None:
    """Take evaluations from the queue until SIGTERM; exit 78 (EX_CONFIG) without taking any when the GPU
    it was asked to use is unusable, its Redis holds another deployment's queue or its API refuses its
    WORKER_TOKEN, saying why; exit 75 (EX_TEMPFAIL) when an evaluation could not be ended, to be restarted,
    and then wait for the device to answer before taking work."""
    from goat.executors.devices import DeviceUnusable
    from goat.queue.deployment import ForeignRedis
    from goat.worker.api import WorkerRefused
    from goat.worker.broken import BROKEN_EXIT, WorkerBroken
    from goat.worker.runner import run_worker

    settings = _serving(f"worker-{index + 1}")
    try:
        run_worker(settings, index=index, workers=of)
    except (DeviceUnusable, ForeignRedis, WorkerRefused) as refusal:
        logging.getLogger("goat.worker").error("this worker takes no work: %s", refusal)
        raise typer.Exit(os.EX_CONFIG) from None
    except WorkerBroken as broken:
        logging.getLogger("goat.worker").error("this worker is broken and exits: %s", broken)
        raise typer.Exit(BROKEN_EXIT) from None


@app.command(name="worker-join")
def worker_join(
    host: Annotated[
        str | None,
        typer.Option(help="The name or address other machines reach this host by (default: its FQDN)."),
    ] = None,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Draw a new worker token first; workers with the old one stop.")
    ] = False,
) -> None:
    """Print the one command that starts a worker on another machine: Redis's URL with its credentials, the
    API's URL and the workers' token. Run on the API's host; the command holds secrets: pass it privately."""
    from goat.cli.join import join_command
    from goat.core import worker_token

    settings = get_settings()
    if rotate:
        try:
            worker_token.rotate(settings)
        except worker_token.TokenFixed as fixed:
            raise typer.BadParameter(str(fixed), param_hint="--rotate") from None
    command, warnings = join_command(settings, host=host)
    for warning in warnings:
        Console(stderr=True).print(f"[yellow]warning:[/] {warning}")
    typer.echo(command)


def _refuse_a_foreign_redis(settings: Settings, process: str) -> None:
    """Exit 78 (EX_CONFIG: `goat up` does not restart it), saying why, on another deployment's Redis."""
    from goat.queue.deployment import ForeignRedis, open_redis

    try:
        open_redis(settings)[0].close()
    except ForeignRedis as foreign:
        logging.getLogger(f"goat.{process}").error("refusing to start: %s", foreign)
        raise typer.Exit(os.EX_CONFIG) from None


@app.command()
def redis() -> None:
    """Run the embedded Redis-compatible server (valkey) of DATA_DIR: its Unix socket, REDIS_BIND:REDIS_PORT
    too when REDIS_BIND is set, and always a password (REDIS_PASSWORD, or DATA_DIR/redis/password)."""
    from goat.queue.server import embedded_server_command

    settings = _serving("redis")
    command = embedded_server_command(settings)
    os.execv(command[0], command)


@app.command()
def submit(
    model: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The .onnx file.")
    ],
    task: Annotated[str, typer.Option(help="The task to evaluate on.")] = "task2",
    name: Annotated[
        str | None, typer.Option(help="Only without a token (ALLOW_ANONYMOUS): the name on the leaderboard.")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Follow progress, then print the metrics.")] = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Upload a model as your team; prints its submission id (and, with --wait, its scores)."""
    from goat.cli import display

    with _client(url, token) as client, display.refusals():
        accepted = client.submit(model, task=task, name=name)
        display.accepted(accepted)
        if wait:
            final = display.follow(client, accepted["submission_id"], task=task)
            display.outcome(final)
            raise typer.Exit(0 if final["status"] == "completed" else 1)


@app.command()
def status(
    submission_id: str,
    task: Annotated[str, typer.Option(help="The submission's task.")] = "task2",
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Show a submission's status and, once completed, its scores."""
    _show_outcome(url, token, lambda client: client.status(submission_id, task=task))


# Alike in shape to `status` above (an id, its task, the API): each asks the API its own question.
@app.command()
def cancel(
    submission_id: str,
    task: Annotated[str, typer.Option(help="The submission's task.")] = "task2",
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Cancel a queued or running submission of your team (a running one is stopped)."""
    _show_outcome(url, token, lambda client: client.cancel(submission_id, task=task))


def _show_outcome(url: str, token: str | None, ask: Callable[[GoatClient], dict[str, Any]]) -> None:
    from goat.cli import display

    with _client(url, token) as client, display.refusals():
        display.outcome(ask(client))


@app.command()
def leaderboard(
    task: Annotated[str, typer.Option(help="The task.")] = "task2",
    limit: Annotated[int, typer.Option(help="How many entries.")] = 20,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Show the best completed submission of each team."""
    from goat.cli import display

    with _client(url, token) as client, display.refusals():
        display.leaderboard(client.leaderboard(task=task, limit=limit))


@app.command()
def reveal(
    task: Annotated[str, typer.Argument(help="The task.")], url: Url = DEFAULT_URL, token: AdminToken = None
) -> None:
    """Reveal the task's private ranking, for good: its leaderboard ranks by the private score."""
    from goat.cli import display

    with teams.admin_client(url, token) as client, display.refusals():
        revealed = client.reveal(task)
    console.print(f"{revealed['task']}: private ranking revealed at {revealed['revealed_at']}")


@app.command()
def queue(url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Show the queue; with the organiser's token, every live worker too."""
    from goat.cli import display

    with _client(url, token) as client, display.refusals():
        display.queue(client.queue_status())


@app.command()
def login(
    token: Annotated[
        str | None, typer.Argument(help="Your team's token (asked for, hidden, when left out).")
    ] = None,
    url: Url = DEFAULT_URL,
) -> None:
    """Check your team's token with the API and keep it for the next commands (~/.config/goat/token, 0600)."""
    from goat.cli import credentials, display

    given = token or typer.prompt("token", hide_input=True).strip()
    with GoatClient(url, token=given) as client, display.refusals():
        team = client.me()["team"]
    path = credentials.save_token(given)
    console.print(f"logged in as team [bold]{team}[/]; token kept in {path}")


@app.command()
def me(url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Show your team and its submissions."""
    from goat.cli import display

    with _client(url, token) as client, display.refusals():
        display.me(client.me())
