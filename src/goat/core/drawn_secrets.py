"""The deployment's secrets about its test sets: DATASET_SEED and SPLIT_KEY when given, else drawn once.

A fixed default seed would let anyone render the hidden ground truth from the source, and a known split key
would tell which samples are private. Without DATASET_SEED (SPLIT_KEY), the API at its first start draws
128 bits (256 bits) from `secrets` and keeps them in DATA_DIR/dataset-seed (DATA_DIR/split-key), 0600; it
reads the same value at every later start, and hands it to workers on any host (GET /worker/setup).
DATASET_SEED remains for reproducible research runs; the split key stays secret even then. The task
registry is handed the resolved settings and never reads the files itself.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from goat.core.config import Settings
from goat.core.secret_files import read_or_create

log = logging.getLogger(__name__)

SEED_FILE = "dataset-seed"
SEED_BITS = 128
SPLIT_KEY_FILE = "split-key"
SPLIT_KEY_BYTES = 32


def with_drawn_secrets(settings: Settings) -> Settings:
    """`settings` with `dataset_seed` and `split_key` set: as given, else the secrets kept in DATA_DIR."""
    resolved: dict[str, object] = {}
    if settings.dataset_seed is None:
        seed = _kept(settings.data_dir / SEED_FILE, lambda: str(secrets.randbits(SEED_BITS)), "a seed")
        resolved["dataset_seed"] = int(seed)
    if settings.split_key is None:
        key = _kept(settings.data_dir / SPLIT_KEY_FILE, lambda: secrets.token_hex(SPLIT_KEY_BYTES), "a key")
        resolved["split_key"] = SecretStr(key)
    return settings.model_copy(update=resolved)


def _kept(path: Path, draw: Callable[[], str], what: str) -> str:
    value, created = read_or_create(path, draw)
    if created:
        log.info("drew %s for the test sets, kept secret in %s", what, path)
    return value
