"""Fair dispatch and the private split: an index for each team's latest start, each submission's private
score, and the tasks whose private ranking the organiser has revealed.

Rows before this revision have no private score: they were scored on the whole test set, their public score.

Revision ID: 0005_fair_rules
Revises: 0004_quotas
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Alembic's module variables, alike in every revision.
revision: str = "0005_fair_rules"
down_revision: str | Sequence[str] | None = "0004_quotas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("private_score", sa.Double(), nullable=True))
        batch_op.create_index(
            "ix_submissions_participant_started", ["participant", "started_at"], unique=False
        )
    op.create_table(
        "reveals",
        sa.Column("task", sa.String(length=64), nullable=False),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task"),
    )


def downgrade() -> None:
    op.drop_table("reveals")
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_index("ix_submissions_participant_started")
        batch_op.drop_column("private_score")
