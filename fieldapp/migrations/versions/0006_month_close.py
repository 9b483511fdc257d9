"""a month's measures closed by a supervisor: a frozen, synced snapshot

``monthclose`` holds the canonical JSON of a closed month's figures (what was counted,
what was excluded and why) with its hash; append-only, in the closing supervisor's
``user:`` bucket (docs/sync-protocol.md §3.3).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fieldapp.models.base

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "monthclose",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("closed_by_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("closed_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("supersedes_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["supersedes_id"], ["monthclose.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("monthclose", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monthclose_closed_by_id"), ["closed_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_monthclose_month"), ["month"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_monthclose_supersedes_id"), ["supersedes_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_monthclose_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("monthclose", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monthclose_team_id"))
        batch_op.drop_index(batch_op.f("ix_monthclose_supersedes_id"))
        batch_op.drop_index(batch_op.f("ix_monthclose_month"))
        batch_op.drop_index(batch_op.f("ix_monthclose_closed_by_id"))
    op.drop_table("monthclose")
