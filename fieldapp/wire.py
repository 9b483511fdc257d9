"""Row values as plain JSON and back: how changes are kept in the outbox and sent."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Date, inspect
from sqlmodel import SQLModel

from fieldapp.clock import as_utc
from fieldapp.models.base import UTCDateTime


def to_wire(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@cache
def column_names(model: type[SQLModel]) -> tuple[str, ...]:
    return tuple(column.key for column in inspect(model).columns)


@cache
def _column_kinds(model: type[SQLModel]) -> dict[str, str]:
    """ "datetime", "date" or "" per column: what needs parsing from the wire."""
    kinds: dict[str, str] = {}
    for column in inspect(model).columns:
        if isinstance(column.type, UTCDateTime):
            kinds[column.key] = "datetime"
        elif isinstance(column.type, Date):
            kinds[column.key] = "date"
        else:
            kinds[column.key] = ""
    return kinds


def row_to_wire(row: SQLModel) -> dict[str, Any]:
    return {name: to_wire(getattr(row, name)) for name in column_names(type(row))}


def from_wire(model: type[SQLModel], values: dict[str, Any]) -> dict[str, Any]:
    """Turn wire values into Python values of ``model``'s columns; unknown keys raise."""
    kinds = _column_kinds(model)
    result: dict[str, Any] = {}
    for name, value in values.items():
        kind = kinds.get(name)
        if kind is None:
            raise KeyError(f"{model.__tablename__} has no column {name!r}")  # type: ignore[attr-defined]
        if value is not None and kind == "datetime":
            value = as_utc(datetime.fromisoformat(value))
        elif value is not None and kind == "date":
            value = date.fromisoformat(value)
        result[name] = value
    return result
