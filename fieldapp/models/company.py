"""The company's letterhead, set at HQ, and the report e-mails HQ sends for devices."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from fieldapp.models.base import SyncedRow, fk, utc_field
from fieldapp.models.enums import DeliveryStatus

#: HQ keeps one live profile under this fixed id, so every device holds the same row.
COMPANY_PROFILE_ID = "00000000-0000-4000-8000-00000000c0de"
#: The share of grade-C jobs called back, in percent, until the office sets another
#: (:data:`fieldapp.rules.follow_up.DEFAULT_SAMPLE_RATE`, 1/5; a test keeps them equal).
DEFAULT_FOLLOW_UP_SAMPLE_PERCENT = 20


class CompanyProfile(SyncedRow, table=True):
    """The letterhead printed on every report: name, address, service hotline, the
    e-mail customers reply to, and the logo (a blob by its SHA-256). Also the settings
    the whole company shares: ``follow_up_sample_percent``, the share of grade-C jobs
    the office calls back (0-100), so every clerk's queue samples the same jobs (the
    office sets it; HQ lets clerks and supervisors change that column only)."""

    name_zh: str = Field(max_length=128)
    name_en: str = Field(default="", max_length=128)
    address_zh: str = Field(default="", max_length=256)
    address_en: str = Field(default="", max_length=256)
    hotline: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=254)  # Reply-To of the report e-mails
    website: str = Field(default="", max_length=128)
    logo_sha256: str | None = Field(default=None, max_length=64)
    follow_up_sample_percent: int = Field(default=DEFAULT_FOLLOW_UP_SAMPLE_PERCENT)


class ReportDelivery(SyncedRow, table=True):
    """Append-only: "send the signed report to this address", queued on the device.
    The PDF travels as a blob; HQ sends the e-mail and owns the status fields."""

    job_id: str = fk("job.id")
    sign_off_id: str = fk("signoff.id")
    report_hash: str = Field(max_length=64)
    language: str = Field(default="zh", max_length=8)
    email: str = Field(max_length=254)  # the recipient
    pdf_sha256: str = Field(max_length=64)
    requested_by: str = fk("user.id")
    requested_at: datetime = utc_field(nullable=False)
    status: str = Field(default=DeliveryStatus.QUEUED, max_length=8, index=True)
    sent_at: datetime | None = utc_field()
    attempts: int = 0
    last_error: str = Field(default="")
