"""reminders dismissed without a job; one follow-up sample rate for the whole company

``reminderdismissal`` (append-only, in the customer's bucket) notes a reminder the
office dismissed, by its key, with the reason: a machine with no job is dismissed too.
``companyprofile.follow_up_sample_percent`` is the share of grade-C jobs called back,
the same on every device (it was a device setting). Both change synced rows: protocol
version 3 (docs/sync-protocol.md §1.4, §3.3). HQ runs this migration too, on SQLite and
PostgreSQL; its own ``hq0007`` then recomputes the digests of the profile rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fieldapp.models.base

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The default share (percent) the profile rows get: the rate the devices used until now.
DEFAULT_SAMPLE_PERCENT = 20


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "reminderdismissal",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("machine_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("reminder_key", sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("dismissed_by_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column(
            "dismissed_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["dismissed_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["machine_id"], ["machine.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reminderdismissal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminderdismissal_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminderdismissal_dismissed_by_id"), ["dismissed_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminderdismissal_machine_id"), ["machine_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reminderdismissal_reminder_key"), ["reminder_key"], unique=False
        )
    # A column added in place (SQLite's ALTER TABLE ADD COLUMN, no table rebuilt): the
    # existing profile row gets the rate every device used so far.
    with op.batch_alter_table("companyprofile", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "follow_up_sample_percent",
                sa.Integer(),
                nullable=False,
                server_default=str(DEFAULT_SAMPLE_PERCENT),
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("companyprofile", schema=None) as batch_op:
        batch_op.drop_column("follow_up_sample_percent")
    with op.batch_alter_table("reminderdismissal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminderdismissal_reminder_key"))
        batch_op.drop_index(batch_op.f("ix_reminderdismissal_machine_id"))
        batch_op.drop_index(batch_op.f("ix_reminderdismissal_dismissed_by_id"))
        batch_op.drop_index(batch_op.f("ix_reminderdismissal_customer_id"))
    op.drop_table("reminderdismissal")
