"""A process that runs as if on another host's disk: a mount namespace of its own in which a folder of this
machine is covered by an empty tmpfs, so the process cannot see what is in it (root only)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.unavailable import unavailable

_COVER = 'mount -t tmpfs goat-elsewhere "$0" && exec "$@"'


def without(folder: Path) -> list[str]:
    """A launcher (tests/support/processes.GoatProcess) for a command that must not see `folder`; it execs
    the command, so the pid stays the command's."""
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", _COVER, str(folder)]


def require_mount_namespaces(folder: Path) -> None:
    """`without` works here, or a skip with the reason (under CI=true: a failure)."""
    probe = subprocess.run([*without(folder), "true"], capture_output=True, text=True, check=False)
    if probe.returncode == 0:
        return
    message = f"mount namespaces cannot be made here (root and unshare needed): {probe.stderr.strip()}"
    unavailable(message)
