"""Alembic environment for the local store (and HQ's shared tables)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import fieldapp.models  # noqa: F401  (registers every table)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through fieldapp.store.migrate().")


# HQ runs the same migrations plus its own (tables named hq_*); a device never has those.
with_hq = bool(context.config.attributes.get("with_hq", False))


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    if type_ != "table" or name is None:
        return True
    # The FTS5 index of the parts catalogue is kept by hand-written SQL, not the models.
    if name.startswith("part_fts"):
        return False
    return with_hq or not name.startswith("hq_")


context.configure(
    connection=connection,
    include_object=include_object,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
