"""The id of the deployment this database belongs to (revision 0006 draws it)."""

from __future__ import annotations

from sqlalchemy import select

from goat.storage.database import session_scope
from goat.storage.tables import Deployment


def deployment_id(database_url: str) -> str:
    with session_scope(database_url) as session:
        return session.scalars(select(Deployment.id)).one()
