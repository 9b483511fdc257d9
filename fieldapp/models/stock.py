"""The parts catalogue and stock, counted by movements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint, event
from sqlmodel import Field

from fieldapp.models.base import SyncedRow, changed_fields, fk, utc_field
from fieldapp.models.enums import PartsRequestStatus, StockLocationKind
from fieldapp.search import part_search_text


class Part(SyncedRow, table=True):
    part_no: str = Field(max_length=40, unique=True, index=True)
    name_zh: str = Field(max_length=128)
    name_en: str = Field(default="", max_length=128)
    category: str = Field(default="", max_length=32, index=True)
    unit: str = Field(default="件", max_length=8)
    price_cents: int = 0  # list price in fen
    labour_minutes: int = 0  # standard labour time to fit it
    warranty_eligible: bool = True  # consumables (filters, oil, teeth) are never 三包
    superseded_by: str | None = Field(default=None, max_length=40)  # part_no replacing it
    # Chinese characters, English words, pinyin initials and part-number pieces, kept
    # by fieldapp.search and indexed by the local store's full-text index.
    search_text: str = Field(default="", sa_type=Text)


@event.listens_for(Part, "before_insert")
def _fill_search_text(_mapper: Any, _connection: Any, part: Part) -> None:
    # Rows pulled from HQ arrive with their search text; new local rows get theirs here.
    if not part.search_text:
        part.search_text = part_search_text(part.part_no, part.name_zh, part.name_en)


@event.listens_for(Part, "before_update")
def _refresh_search_text(_mapper: Any, _connection: Any, part: Part) -> None:
    if {"part_no", "name_zh", "name_en"} & changed_fields(part):
        part.search_text = part_search_text(part.part_no, part.name_zh, part.name_en)


class PartCompatibility(SyncedRow, table=True):
    __table_args__ = (UniqueConstraint("part_id", "model_id"),)

    part_id: str = fk("part.id")
    model_id: str = fk("productmodel.id")


class StockLocation(SyncedRow, table=True):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=64)
    kind: str = Field(default=StockLocationKind.VAN, max_length=16)
    owner_user_id: str | None = fk("user.id", nullable=True)  # the van's engineer
    region_id: str | None = fk("region.id", nullable=True)


class StockMovement(SyncedRow, table=True):
    """Append-only. Stock on hand is the sum of ``quantity`` per part and location,
    so two devices never overwrite each other's counts."""

    part_id: str = fk("part.id")
    location_id: str = fk("stocklocation.id")
    quantity: int  # + into the location, - out of it
    kind: str = Field(max_length=16)
    moved_at: datetime = utc_field(nullable=False)
    job_id: str | None = fk("job.id", nullable=True)
    part_usage_id: str | None = fk("partusage.id", nullable=True)
    transfer_id: str | None = Field(default=None, max_length=36, index=True)
    reference: str = Field(default="", max_length=64)  # carrier / tracking / stock-take no.
    user_id: str | None = fk("user.id", nullable=True)


class PartsRequest(SyncedRow, table=True):
    """领料单 / 备件申请: parts the engineer needs, from a warehouse to their van."""

    job_id: str | None = fk("job.id", nullable=True)
    requester_id: str = fk("user.id")
    from_location_id: str | None = fk("stocklocation.id", nullable=True)
    to_location_id: str | None = fk("stocklocation.id", nullable=True)
    status: str = Field(default=PartsRequestStatus.REQUESTED, max_length=16)
    warranty: bool = False  # warranty parts are shipped first (先顾客, 后生产)
    requested_at: datetime = utc_field(nullable=False)
    approved_at: datetime | None = utc_field()
    approved_by_id: str | None = fk("user.id", nullable=True)
    auto_approved: bool = False  # by the rule (warranty repair, normal quantity)
    shipped_at: datetime | None = utc_field()
    carrier: str = Field(default="", max_length=64)
    tracking_no: str = Field(default="", max_length=64)
    received_at: datetime | None = utc_field()
    note: str = Field(default="")


class PartsRequestLine(SyncedRow, table=True):
    request_id: str = fk("partsrequest.id")
    part_id: str = fk("part.id")
    quantity: int = 1
