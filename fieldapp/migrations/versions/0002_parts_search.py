"""Parts search: pinyin/character search text with an FTS5 index; job-list index.

The job list walks an engineer's jobs in deadline order (assignee, due) and filters
the status on the way, so the first page costs the same with 100 or 100,000 jobs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from fieldapp.search import part_search_text

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FTS_TRIGGERS = (
    """CREATE TRIGGER part_fts_insert AFTER INSERT ON part BEGIN
        INSERT INTO part_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
    """CREATE TRIGGER part_fts_delete AFTER DELETE ON part BEGIN
        INSERT INTO part_fts(part_fts, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
    END""",
    """CREATE TRIGGER part_fts_update AFTER UPDATE OF search_text ON part BEGIN
        INSERT INTO part_fts(part_fts, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
        INSERT INTO part_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
)


def upgrade() -> None:
    with op.batch_alter_table("part") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("job") as batch:
        batch.create_index("ix_job_assignee_due", ["assignee_id", "on_site_due_at"])

    # Backfill the search text of every part already in the store.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, part_no, name_zh, name_en FROM part")).all()
    if rows:
        connection.execute(
            sa.text("UPDATE part SET search_text = :text WHERE id = :id"),
            [{"id": r.id, "text": part_search_text(r.part_no, r.name_zh, r.name_en)} for r in rows],
        )

    if connection.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE part_fts USING fts5("
            "search_text, content='part', content_rowid='rowid', "
            "tokenize=\"unicode61 remove_diacritics 2\")"
        )
        for trigger in FTS_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO part_fts(part_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("part_fts_insert", "part_fts_delete", "part_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS part_fts")
    with op.batch_alter_table("job") as batch:
        batch.drop_index("ix_job_assignee_due")
    with op.batch_alter_table("part") as batch:
        batch.drop_column("search_text")
