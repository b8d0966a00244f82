"""Each failure's kind (the model's or the platform's) and each submission's test set, for the quota and
duplicates; indexes for counting a team's submissions of a day and finding a model's digest.

Rows failed before this revision keep a NULL failure, which the quota counts as the model's
(storage/quota.py); rows before it have no test set, so no later upload is their duplicate.

Revision ID: 0004_quotas
Revises: 0003_teams
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Alembic's module variables, alike in every revision.
revision: str = "0004_quotas"
down_revision: str | Sequence[str] | None = "0003_teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("failure", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("test_set", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_submissions_model_sha256", ["model_sha256"], unique=False)
        batch_op.create_index(
            "ix_submissions_team_task_created", ["team_id", "task", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_index("ix_submissions_team_task_created")
        batch_op.drop_index("ix_submissions_model_sha256")
        batch_op.drop_column("test_set")
        batch_op.drop_column("failure")
