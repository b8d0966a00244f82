"""The deployment's identity: one row, drawn here, so that every database has exactly one id from the moment
it exists (the upgrade runs under goat's migration lock, so processes starting together cannot draw two).
The same id is kept in the deployment's Redis (queue/deployment.py): a goat process finding another id there
refuses to start instead of sharing a queue with another deployment.

Revision ID: 0006_deployment
Revises: 0005_fair_rules
Create Date: 2026-12-03
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# Alembic's module variables, alike in every revision.
revision: str = "0006_deployment"
down_revision: str | Sequence[str] | None = "0005_fair_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    deployment = op.create_table(
        "deployment",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deployment"),
    )
    op.bulk_insert(deployment, [{"id": uuid.uuid4().hex, "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("deployment")
