"""Tables that exist only in a device's local store."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from fieldapp.models.base import utc_field


class OutboxEntry(SQLModel, table=True):
    """One local change waiting for HQ. Written in the same transaction as the change
    itself, removed only once HQ has acknowledged it (design.md, the outbox)."""

    __tablename__ = "outbox"

    seq: int | None = Field(default=None, primary_key=True)  # local order of changes
    mutation_id: str = Field(max_length=36, unique=True)  # idempotency key at HQ
    table_name: str = Field(max_length=40, index=True)
    row_id: str = Field(max_length=36, index=True)
    op: str = Field(max_length=8)  # insert / update / delete (soft)
    fields: str  # JSON of the changed columns and their new values
    base_version: int = 0  # the HQ version of the row the change was based on
    created_at: datetime = utc_field(nullable=False)


class LocalSetting(SQLModel, table=True):
    """Small facts about this device (its id, the user, the sync checkpoint)."""

    __tablename__ = "local_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="")


class SyncedRowState(SQLModel, table=True):
    """Which HQ bucket a local row came from, and its checksum digest: lets the device
    drop a bucket that left its scope and prove it holds what HQ holds."""

    __tablename__ = "local_synced_row"

    table_name: str = Field(primary_key=True, max_length=40)
    row_id: str = Field(primary_key=True, max_length=36)
    bucket: str = Field(max_length=48, index=True)
    digest: int = 0


class RejectedChange(SQLModel, table=True):
    """A local change HQ refused: kept and shown to the engineer, never dropped."""

    __tablename__ = "local_rejected_change"

    mutation_id: str = Field(primary_key=True, max_length=36)
    table_name: str = Field(max_length=40)
    row_id: str = Field(max_length=36, index=True)
    op: str = Field(max_length=8)
    fields: str
    code: str = Field(max_length=40)
    reason: str = Field(default="")
    rejected_at: datetime = utc_field(nullable=False)
    dismissed_at: datetime | None = utc_field()
