"""The previews table: PNG pictures of a completed submission's predictions on public images.

Revision ID: 0002_previews
Revises: 0001_submissions
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Alembic's module variables, alike in every revision.
revision: str = "0002_previews"
down_revision: str | Sequence[str] | None = "0001_submissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "previews",
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id", "index"),
    )


def downgrade() -> None:
    op.drop_table("previews")
