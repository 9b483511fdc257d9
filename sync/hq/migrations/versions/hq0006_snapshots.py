"""snapshots of the shared buckets for first syncs

A new device downloads the catalogue and the org as one compressed SQLite file built
at HQ once per change (sync/hq/snapshots.py), then pulls what changed after it
(docs/sync-protocol.md §13). ``hq_meta.snapshot_lease`` lets one process of the fleet
build at a time.

Revision ID: hq0006
Revises: hq0005
Create Date: 2026-12-01 16:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import fieldapp.models.base

revision: str = "hq0006"
down_revision: str | Sequence[str] | None = "hq0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

META = sa.table("hq_meta", sa.column("key", sa.String), sa.column("value", sa.Text))


def upgrade() -> None:
    op.create_table(
        "hq_snapshot",
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("buckets", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("schema_revision", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("built_at", fieldapp.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("build_seconds", sa.Double(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index("ix_hq_snapshot_seq", "hq_snapshot", ["seq"], unique=False)
    connection = op.get_bind()
    present = connection.execute(
        sa.select(META.c.key).where(META.c.key == "snapshot_lease")
    ).first()
    if present is None:
        op.bulk_insert(META, [{"key": "snapshot_lease", "value": ""}])


def downgrade() -> None:
    op.execute(META.delete().where(META.c.key == "snapshot_lease"))
    op.drop_index("ix_hq_snapshot_seq", table_name="hq_snapshot")
    op.drop_table("hq_snapshot")
