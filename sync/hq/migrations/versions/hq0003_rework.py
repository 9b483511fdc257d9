"""a returned report is reworked: it is no longer frozen

A report that a supervisor returned is corrected by its engineer and signed again as a
new revision; the revision the customer signed first stays as it was, in its sign-off's
content (and the sign-off triggers still refuse any change to it). The refusals of
hq0002 are made again for the statuses that stay frozen: signed, approved, closed.

Revision ID: hq0003
Revises: hq0002
Create Date: 2026-12-01 13:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sync.hq.migrations.versions import hq0002_integrity as hq0002

revision: str = "hq0003"
down_revision: str | Sequence[str] | None = "hq0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0005"

#: As in fieldapp.rules.jobflow.FROZEN_STATUSES (a test compares them).
FROZEN_STATUSES = ("approved", "closed", "signed")


def _remake(statuses: Sequence[str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # CREATE OR REPLACE: the triggers keep calling the functions, now with the new list.
        for statement in hq0002._postgresql_functions(statuses):
            op.execute(statement)
        return
    inspector = sa.inspect(bind)
    tables = ("signoff", "job", *hq0002.REPORT_TABLES, "checklistanswer")
    columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in tables}
    for name in hq0002.sqlite_trigger_names():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in hq0002._sqlite_triggers(columns, statuses):
        op.execute(statement)


def upgrade() -> None:
    _remake(FROZEN_STATUSES)


def downgrade() -> None:
    _remake(hq0002.FROZEN_STATUSES)
