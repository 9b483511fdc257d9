"""Regions, teams, users and their devices."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from fieldapp.models.base import SyncedRow, fk, utc_field
from fieldapp.models.enums import RegionGrade, Role


class Region(SyncedRow, table=True):
    """A sales/service region. Its grade (A/B/C, seed 000) decides the service level;
    ``is_home`` and ``is_remote`` decide the on-site deadline of urgent calls."""

    code: str = Field(max_length=16, unique=True, index=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(default="", max_length=64)
    grade: str = Field(default=RegionGrade.B, max_length=1)
    is_home: bool = False
    is_remote: bool = False


class Team(SyncedRow, table=True):
    name_zh: str = Field(max_length=64)
    name_en: str = Field(default="", max_length=64)
    region_id: str | None = fk("region.id", nullable=True)


class User(SyncedRow, table=True):
    """A person of the service organisation. Password hashes live at HQ only."""

    login: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=64)
    role: str = Field(default=Role.ENGINEER, max_length=16)
    team_id: str | None = fk("team.id", nullable=True)
    phone: str = Field(default="", max_length=32)
    active: bool = True


class Device(SyncedRow, table=True):
    """A laptop or tablet enrolled to HQ for one user; revoked when lost."""

    user_id: str = fk("user.id")
    name: str = Field(default="", max_length=64)
    platform: str = Field(default="", max_length=32)
    enrolled_at: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()
    last_seen_at: datetime | None = utc_field()
