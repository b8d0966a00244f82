"""Re-runs: a submission the organiser evaluated again names the one it repeats (submissions.rerun_of), so
that it is told apart from the team's own uploads and not charged to the team's quota.

Revision ID: 0008_reruns
Revises: 0007_error_detail
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Alembic's module variables, alike in every revision.
revision: str = "0008_reruns"
down_revision: str | Sequence[str] | None = "0007_error_detail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("rerun_of", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_column("rerun_of")
