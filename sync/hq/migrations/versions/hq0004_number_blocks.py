"""job numbers reserved per device, and who added a customer from a device

A device that may create jobs (engineer, supervisor, administrator) gets blocks of
consecutive job numbers at each pull; HQ records them in hq_number_block, so a job
pushed with a number is accepted only from the device the number was reserved for
(docs/sync-protocol.md §8.6). A supervisor may add a customer offline with its first
job: hq_customer_creator remembers who, so the customer is theirs until a job names it
(§4.6).

Revision ID: hq0004
Revises: hq0003
Create Date: 2026-12-01 13:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fieldapp.models.base

revision: str = "hq0004"
down_revision: str | Sequence[str] | None = "hq0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hq_number_block",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("reserved_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hq_number_block_year_first", "hq_number_block", ["year", "first"])
    op.create_index("ix_hq_number_block_device_year", "hq_number_block", ["device_id", "year"])
    op.create_table(
        "hq_customer_creator",
        sa.Column("customer_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_index(
        "ix_hq_customer_creator_user_id", "hq_customer_creator", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_hq_customer_creator_user_id", table_name="hq_customer_creator")
    op.drop_table("hq_customer_creator")
    op.drop_index("ix_hq_number_block_device_year", table_name="hq_number_block")
    op.drop_index("ix_hq_number_block_year_first", table_name="hq_number_block")
    op.drop_table("hq_number_block")
