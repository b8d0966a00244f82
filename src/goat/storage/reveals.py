"""The tasks whose private ranking the organiser has revealed; a reveal is for good, and its time is the
first one's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from goat.storage.database import session_scope
from goat.storage.submissions import as_utc, utcnow
from goat.storage.tables import Reveal


class RevealStore:
    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def revealed_at(self, task: str) -> datetime | None:
        with session_scope(self.url) as session:
            found = session.get(Reveal, task)
            return None if found is None else as_utc(found.revealed_at)

    def reveal(self, task: str) -> datetime:
        """Idempotent: revealing again, or two organisers at once, keeps the first time."""
        try:
            with session_scope(self.url) as session:
                if session.get(Reveal, task) is None:
                    session.add(Reveal(task=task, revealed_at=utcnow()))
        except IntegrityError:
            pass
        revealed = self.revealed_at(task)
        assert revealed is not None
        return revealed
