"""goat's files are its owner's alone: models, the database, the cached ground truth, Redis's append-only
file and the secrets, 0600; their folders 0700.

The umask is set once at the start of every goat process (the `goat` command's callback), so everything
it and its children create (SQLite, valkey, numpy, ONNX Runtime) follows, with no call site to forget. The
data folders are also narrowed when a server starts, so files an earlier goat left readable behind them are
out of other users' reach.
"""

from __future__ import annotations

import os

from goat.core.config import Settings

PRIVATE_UMASK = 0o077
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def keep_private() -> None:
    os.umask(PRIVATE_UMASK)


def private_folders(settings: Settings) -> None:
    """DATA_DIR and UPLOAD_DIR exist and only their owner may enter them."""
    for folder in (settings.data_dir, settings.upload_dir):
        assert folder is not None
        folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
        folder.chmod(PRIVATE_FOLDER)
