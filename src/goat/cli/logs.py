"""One log format for every goat process: time, process, logger, message."""

from __future__ import annotations

import logging


def configure(level: str, *, process: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s {process}[%(process)d] %(levelname)s %(name)s: %(message)s",
        force=True,
    )
