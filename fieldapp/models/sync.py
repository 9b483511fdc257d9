"""Records of the sync that both sides see."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from fieldapp.models.base import SyncedRow, utc_field


class SyncConflict(SyncedRow, table=True):
    """A field that HQ and a device both changed. The precedence rules picked a winner;
    the losing value is kept here, never silently dropped, for the supervisor."""

    table_name: str = Field(max_length=40)
    row_id: str = Field(max_length=36, index=True)
    field_name: str = Field(max_length=40)
    device_value: str = Field(default="")  # JSON
    server_value: str = Field(default="")  # JSON
    kept: str = Field(max_length=8)  # "device" or "server"
    rule: str = Field(max_length=40)
    device_id: str | None = Field(default=None, max_length=36)
    user_id: str | None = Field(default=None, max_length=36)
    detected_at: datetime = utc_field(nullable=False)
    resolved_at: datetime | None = utc_field()
    resolution_note: str = Field(default="")
