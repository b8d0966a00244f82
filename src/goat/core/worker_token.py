"""The workers' token (WORKER_TOKEN): what a worker on any host presents to the API's /worker routes.

Issued by the admin: WORKER_TOKEN when set, else drawn at the first start into DATA_DIR/worker-token (0600),
where the API and this host's workers read it on every use, so a rotation (`goat worker-join --rotate`)
takes effect at once. Only the file's path is ever logged, never the token.
"""

from __future__ import annotations

import os
import uuid

from goat.core import tokens
from goat.core.config import Settings
from goat.core.secret_files import MODE, read, read_or_create


class TokenFixed(RuntimeError):
    """WORKER_TOKEN is set: it is changed where it is set, not here."""


def worker_token(settings: Settings) -> str:
    if settings.worker_token is not None:
        return settings.worker_token.get_secret_value()
    return read_or_create(settings.worker_token_file, tokens.new_token)[0]


def rotate(settings: Settings) -> str:
    """A new token in DATA_DIR/worker-token, replacing the old one whole (a reader sees one or the other)."""
    if settings.worker_token is not None:
        raise TokenFixed(
            "WORKER_TOKEN is set: change it where it is set, then restart the API and the workers"
        )
    path = settings.worker_token_file
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(tokens.new_token() + "\n")
    os.replace(staging, path)
    return read(path)
