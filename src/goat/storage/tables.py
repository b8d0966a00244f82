"""The tables: one row per submission, holding its lifecycle and, once scored, its result; the teams."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Deployment(Base):
    """The one row naming this deployment, drawn by revision 0006 (queue/deployment.py keeps it in Redis)."""

    __tablename__ = "deployment"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Team(Base):
    """A team and the digest of its one valid token (None once revoked); names are unique ignoring case."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(255), unique=True)
    """The name casefolded: what uniqueness and look-ups by name use."""
    token_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Submission(Base):
    __tablename__ = "submissions"
    # The leaderboard reads completed submissions of one task by score; the quota counts a team's
    # submissions of one task since midnight; duplicates are found by the model's digest; fair dispatch
    # reads each team's latest start.
    __table_args__ = (
        Index("ix_submissions_ranking", "task", "status", "score"),
        Index("ix_submissions_team_task_created", "team_id", "task", "created_at"),
        Index("ix_submissions_model_sha256", "model_sha256"),
        Index("ix_submissions_participant_started", "participant", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task: Mapped[str] = mapped_column(String(64))
    participant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The team whose token uploaded it (None: an anonymous upload, ALLOW_ANONYMOUS, or one made before
    # teams; revision 0003_teams adds the column to older databases).
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", name="fk_submissions_team_id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    model_sha256: Mapped[str] = mapped_column(String(64))
    model_size_bytes: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255), default="")
    model_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    """What the participant reads: never a value computed from the hidden test set."""
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The organiser's view of a failure: the whole text (ONNX Runtime's own), which may quote such values.
    None before revision 0007, and where it would say no more than `error`."""
    failure: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """Whose fault a `failed` ending was: "model" or "platform" (storage/submissions.py); None otherwise,
    and for failures recorded before revision 0004 (counted as the model's: storage/quota.py)."""
    test_set: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The fingerprint of the task's test set it was evaluated on (Task.test_set_id): an upload is a
    duplicate only on the same one. None before revision 0004."""
    rerun_of: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The submission this one evaluates again, at the organiser's request (POST /admin/submissions/{id}/
    rerun): not counted in the team's quota. None for an upload."""
    score: Mapped[float | None] = mapped_column(nullable=True)
    """The score on the public part of the test set: all of it unless PRIVATE_FRACTION is above 0."""
    private_score: Mapped[float | None] = mapped_column(nullable=True)
    """The score on the private part (None without one, and before revision 0005): the organiser's alone
    until the task's ranking is revealed."""
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Preview(Base):
    """A PNG picture of a completed submission's predictions on a public image (tasks/previews.py)."""

    __tablename__ = "previews"

    submission_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)


class Reveal(Base):
    """A task whose private ranking the organiser has revealed: from then on its leaderboard ranks by the
    private score and shows both."""

    __tablename__ = "reveals"

    task: Mapped[str] = mapped_column(String(64), primary_key=True)
    revealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
