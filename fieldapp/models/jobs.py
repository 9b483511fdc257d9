"""Jobs (派工单) and everything recorded on them, from dispatch to the follow-up call."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field

from fieldapp.models.base import SyncedRow, fk, utc_field
from fieldapp.models.enums import (
    ComplaintStatus,
    JobStatus,
    RepairLocation,
    TimeKind,
    Urgency,
)


class Job(SyncedRow, table=True):
    # The engineer's job list: their jobs, nearest deadline first. The faults of a
    # window (the year's Pareto): every column they read, in receipt order (0007).
    __table_args__ = (
        Index("ix_job_assignee_due", "assignee_id", "on_site_due_at"),
        Index(
            "ix_job_received_window",
            "received_at",
            "deleted_at",
            "status",
            "machine_id",
            "reported_model",
            "id",
        ),
        # The repairs completed before a month (its return repairs' earlier half): every
        # column they read, in completion order (0007).
        Index(
            "ix_job_completed_window",
            "completed_at",
            "job_type",
            "status",
            "deleted_at",
            "machine_id",
            "id",
        ),
    )

    number: str = Field(max_length=24, unique=True, index=True)  # e.g. FW-2026-000123
    job_type: str = Field(max_length=16, index=True)
    urgency: str = Field(default=Urgency.NORMAL, max_length=8)
    status: str = Field(default=JobStatus.NEW, max_length=16, index=True)
    customer_id: str = fk("customer.id")
    site_id: str | None = fk("customersite.id", nullable=True)
    machine_id: str | None = fk("machine.id", nullable=True)
    team_id: str | None = fk("team.id", nullable=True)
    assignee_id: str | None = fk("user.id", nullable=True)
    parent_job_id: str | None = fk("job.id", nullable=True)  # follow-up of an unfinished job
    # Dispatch information as received from the caller; the engineer checks it and
    # corrects it (seed 002), the correction syncs back.
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=256)
    reported_model: str = Field(default="", max_length=16)
    reported_serial: str = Field(default="", max_length=32)
    reported_purchase_date: date | None = None
    reported_symptom: str = Field(default="")  # 故障现象
    customer_request: str = Field(default="")  # 用户要求
    received_at: datetime = utc_field(nullable=False, index=True)  # the deadlines start here
    requested_at: datetime | None = utc_field()  # the customer's wished visit time
    appointment_at: datetime | None = utc_field()  # the time agreed with the customer
    answer_due_at: datetime | None = utc_field()
    on_site_due_at: datetime | None = utc_field(index=True)
    answered_at: datetime | None = utc_field()
    arrived_at: datetime | None = utc_field()
    completed_at: datetime | None = utc_field()
    amount_cents: int = 0  # charged total once signed
    needs_attention: bool = False  # flagged for the supervisor (e.g. a sync conflict)
    note: str = Field(default="")


class JobEvent(SyncedRow, table=True):
    """Append-only log of a job: every status change and the departure/arrival register
    (外派登记: departure time, customer, work content, engineer, remarks)."""

    # A month's jobs are those first approved in it: the approvals of the month by time,
    # and a job's earlier ones by job, each read from its index alone (0007).
    __table_args__ = (
        Index("ix_jobevent_kind_time", "kind", "occurred_at", "deleted_at", "job_id"),
        Index("ix_jobevent_job_kind", "job_id", "kind", "occurred_at", "deleted_at"),
    )

    job_id: str = fk("job.id")
    kind: str = Field(max_length=16)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    actor_id: str | None = fk("user.id", nullable=True)
    device_id: str | None = Field(default=None, max_length=36)
    occurred_at: datetime = utc_field(nullable=False)
    note: str = Field(default="")
    data: str = Field(default="")  # JSON: the new appointment, the corrected fields, ...


class PreInspectionFinding(SyncedRow, table=True):
    """预检单: a problem found on arrival. What the customer declines becomes a reminder."""

    job_id: str = fk("job.id")
    machine_id: str | None = fk("machine.id", nullable=True)
    component: str = Field(max_length=24)
    description: str
    fix_now: bool = True
    danger_if_not: str = Field(default="")
    remaining_life: str = Field(default="", max_length=64)
    remind_on: date | None = None
    remind_at_hours: float | None = None
    resolved_by_job_id: str | None = fk("job.id", nullable=True)


class Fault(SyncedRow, table=True):
    # The faults of a window (the year's Pareto) and of a month's jobs: every column
    # they read, by job (0007).
    __table_args__ = (
        Index(
            "ix_fault_job_window",
            "job_id",
            "deleted_at",
            "misuse",
            "assembly",
            "machine_id",
            "fixed",
            "id",
        ),
    )

    job_id: str = fk("job.id")
    machine_id: str | None = fk("machine.id", nullable=True)
    assembly: str = Field(max_length=24, index=True)
    fault_code: str = Field(default="", max_length=24)
    symptom: str
    cause: str = Field(default="")
    action: str = Field(default="")
    fixed: bool = False
    repair_location: str = Field(default=RepairLocation.ON_SITE, max_length=16)
    loaner_provided: bool = False  # 周转机
    misuse: bool = False  # caused by the operator: not covered by warranty
    hour_meter: float | None = None


class PartUsage(SyncedRow, table=True):
    job_id: str = fk("job.id")
    part_id: str = fk("part.id")
    fault_id: str | None = fk("fault.id", nullable=True)
    from_location_id: str | None = fk("stocklocation.id", nullable=True)
    quantity: int = 1
    unit_price_cents: int = 0
    warranty: bool = False  # decided by the rules, overridable with a reason
    override_reason: str = Field(default="")
    old_part_shown: bool = False  # 旧件出示
    old_part_returned: bool = False  # 旧件返厂 (warranty parts)


class TimeEntry(SyncedRow, table=True):
    job_id: str = fk("job.id")
    user_id: str = fk("user.id")
    kind: str = Field(default=TimeKind.LABOUR, max_length=8)
    started_at: datetime | None = utc_field()
    minutes: int
    warranty: bool = False
    note: str = Field(default="")


class Attachment(SyncedRow, table=True):
    """A photo, a signature or a document, stored and sent by its SHA-256."""

    sha256: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16)
    mime: str = Field(default="image/jpeg", max_length=32)
    size: int = 0
    width: int | None = None
    height: int | None = None
    job_id: str | None = fk("job.id", nullable=True)
    fault_id: str | None = fk("fault.id", nullable=True)
    caption: str = Field(default="")
    taken_at: datetime | None = utc_field()


class SignOff(SyncedRow, table=True):
    """The customer's signature on the report. ``content`` is the canonical JSON of
    everything signed for and ``report_hash`` its SHA-256; both never change. An
    amendment is a new sign-off that names the one it amends."""

    job_id: str = fk("job.id")
    signer_name: str = Field(max_length=64)
    opinion: str = Field(default="")
    satisfaction: str | None = Field(default=None, max_length=24)  # on-site rating
    signature_sha256: str = Field(max_length=64, index=True)
    report_hash: str = Field(max_length=64, index=True)
    content: str  # canonical JSON (RFC 8785) of the signed report
    signed_at: datetime = utc_field(nullable=False, index=True)  # the review queue's order
    engineer_id: str | None = fk("user.id", nullable=True)
    amends_id: str | None = fk("signoff.id", nullable=True)


class Review(SyncedRow, table=True):
    """A supervisor's decision on one signed revision of a report. Append-only: the
    history of a report is its reviews. An approval names the hash it approved, so it
    never covers another revision."""

    job_id: str = fk("job.id")
    signoff_id: str | None = fk("signoff.id", nullable=True)
    reviewer_id: str = fk("user.id")
    decision: str = Field(max_length=16)
    reason: str = Field(default="", max_length=24)  # ReturnReason of a return
    comment: str = Field(default="")
    report_hash: str = Field(default="", max_length=64, index=True)  # what was reviewed
    signature_sha256: str | None = Field(default=None, max_length=64)  # the reviewer's
    reviewed_at: datetime = utc_field(nullable=False)


class FollowUp(SyncedRow, table=True):
    """回访: the call after the job and how satisfied the customer was."""

    job_id: str = fk("job.id")
    engineer_id: str | None = fk("user.id", nullable=True)  # the engineer being rated
    clerk_id: str | None = fk("user.id", nullable=True)
    called_at: datetime = utc_field(nullable=False, index=True)
    reached: bool = True
    satisfaction: str | None = Field(default=None, max_length=24)
    praise: bool = False  # 表扬
    comment: str = Field(default="")


class Complaint(SyncedRow, table=True):
    customer_id: str = fk("customer.id")
    job_id: str | None = fk("job.id", nullable=True)
    follow_up_id: str | None = fk("followup.id", nullable=True)
    received_at: datetime = utc_field(nullable=False)
    channel: str = Field(default="phone", max_length=16)
    description: str
    status: str = Field(default=ComplaintStatus.OPEN, max_length=16)
    owner_id: str | None = fk("user.id", nullable=True)
    answered_at: datetime | None = utc_field()
    closed_at: datetime | None = utc_field()
    resolution: str = Field(default="")


class LicenceEvent(SyncedRow, table=True):
    """A points event on an engineer's service licence (seed 002)."""

    engineer_id: str = fk("user.id")
    kind: str = Field(max_length=24)
    job_id: str | None = fk("job.id", nullable=True)
    occurred_on: date
    note: str = Field(default="")
