"""Database-level guards that hold on the device and at HQ alike.

* Signed means frozen (design.md promise 5): once a job's report is signed, nothing of
  what the customer signed for can be inserted, changed or removed; sign-offs themselves
  never change.
* Append-only records are never edited on a device; deletes are soft everywhere.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from fieldapp.models import (
    Attachment,
    ChecklistAnswer,
    ChecklistRun,
    Fault,
    HourMeterReading,
    Job,
    PartUsage,
    PreInspectionFinding,
    SignOff,
    TimeEntry,
)
from fieldapp.models.base import changed_fields
from fieldapp.rules.jobflow import is_frozen

#: Tables whose rows are part of the signed report, found through their ``job_id``.
REPORT_TABLES = (
    ChecklistRun,
    Fault,
    PartUsage,
    TimeEntry,
    PreInspectionFinding,
    Attachment,
    HourMeterReading,
)
#: Job fields the customer signs for; the status and the assignee still move after.
FROZEN_JOB_FIELDS = frozenset(
    {
        "number",
        "job_type",
        "customer_id",
        "site_id",
        "machine_id",
        "contact_name",
        "contact_phone",
        "address",
        "reported_model",
        "reported_serial",
        "reported_purchase_date",
        "reported_symptom",
        "customer_request",
        "arrived_at",
        "amount_cents",
        "deleted_at",
    }
)
#: Columns that sync bookkeeping may update on any row.
BOOKKEEPING_FIELDS = frozenset({"version", "updated_at"})


class FrozenReportError(Exception):
    """A change to a signed report. Only a signed amendment may follow it."""

    code = "report_frozen"


def _committed_status(session: Session, job_id: str | None) -> str | None:
    """The job's status as it was before this flush."""
    if job_id is None:
        return None
    with session.no_autoflush:
        job = session.get(Job, job_id)
    if job is None:
        return None
    history = inspect(job).attrs.status.history
    if history.deleted:
        return str(history.deleted[0])
    return job.status


def _job_of(session: Session, obj: Any) -> str | None:
    if isinstance(obj, ChecklistAnswer):
        with session.no_autoflush:
            run = session.get(ChecklistRun, obj.run_id)
        return run.job_id if run else None
    return getattr(obj, "job_id", None)


def check_frozen(session: Session) -> None:
    if session.info.get("replica"):
        # Rows copied from HQ as HQ holds them (the pull): HQ already enforced this.
        return
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, SignOff):
            if obj in session.deleted or (
                obj not in session.new and changed_fields(obj) - BOOKKEEPING_FIELDS
            ):
                raise FrozenReportError("A customer's sign-off can never change.")
            continue
        if isinstance(obj, Job):
            if obj in session.new:
                continue
            status = _committed_status(session, obj.id)
            touched = changed_fields(obj) & FROZEN_JOB_FIELDS
            if status and is_frozen(status) and (touched or obj in session.deleted):
                raise FrozenReportError(
                    f"Job {obj.number} is signed: {', '.join(sorted(touched))} cannot change."
                )
            continue
        if isinstance(obj, (*REPORT_TABLES, ChecklistAnswer)):
            if obj in session.dirty and not changed_fields(obj) - BOOKKEEPING_FIELDS:
                continue
            status = _committed_status(session, _job_of(session, obj))
            if status and is_frozen(status):
                raise FrozenReportError(
                    f"The job's report is signed: its {type(obj).__name__} cannot change."
                )


def install_frozen_guard(session_class: type[Session]) -> None:
    """Refuse changes to signed reports in every session of ``session_class``."""

    @event.listens_for(session_class, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        check_frozen(session)
