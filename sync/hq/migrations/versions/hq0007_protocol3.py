"""protocol 3: the digests of the company profile cover its new column

The device migration 0008 adds ``companyprofile.follow_up_sample_percent`` (and the new,
empty ``reminderdismissal`` table). A row's digest covers every column
(:func:`sync.buckets.row_digest`), so the profile rows' logged digests and the
catalogue's checksum are recomputed from the rows as they now stand; devices of
protocol 2, which do not know the column, are told to update (docs/sync-protocol.md
§1.4, §3.3).

Revision ID: hq0007
Revises: hq0006
Create Date: 2026-12-02 09:10:00

"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hq0007"
down_revision: str | Sequence[str] | None = "hq0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0008"

TABLES = ("companyprofile",)


def _rebuild() -> None:
    from sync.hq.integrity import rebuild_digests

    connection = op.get_bind()
    inspector = sa.inspect(connection)
    columns = {name: {c["name"] for c in inspector.get_columns(name)} for name in TABLES}
    changed = rebuild_digests(connection, columns, TABLES)
    logging.getLogger("alembic.runtime.migration").info(
        "hq0007: %d company profile digests cover the follow-up sample rate", changed
    )


def upgrade() -> None:
    _rebuild()


def downgrade() -> None:
    """Nothing to undo here: the device migration's downgrade drops the column after
    this one, and ``fieldapp-hq check`` then finds the profile rows whose digests moved
    and repairs them."""
