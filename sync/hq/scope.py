"""The one door for scope at HQ: every request — sync push, pull, checksums, blobs and
the JSON API — asks :func:`authorize` (or :func:`allowed`) whether its user may read
or write what it names. docs/sync-protocol.md §4.6 says what is checked, table by table.

* **Read**: a row (or a bucket) is readable when its bucket is in the user's scope
  (:func:`sync.buckets.scope_of`, the same buckets a pull sends).
* **Write** (insert, update, delete): the role may write the table (and, for an
  engineer, the fields); the row's *owner scope* — its bucket, and the job it names —
  is the user's to write, before and after the change. A user writes:

  - ``job:<j>``: an engineer, a job assigned to them now or before; a supervisor, a job
    of their team (``job.team_id`` is the team, or the assignee is a member). A job
    with neither a team nor an assignee is an administrator's only.
  - ``customer:<c>``: an engineer, a customer with a live job assigned to them now; a
    supervisor, a customer with a live job of their team, or one they added from a
    device that no live job names yet (:func:`new_customers`, read and written).
  - ``user:<u>``: an engineer, themselves; a supervisor, a member of their team.
  - ``catalogue``, ``org``: administrators only; but the office's company-wide
    settings on the company profile (:data:`OFFICE_SETTINGS`, the follow-up sample
    rate) are a clerk's and a supervisor's to change too, those columns only.

  A row that names a job (``job_id``, or a checklist answer's run) is written with that
  job, and any other bucket it lives in (a van, a customer other than the job's) must be
  the user's too. Administrators write everything; clerks (office staff, scope ``*``)
  the tables and fields of their role.
* **Blobs**: a blob is readable through the rows HQ holds that name it; a new row may
  name a blob that HQ's rows already name only if its writer can read the blob already
  (:func:`blob_readable`), so naming someone's hash gains nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from enum import StrEnum

from sqlmodel import Session, col, select

from fieldapp.models import (
    Attachment,
    ChecklistAnswer,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateItem,
    CompanyProfile,
    Complaint,
    Contact,
    Customer,
    CustomerSite,
    Device,
    Fault,
    FollowUp,
    HourMeterReading,
    Job,
    JobEvent,
    LicenceEvent,
    Machine,
    MonthClose,
    Part,
    PartCompatibility,
    PartsRequest,
    PartsRequestLine,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    Region,
    ReminderDismissal,
    ReportDelivery,
    Review,
    SignOff,
    StockLocation,
    StockMovement,
    SyncConflict,
    SyncedRow,
    Team,
    TimeEntry,
    User,
)
from fieldapp.models.enums import JobStatus, Role
from fieldapp.services.work import FAULT_FIELDS
from sync.buckets import ALL, bucket_of, customer_bucket, job_bucket, scope_of
from sync.hq.models import CustomerCreator, RowLog


class Action(StrEnum):
    READ = "read"
    INSERT = "insert"
    UPDATE = "update"  # a delete too: it sets deleted_at


class Denied(Exception):
    """A refusal by the scope check: a stable code and a plain reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# What an engineer may add, and which fields of which rows they may change.
ENGINEER_INSERTS: frozenset[type[SyncedRow]] = frozenset(
    {
        JobEvent,
        PreInspectionFinding,
        Fault,
        PartUsage,
        TimeEntry,
        ChecklistRun,
        ChecklistAnswer,
        Attachment,
        SignOff,
        HourMeterReading,
        StockMovement,
        PartsRequest,
        PartsRequestLine,
        Contact,
        CustomerSite,
        Job,
        Complaint,
        ReportDelivery,
    }
)
ENGINEER_UPDATES: dict[type[SyncedRow], frozenset[str]] = {
    Job: frozenset(
        {
            "status",
            "appointment_at",
            "contact_name",
            "contact_phone",
            "address",
            "reported_model",
            "reported_serial",
            "reported_purchase_date",
            "reported_symptom",
            "customer_request",
            "answered_at",
            "arrived_at",
            "completed_at",
            "amount_cents",
            "note",
            "assignee_id",  # only to hand the job back
        }
    ),
    Customer: frozenset({"phone", "contact_name", "address"}),
    CustomerSite: frozenset({"contact_name", "contact_phone", "address"}),
    Contact: frozenset({"name", "title", "phone", "email"}),
    Machine: frozenset({"hour_meter", "hour_meter_read_at", "notes"}),
    PreInspectionFinding: frozenset(
        {
            "fix_now",
            "danger_if_not",
            "remaining_life",
            "remind_on",
            "remind_at_hours",
            "description",
            "component",
        }
    ),
    Fault: FAULT_FIELDS,
    PartUsage: frozenset(
        {
            "quantity",
            "warranty",
            "override_reason",
            "old_part_shown",
            "old_part_returned",
            "fault_id",
        }
    ),
    TimeEntry: frozenset({"kind", "started_at", "minutes", "warranty", "note"}),
    ChecklistRun: frozenset({"completed_at"}),
    Attachment: frozenset({"caption"}),
    PartsRequest: frozenset({"status", "note", "received_at"}),  # status: only to received
}
# A clerk's new job (a reminder turned into a job) is new and unassigned: dispatching
# it is the supervisor's. A reminder dismissed is the office's (and the managers'),
# never an engineer's.
CLERK_INSERTS: frozenset[type[SyncedRow]] = frozenset(
    {FollowUp, Complaint, JobEvent, Job, ReminderDismissal}
)
# Company-wide settings the office keeps on the (admin-only) company profile: a clerk
# or a supervisor changes these columns and no other; they are no one's scope.
OFFICE_SETTINGS: dict[type[SyncedRow], frozenset[str]] = {
    CompanyProfile: frozenset({"follow_up_sample_percent"}),
}
CLERK_UPDATES: dict[type[SyncedRow], frozenset[str]] = {
    Complaint: frozenset({"status", "answered_at", "closed_at", "resolution", "owner_id"}),
    Job: frozenset({"status"}),
    **OFFICE_SETTINGS,
}
# What an engineer may remove (soft delete): their own work records of an open job.
ENGINEER_DELETES: frozenset[type[SyncedRow]] = frozenset(
    {Fault, PartUsage, TimeEntry, PreInspectionFinding, Attachment, Contact}
)
# The organisation and the catalogue are administered at HQ, not by supervisors' devices;
# the conflict log is written by HQ.
ADMIN_ONLY: frozenset[type[SyncedRow]] = frozenset(
    {
        User,
        Team,
        Device,
        Region,
        ProductModel,
        Part,
        PartCompatibility,
        ChecklistTemplate,
        ChecklistTemplateItem,
        StockLocation,
        CompanyProfile,
    }
)
# The columns that name a blob, per table.
BLOB_COLUMNS: dict[type[SyncedRow], str] = {
    Attachment: "sha256",
    SignOff: "signature_sha256",
    ReportDelivery: "pdf_sha256",
    CompanyProfile: "logo_sha256",
    Review: "signature_sha256",  # the supervisor's signature on an approval
}


def read_scope(session: Session, user: User) -> list[str]:
    """The buckets the user reads: what a pull sends and checksums cover; a supervisor's
    also holds the customers they added that no job names yet (:func:`new_customers`)."""
    buckets = scope_of(session, user)
    added = new_customers(session, user)
    if not added:
        return buckets
    return sorted(set(buckets) | {customer_bucket(c) for c in added})


def new_customers(session: Session, user: User, customer_id: str | None = None) -> list[str]:
    """The one rule for a customer added offline: a supervisor (with a team) who added a
    customer from a device (``hq_customer_creator``) reads and writes it, and its sites,
    contacts and machines, as long as no live job names it; from its first job on it is
    the team's as any customer is. ``customer_id`` asks about that one only."""
    if Role(user.role) != Role.SUPERVISOR or user.team_id is None:
        return []
    named = select(Job.id).where(
        Job.customer_id == CustomerCreator.customer_id, col(Job.deleted_at).is_(None)
    )
    statement = select(CustomerCreator.customer_id).where(
        CustomerCreator.user_id == user.id, ~named.exists()
    )
    if customer_id is not None:
        statement = statement.where(CustomerCreator.customer_id == customer_id)
    with session.no_autoflush:
        return list(session.exec(statement).all())


def allowed(
    session: Session,
    user: User,
    action: Action,
    target: SyncedRow | str,
    *,
    before: SyncedRow | None = None,
    fields: Collection[str] = (),
    scope: Collection[str] | None = None,
) -> bool:
    try:
        authorize(session, user, action, target, before=before, fields=fields, scope=scope)
    except Denied:
        return False
    return True


def authorize(
    session: Session,
    user: User,
    action: Action,
    target: SyncedRow | str,
    *,
    before: SyncedRow | None = None,
    fields: Collection[str] = (),
    scope: Collection[str] | None = None,
) -> None:
    """Raise :class:`Denied` unless ``user`` may do ``action`` on ``target``.

    ``target`` is a row, or (to read) a bucket name. To update, ``target`` is the row as
    it would be after the change, ``before`` the row as HQ holds it and ``fields`` the
    names changed. ``scope`` is the user's read scope when the caller has it already."""
    role = Role(user.role)
    if action == Action.READ:
        buckets = scope if scope is not None else read_scope(session, user)
        bucket = target if isinstance(target, str) else bucket_of(session, target)
        if ALL not in buckets and bucket not in buckets:
            raise Denied("out_of_scope", "This is outside your scope.")
        return
    if isinstance(target, str):
        raise Denied("forbidden", "Only rows are written.")
    row = target
    name = type(row).__name__
    if role == Role.ADMIN:
        return
    if action == Action.INSERT:
        _table_may_insert(role, row)
    else:
        _table_may_update(session, user, role, row, fields)
        if _office_setting(row, fields):
            return  # company-wide (the catalogue), no one's scope: the role decides
    if isinstance(row, ReminderDismissal) and row.dismissed_by_id != user.id:
        raise Denied("forbidden", "A reminder is dismissed in its writer's name only.")
    if role == Role.CLERK:
        if isinstance(row, Job) and action == Action.INSERT and not _unassigned_new(row):
            raise Denied("forbidden", "A clerk opens only a new, unassigned job.")
        return  # office staff work HQ-wide (scope "*") within their tables and fields
    if isinstance(row, Review) and row.reviewer_id != user.id:
        raise Denied("forbidden", "A review is signed by its reviewer only.")
    if isinstance(row, MonthClose) and (
        row.closed_by_id != user.id or row.team_id is None or row.team_id != user.team_id
    ):
        raise Denied("forbidden", "A supervisor closes their own team's month only.")
    if role == Role.ENGINEER and action == Action.INSERT and isinstance(row, Job):
        if not _engineer_follow_up(session, user, row):
            raise Denied("forbidden", "An engineer opens only the follow-up of their own job.")
    elif action == Action.INSERT and isinstance(row, Customer):
        # A new customer is in nobody's scope yet: a supervisor adds it with its first
        # job, and it is theirs until then (new_customers).
        if role != Role.SUPERVISOR or user.team_id is None:
            raise Denied("forbidden", "Only a supervisor of a team adds a customer.")
    else:
        if before is None:
            states = [row]
        elif role == Role.ENGINEER:
            states = [before]  # an engineer's fields never move a row elsewhere
        else:
            states = [before, row]  # nor may a supervisor's move it out of their scope
        for state in states:
            if not _owns(session, user, role, state):
                raise Denied("forbidden", f"This {name} is outside your scope.")
    _check_blob_claim(session, user, row, before)


def _office_setting(row: SyncedRow, fields: Collection[str]) -> bool:
    """The change sets only company-wide settings of the office (:data:`OFFICE_SETTINGS`)."""
    wanted = set(fields)
    return bool(wanted) and wanted <= OFFICE_SETTINGS.get(type(row), frozenset())


def _unassigned_new(job: Job) -> bool:
    """A job as a clerk may open it: new, for a supervisor to dispatch."""
    return job.status == JobStatus.NEW and job.assignee_id is None


def _table_may_insert(role: Role, row: SyncedRow) -> None:
    kind = type(row)
    if role == Role.ENGINEER:
        ok = kind in ENGINEER_INSERTS
    elif role == Role.SUPERVISOR:
        ok = kind not in ADMIN_ONLY and kind not in {SignOff, SyncConflict}
    elif role == Role.CLERK:
        ok = kind in CLERK_INSERTS
    else:
        ok = False
    if not ok:
        raise Denied("forbidden", f"A {role} may not add a {kind.__name__}.")


def _table_may_update(
    session: Session, user: User, role: Role, row: SyncedRow, fields: Collection[str]
) -> None:
    kind = type(row)
    wanted = set(fields)
    if role == Role.ENGINEER:
        deletable = {"deleted_at"} if kind in ENGINEER_DELETES else set()
        ok = wanted <= ENGINEER_UPDATES.get(kind, frozenset()) | deletable
        if isinstance(row, Job) and "assignee_id" in wanted and row.assignee_id is not None:
            ok = False  # an engineer only hands a job back, never re-assigns it
        if isinstance(row, PartsRequest) and "status" in wanted and row.status != "received":
            ok = False  # the supervisor approves and ships; the engineer only receives
    elif role == Role.SUPERVISOR:
        ok = kind not in ADMIN_ONLY or _office_setting(row, wanted)
        if ok and isinstance(row, Job) and "assignee_id" in wanted and row.assignee_id:
            # A supervisor gives their team's jobs to their team's engineers.
            ok = _member(session, user, row.assignee_id)
    elif role == Role.CLERK:
        ok = wanted <= CLERK_UPDATES.get(kind, frozenset())
    else:
        ok = False
    if not ok:
        raise Denied(
            "forbidden",
            f"A {role} may not change {', '.join(sorted(wanted))} of this {kind.__name__}.",
        )


# --- owner scope -----------------------------------------------------------------------


def _member(session: Session, user: User, other_id: str | None) -> bool:
    """``other_id`` is a member of the user's team."""
    if user.team_id is None or other_id is None:
        return False
    with session.no_autoflush:
        other = session.get(User, other_id)
    return other is not None and other.team_id == user.team_id


def was_assigned(session: Session, job: Job, user_id: str) -> bool:
    """The engineer holds the job now, or held it (work done offline before a
    re-assignment is kept, never lost)."""
    if job.assignee_id == user_id:
        return True
    with session.no_autoflush:
        events = session.exec(
            select(JobEvent.data).where(JobEvent.job_id == job.id, JobEvent.kind == "assigned")
        ).all()
    for data in events:
        try:
            if json.loads(data or "{}").get("assignee_id") == user_id:
                return True
        except (ValueError, AttributeError):
            continue
    return False


def _unassigned_follow_up_of(session: Session, user: User, job: Job) -> bool:
    """A follow-up the engineer opened for the board: no assignee yet and its parent is
    theirs. Its creation event and its parts request go up with it (fieldapp/services/
    revisit.py); once assigned to someone else it is no longer theirs."""
    if job.assignee_id is not None or job.parent_job_id is None or job.status != JobStatus.NEW:
        return False
    with session.no_autoflush:
        parent = session.get(Job, job.parent_job_id)
    return parent is not None and was_assigned(session, parent, user.id)


def job_writable(session: Session, user: User, job: Job) -> bool:
    """The user writes this job (as it is given: HQ's row or a changed copy)."""
    role = Role(user.role)
    if role in {Role.ADMIN, Role.CLERK}:
        return True
    if role == Role.ENGINEER:
        return was_assigned(session, job, user.id) or _unassigned_follow_up_of(session, user, job)
    if role == Role.SUPERVISOR and user.team_id is not None:
        return job.team_id == user.team_id or _member(session, user, job.assignee_id)
    return False


def _customer_writable(session: Session, user: User, customer_id: str) -> bool:
    role = Role(user.role)
    live = col(Job.deleted_at).is_(None)
    if role == Role.ENGINEER:
        mine = Job.assignee_id == user.id
    elif role == Role.SUPERVISOR and user.team_id is not None:
        members = select(User.id).where(User.team_id == user.team_id)
        mine = (col(Job.team_id) == user.team_id) | col(Job.assignee_id).in_(members)
    else:
        return False
    with session.no_autoflush:
        found = session.exec(
            select(Job.id).where(Job.customer_id == customer_id, live, mine)
        ).first()
    return found is not None or bool(new_customers(session, user, customer_id))


def bucket_writable(session: Session, user: User, bucket: str) -> bool:
    """The user writes rows of this bucket."""
    role = Role(user.role)
    if role in {Role.ADMIN, Role.CLERK}:
        return True
    kind, _, key = bucket.partition(":")
    if kind == "job":
        with session.no_autoflush:
            job = session.get(Job, key)
        return job is not None and job_writable(session, user, job)
    if kind == "customer":
        return _customer_writable(session, user, key)
    if kind == "user":
        return key == user.id or (role == Role.SUPERVISOR and _member(session, user, key))
    return False  # the catalogue and the organisation


def _named_job(session: Session, row: SyncedRow) -> tuple[bool, Job | None]:
    """Whether the row names a job, and that job as HQ holds it (None if missing)."""
    if isinstance(row, Job):
        return True, row
    with session.no_autoflush:
        if isinstance(row, ChecklistAnswer):
            run = session.get(ChecklistRun, row.run_id)
            return True, session.get(Job, run.job_id) if run else None
        job_id = getattr(row, "job_id", None)
        if job_id is None:
            return False, None
        return True, session.get(Job, job_id)


def _owns(session: Session, user: User, role: Role, row: SyncedRow) -> bool:
    """The row's owner scope (its bucket, and the job it names) is the user's."""
    if isinstance(row, LicenceEvent) and role == Role.ENGINEER:
        return False  # licence points are the supervisor's to give
    bucket = bucket_of(session, row)
    names_job, job = _named_job(session, row)
    if names_job:
        if job is None or not job_writable(session, user, job):
            return False
        if bucket in {job_bucket(job.id), customer_bucket(job.customer_id)}:
            return True
    return bucket_writable(session, user, bucket)


def _engineer_follow_up(session: Session, user: User, row: Job) -> bool:
    """An engineer creates only the follow-up of their own job, for the same customer."""
    with session.no_autoflush:
        parent = session.get(Job, row.parent_job_id) if row.parent_job_id else None
    return (
        parent is not None
        and was_assigned(session, parent, user.id)
        and row.customer_id == parent.customer_id
        and row.assignee_id in {None, user.id}
    )


# --- blobs -----------------------------------------------------------------------------


def _holders(session: Session, sha256: str) -> list[tuple[str, str]]:
    """(table, row id) of every row HQ holds that names the blob."""
    found: list[tuple[str, str]] = []
    with session.no_autoflush:
        for model, column in BLOB_COLUMNS.items():
            table = model.__tablename__  # type: ignore[attr-defined]
            found += [
                (table, row_id)
                for row_id in session.exec(
                    select(model.id).where(getattr(model, column) == sha256)
                ).all()
            ]
    return found


def blob_readable(
    session: Session, user: User, sha256: str, *, scope: Collection[str] | None = None
) -> bool:
    """A blob is readable through a row HQ holds that names it, in one of the user's
    buckets (scope ``*`` reads all)."""
    buckets = scope if scope is not None else read_scope(session, user)
    if ALL in buckets:
        return True
    for table, row_id in _holders(session, sha256):
        with session.no_autoflush:
            entries = session.exec(
                select(RowLog.bucket).where(
                    RowLog.table_name == table,
                    RowLog.row_id == row_id,
                    col(RowLog.removed).is_(False),
                )
            ).all()
        if any(allowed(session, user, Action.READ, bucket, scope=buckets) for bucket in entries):
            return True
    return False


def _check_blob_claim(
    session: Session, user: User, row: SyncedRow, before: SyncedRow | None
) -> None:
    """A row may name a blob that rows at HQ already name only if its writer can read
    the blob through them: naming another's photo hash gives no access to the photo."""
    column = BLOB_COLUMNS.get(type(row))
    if column is None:
        return
    sha256 = getattr(row, column, None)
    if not sha256 or (before is not None and getattr(before, column, None) == sha256):
        return
    others = [h for h in _holders(session, sha256) if h[1] != row.id]
    if others and not blob_readable(session, user, sha256):
        raise Denied("blob_forbidden", "This blob belongs to rows outside your scope.")
