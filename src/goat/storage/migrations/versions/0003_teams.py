"""Teams and their tokens' digests; each submission's team (null for older and anonymous ones).

Revision ID: 0003_teams
Revises: 0002_previews
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Alembic's module variables, alike in every revision.
revision: str = "0003_teams"
down_revision: str | Sequence[str] | None = "0002_previews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_key"),
        sa.UniqueConstraint("token_sha256"),
    )
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_submissions_team_id", ["team_id"], unique=False)
        batch_op.create_foreign_key("fk_submissions_team_id", "teams", ["team_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_constraint("fk_submissions_team_id", type_="foreignkey")
        batch_op.drop_index("ix_submissions_team_id")
        batch_op.drop_column("team_id")
    op.drop_table("teams")
