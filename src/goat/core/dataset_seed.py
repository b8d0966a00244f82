"""The seed of the generated test set: DATASET_SEED for a reproducible run, else a secret drawn once.

A fixed default seed would let anyone render the hidden ground truth from the source, so without DATASET_SEED
the first process to start (the API or a worker) draws 128 bits from `secrets` and keeps them in
DATA_DIR/dataset-seed (0600); every later process, on any machine sharing DATA_DIR, reads the same value. The
task registry is handed the resolved settings and never reads the file itself.
"""

from __future__ import annotations

import logging
import secrets

from goat.core.config import Settings
from goat.core.secret_files import read_or_create

log = logging.getLogger(__name__)

SEED_FILE = "dataset-seed"
SEED_BITS = 128


def with_dataset_seed(settings: Settings) -> Settings:
    """`settings` with `dataset_seed` set: DATASET_SEED when given, else the secret kept in DATA_DIR."""
    if settings.dataset_seed is not None:
        return settings
    path = settings.data_dir / SEED_FILE
    value, created = read_or_create(path, lambda: str(secrets.randbits(SEED_BITS)))
    if created:
        log.info("drew a secret seed for the generated test set, kept in %s", path)
    return settings.model_copy(update={"dataset_seed": int(value)})
