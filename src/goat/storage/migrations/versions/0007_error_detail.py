"""The organiser's view of a failure (submissions.error_detail): ONNX Runtime's whole text, which may quote
values a graph computed from the hidden test set, kept apart from `error`, which the participant reads.

Rows failed before this revision keep their error as it was and no detail.

Revision ID: 0007_error_detail
Revises: 0006_deployment
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Alembic's module variables, alike in every revision.
revision: str = "0007_error_detail"
down_revision: str | Sequence[str] | None = "0006_deployment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("error_detail", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_column("error_detail")
