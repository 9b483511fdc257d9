"""Column types and the mixin every syncable table shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from fieldapp.clock import as_utc, new_id, utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend.

    SQLite keeps no time zone, so values are stored as naive UTC and handed back aware;
    PostgreSQL gets ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


def utc_field(*, nullable: bool = True, index: bool = False, default: Any = None) -> Any:
    """A column of aware UTC datetimes."""
    kwargs: dict[str, Any] = {"sa_type": UTCDateTime, "nullable": nullable, "index": index}
    if default is not None:
        kwargs["default_factory" if callable(default) else "default"] = default
    elif nullable:
        kwargs["default"] = None
    return Field(**kwargs)


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=36)


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    """A foreign key to another table's UUID."""
    return Field(
        default=None if nullable else ...,
        foreign_key=target,
        max_length=36,
        nullable=nullable,
        index=index,
    )


class SyncedRow(SQLModel):
    """Columns of every row that travels between devices and HQ.

    ``id`` is a UUID made where the row is created, so devices never collide;
    ``version`` is the row's version at HQ that a local edit was based on (0 = never
    seen by HQ); ``deleted_at`` is a soft delete, so a deletion syncs like any edit.
    """

    id: str = id_field()
    created_at: datetime = utc_field(nullable=False, default=utcnow)
    updated_at: datetime = utc_field(nullable=False, default=utcnow)
    deleted_at: datetime | None = utc_field()
    version: int = Field(default=0, nullable=False)


def changed_fields(obj: Any) -> set[str]:
    """Names of the columns of ``obj`` changed since it was loaded or last flushed."""
    return {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
