"""HQ's identity and restore generation

Every HQ database gets an id of its own (``hq_meta.hq_id``) and a restore generation
(``hq_meta.restore_generation`` = 1), sent on every answer. A dump carries both, so a
restored HQ is recognised as the same HQ; ``fieldapp-hq restore`` raises the generation,
and devices then upload what the backup lacks (sync/hq/restore.py).

Revision ID: hq0005
Revises: hq0004
Create Date: 2026-12-01 14:00:00

"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0005"
down_revision: str | Sequence[str] | None = "hq0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

META = sa.table("hq_meta", sa.column("key", sa.String), sa.column("value", sa.Text))


def upgrade() -> None:
    connection = op.get_bind()
    present = {
        row[0]
        for row in connection.execute(
            sa.select(META.c.key).where(META.c.key.in_(["hq_id", "restore_generation"]))
        )
    }
    rows = []
    if "hq_id" not in present:
        rows.append({"key": "hq_id", "value": str(uuid.uuid4())})
    if "restore_generation" not in present:
        rows.append({"key": "restore_generation", "value": "1"})
    if rows:
        op.bulk_insert(META, rows)


def downgrade() -> None:
    # The identity stays: after an upgrade again this is still the same HQ to its
    # devices (a new id would make every device refuse it as another HQ).
    pass
