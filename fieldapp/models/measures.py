"""A month's measures as a supervisor closed them: a frozen snapshot."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from fieldapp.models.base import SyncedRow, fk, utc_field


class MonthClose(SyncedRow, table=True):
    """A supervisor closed a month of a team's measures (issue 12 item 4).

    ``content`` is the canonical JSON of every figure as counted at ``closed_at`` — its
    value, the jobs it counted and what it excluded and why — and ``content_hash`` its
    SHA-256. Append-only: a month closed again after a change is a new row that names
    the one it supersedes, so the history of a month is its closes. It lives in the
    closing supervisor's ``user:`` bucket, which the team's supervisors, the office and
    HQ hold."""

    team_id: str | None = fk("team.id", nullable=True)
    month: str = Field(max_length=7, index=True)  # YYYY-MM
    closed_by_id: str = fk("user.id")
    closed_at: datetime = utc_field(nullable=False)
    content: str
    content_hash: str = Field(max_length=64)
    supersedes_id: str | None = fk("monthclose.id", nullable=True)
    note: str = Field(default="")
