"""HQ applies a device's mutations: checks who may do what, merges field by field,
logs conflicts, and stores each answer in the transaction that applied it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, col, select

from fieldapp.clock import utcnow
from fieldapp.delivery import REPORT_LANGUAGES, normalise_email
from fieldapp.guards import FrozenReportError
from fieldapp.models import (
    APPEND_ONLY_TABLES,
    TABLES_BY_NAME,
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
    Part,
    PartCompatibility,
    PartsRequest,
    PartsRequestLine,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    Region,
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
from fieldapp.models.enums import (
    AttachmentKind,
    CheckResult,
    ComplaintStatus,
    DeliveryStatus,
    JobEventKind,
    JobStatus,
    JobType,
    LicenceEventKind,
    MovementKind,
    PartsRequestStatus,
    RepairLocation,
    ReviewDecision,
    Role,
    Satisfaction,
    TimeKind,
    Urgency,
)
from fieldapp.rules import jobflow
from fieldapp.rules.merge import Winner, resolve_field
from fieldapp.rules.report_hash import verify_report
from fieldapp.services import DomainError, refresh_deadlines
from fieldapp.wire import row_to_wire, to_wire
from fieldapp.work import FAULT_FIELDS
from sync.buckets import ALL, bucket_of, scope_of
from sync.hq.models import AppliedMutation, Revision
from sync.protocol import Mutation, MutationResult, PushRequest, PushResponse

log = logging.getLogger(__name__)


class Rejection(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Actor:
    user: User
    device_id: str

    @property
    def role(self) -> Role:
        return Role(self.user.role)


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
    PartsRequest: frozenset({"status", "note"}),
}
CLERK_INSERTS: frozenset[type[SyncedRow]] = frozenset({FollowUp, Complaint, JobEvent})
CLERK_UPDATES: dict[type[SyncedRow], frozenset[str]] = {
    Complaint: frozenset({"status", "answered_at", "closed_at", "resolution", "owner_id"}),
    Job: frozenset({"status"}),
}
NEVER_FROM_DEVICES: frozenset[str] = frozenset({"id", "version", "created_at", "updated_at"})
# What an engineer may remove (soft delete): their own work records of an open job.
ENGINEER_DELETES: frozenset[type[SyncedRow]] = frozenset(
    {Fault, PartUsage, TimeEntry, PreInspectionFinding, Attachment, Contact}
)
# The organisation and the catalogue are administered at HQ, not by supervisors' devices.
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
# Columns holding a value of one of the domain's vocabularies.
VOCABULARIES: dict[tuple[str, str], type[StrEnum]] = {
    ("job", "status"): JobStatus,
    ("job", "job_type"): JobType,
    ("job", "urgency"): Urgency,
    ("jobevent", "kind"): JobEventKind,
    ("fault", "repair_location"): RepairLocation,
    ("timeentry", "kind"): TimeKind,
    ("attachment", "kind"): AttachmentKind,
    ("stockmovement", "kind"): MovementKind,
    ("checklistanswer", "result"): CheckResult,
    ("partsrequest", "status"): PartsRequestStatus,
    ("signoff", "satisfaction"): Satisfaction,
    ("followup", "satisfaction"): Satisfaction,
    ("review", "decision"): ReviewDecision,
    ("complaint", "status"): ComplaintStatus,
    ("licenceevent", "kind"): LicenceEventKind,
    ("reportdelivery", "status"): DeliveryStatus,
}


def apply_batch(session: Session, actor: Actor, request: PushRequest) -> PushResponse:
    """Apply a batch in one transaction; each mutation in a savepoint of its own, so a
    rejected one changes nothing and the others still apply."""
    results: list[MutationResult] = []
    scope_cache: dict[str, set[str]] = {}
    for mutation in request.mutations:
        stored = session.get(AppliedMutation, mutation.mutation_id)
        if stored is not None:
            if stored.device_id != actor.device_id:
                results.append(
                    _rejected(
                        mutation, "mutation_id_taken", "This mutation id belongs to another device."
                    )
                )
            else:
                results.append(MutationResult.model_validate_json(stored.result))
            continue
        savepoint = session.begin_nested()
        try:
            result = apply_mutation(session, actor, mutation)
            session.flush()
            savepoint.commit()
        except Rejection as rejection:
            savepoint.rollback()
            result = _rejected(mutation, rejection.code, rejection.reason)
        except FrozenReportError as error:
            savepoint.rollback()
            result = _rejected(mutation, "report_frozen", str(error))
        except (IntegrityError, StatementError) as error:
            savepoint.rollback()
            result = _rejected(mutation, "integrity", str(error.orig or error).splitlines()[0])
        except (ValueError, TypeError) as error:
            savepoint.rollback()
            result = _rejected(mutation, "invalid_value", str(error).splitlines()[0][:200])
        if result.status == "rejected":
            result.row = _current_row(session, mutation)
            log.info(
                "Rejected %s %s %s: %s", mutation.op, mutation.table, mutation.row_id, result.code
            )
        if result.row is not None and not _visible(session, actor, mutation, scope_cache):
            result.row = None  # never hand out a row outside the device's scope
        session.add(
            AppliedMutation(
                mutation_id=mutation.mutation_id,
                device_id=actor.device_id,
                result=result.model_dump_json(),
                applied_at=utcnow(),
            )
        )
        session.flush()
        results.append(result)
    return PushResponse(batch_id=request.batch_id, results=results)


def _visible(
    session: Session, actor: Actor, mutation: Mutation, cache: dict[str, set[str]]
) -> bool:
    """Whether the mutated row is in a bucket the device holds."""
    model = TABLES_BY_NAME.get(mutation.table)
    row = session.get(model, mutation.row_id) if model else None
    if row is None:
        return False
    bucket = bucket_of(session, row)
    for fresh in (False, True):
        # The batch may itself have widened the scope (a new job): look again once.
        if fresh or "scope" not in cache:
            cache["scope"] = set(scope_of(session, actor.user))
        if ALL in cache["scope"] or bucket in cache["scope"]:
            return True
    return False


def _rejected(mutation: Mutation, code: str, reason: str) -> MutationResult:
    return MutationResult(
        mutation_id=mutation.mutation_id, status="rejected", code=code, reason=reason
    )


def _current_row(session: Session, mutation: Mutation) -> dict[str, Any] | None:
    model = TABLES_BY_NAME.get(mutation.table)
    if model is None:
        return None
    row = session.get(model, mutation.row_id)
    return row_to_wire(row) if row is not None else None


def _validated(model: type[SyncedRow], values: dict[str, Any]) -> SyncedRow:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]
        )
        raise Rejection("invalid_value", problems) from error


def apply_mutation(session: Session, actor: Actor, mutation: Mutation) -> MutationResult:
    model = TABLES_BY_NAME.get(mutation.table)
    if model is None:
        raise Rejection("unknown_table", f"No table {mutation.table!r}.")
    columns = set(model.model_fields)
    unknown = set(mutation.fields) - columns
    if unknown:
        raise Rejection("unknown_field", f"{mutation.table} has no {', '.join(sorted(unknown))}.")
    for name, value in mutation.fields.items():
        vocabulary = VOCABULARIES.get((mutation.table, name))
        if vocabulary is not None and value is not None and value not in set(vocabulary):
            raise Rejection("invalid_value", f"{name}: {value!r} is not a known value.")
    if mutation.op == "insert":
        return _insert(session, actor, model, mutation)
    return _update(session, actor, model, mutation)


def _insert(
    session: Session, actor: Actor, model: type[SyncedRow], mutation: Mutation
) -> MutationResult:
    values = dict(mutation.fields)
    if values.get("id", mutation.row_id) != mutation.row_id:
        raise Rejection("id_mismatch", "The row's id differs from the mutation's row id.")
    values["id"] = mutation.row_id
    values.pop("version", None)
    values.pop("updated_at", None)
    row = _validated(model, values)
    existing = session.get(model, mutation.row_id)
    if existing is not None:
        # The same insert again (e.g. from a re-created outbox): a no-op. Anything else
        # with this id is an attempt to overwrite someone's row.
        if _same_content(existing, row):
            return MutationResult(
                mutation_id=mutation.mutation_id,
                status="applied",
                version=existing.version,
                row=row_to_wire(existing),
            )
        raise Rejection("id_conflict", "A different row with this id exists.")
    _authorize_insert(session, actor, row)
    job = job_of(session, row) if actor.role == Role.ENGINEER else None
    if job is not None and job.id != row.id and job.assignee_id != actor.user.id:
        _flag(session, job)  # work recorded by the engineer the job was taken from
    if isinstance(row, SignOff) and not verify_report(row.content, row.report_hash):
        raise Rejection("hash_mismatch", "The signed report does not match its hash.")
    session.add(row)
    session.flush()
    return MutationResult(
        mutation_id=mutation.mutation_id,
        status="applied",
        version=row.version,
        row=row_to_wire(row),
    )


# Fields HQ writes on rows devices add: a re-sent insert is the same row without them.
HQ_OWNED_FIELDS: dict[type[SyncedRow], frozenset[str]] = {
    ReportDelivery: frozenset({"status", "sent_at", "attempts", "last_error"}),
}


def _same_content(existing: SyncedRow, incoming: SyncedRow) -> bool:
    skip = {"version", "updated_at", "created_at"} | HQ_OWNED_FIELDS.get(type(existing), set())
    left = {k: v for k, v in row_to_wire(existing).items() if k not in skip}
    right = {k: v for k, v in row_to_wire(incoming).items() if k not in skip}
    return left == right


def _update(
    session: Session, actor: Actor, model: type[SyncedRow], mutation: Mutation
) -> MutationResult:
    row = session.get(model, mutation.row_id)
    if row is None:
        raise Rejection("not_found", f"No {mutation.table} {mutation.row_id}.")
    if model in APPEND_ONLY_TABLES:
        raise Rejection("append_only", f"{mutation.table} rows are never changed.")
    incoming = {k: v for k, v in mutation.fields.items() if k not in NEVER_FROM_DEVICES}
    if mutation.op == "delete" and set(incoming) != {"deleted_at"}:
        raise Rejection("bad_delete", "A delete sets deleted_at and nothing else.")
    # Parse the device's values with the table's own types.
    merged = row_to_wire(row)
    merged.update(incoming)
    parsed = _validated(model, merged)
    wanted = {name: getattr(parsed, name) for name in incoming}
    _authorize_update(session, actor, row, wanted)

    concurrent = _fields_changed_elsewhere(session, mutation, actor)
    taken_away = (
        isinstance(row, Job) and actor.role == Role.ENGINEER and row.assignee_id != actor.user.id
    )
    if isinstance(row, Job) and actor.role == Role.ENGINEER:
        # Deadlines follow from the appointment and the region: HQ computes them.
        for derived in ("answer_due_at", "on_site_due_at"):
            wanted.pop(derived, None)
    if taken_away:
        # The job was taken from this engineer while they worked offline: whatever they
        # changed meets the dispatcher's decision, and the supervisor must look.
        concurrent = set(wanted)
        _flag(session, row)
    conflicts: list[str] = []
    for name, value in wanted.items():
        current = getattr(row, name)
        if to_wire(current) == to_wire(value):
            continue
        if name in concurrent:
            resolution = resolve_field(
                mutation.table,
                name,
                value,
                current,
                actor.user.role,
                device_is_assignee=not taken_away,
            )
            _log_conflict(
                session, actor, row, name, value, current, resolution.winner.value, resolution.rule
            )
            conflicts.append(name)
            if resolution.flag_for_supervisor:
                _flag(session, row)
            if resolution.winner == Winner.SERVER:
                continue
        if isinstance(row, Job) and name == "status":
            _check_status_step(session, actor, row, str(value), forced=name in concurrent)
        setattr(row, name, value)
    if isinstance(row, Job) and "appointment_at" in wanted:
        refresh_deadlines(session, row)
    session.add(row)
    session.flush()
    return MutationResult(
        mutation_id=mutation.mutation_id,
        status="applied",
        version=row.version,
        conflicts=conflicts,
        row=row_to_wire(row),
    )


def _fields_changed_elsewhere(session: Session, mutation: Mutation, actor: Actor) -> set[str]:
    """Fields changed at HQ after the version the device's change was based on, by
    anyone but this device."""
    revisions = session.exec(
        select(Revision).where(
            Revision.table_name == mutation.table,
            Revision.row_id == mutation.row_id,
            col(Revision.version) > mutation.base_version,
        )
    ).all()
    fields: set[str] = set()
    for revision in revisions:
        if revision.device_id == actor.device_id:
            continue
        names = revision.fields.split()
        if "*" in names:  # created after the device's base: everything is concurrent
            return set(mutation.fields)
        fields.update(names)
    return fields


def _check_status_step(session: Session, actor: Actor, job: Job, target: str, forced: bool) -> None:
    if target == JobStatus.SIGNED:
        # Even when the precedence rules keep the device's "signed": only with a sign-off.
        signed = session.exec(select(SignOff.id).where(SignOff.job_id == job.id)).first()
        if signed is None:
            raise Rejection("not_signed", "A job is signed only with the customer's sign-off.")
    if forced:
        return  # the step was decided by the precedence rules
    role = Role.SUPERVISOR if actor.role == Role.ADMIN else actor.role
    if not jobflow.reachable(job.status, target, role):
        raise Rejection("illegal_transition", f"A job that is {job.status} cannot become {target}.")


def _flag(session: Session, row: SyncedRow) -> None:
    job = row if isinstance(row, Job) else None
    if job is None and hasattr(row, "job_id"):
        job = session.get(Job, row.job_id)
    if job is not None:
        job.needs_attention = True
        session.add(job)


def _log_conflict(
    session: Session,
    actor: Actor,
    row: SyncedRow,
    field: str,
    device_value: Any,
    server_value: Any,
    kept: str,
    rule: str,
) -> None:
    session.add(
        SyncConflict(
            table_name=row.__tablename__,  # type: ignore[attr-defined]
            row_id=row.id,
            field_name=field,
            device_value=json.dumps(to_wire(device_value), ensure_ascii=False),
            server_value=json.dumps(to_wire(server_value), ensure_ascii=False),
            kept=kept,
            rule=rule,
            device_id=actor.device_id,
            user_id=actor.user.id,
            detected_at=utcnow(),
        )
    )


# --- who may touch what ----------------------------------------------------------------


def job_of(session: Session, row: SyncedRow) -> Job | None:
    if isinstance(row, Job):
        return row
    if isinstance(row, ChecklistAnswer):
        run = session.get(ChecklistRun, row.run_id)
        return session.get(Job, run.job_id) if run else None
    job_id = getattr(row, "job_id", None)
    return session.get(Job, job_id) if job_id else None


def was_assigned(session: Session, job: Job, user_id: str) -> bool:
    """The engineer holds the job now, or held it (work done offline before a
    re-assignment is kept, never lost)."""
    if job.assignee_id == user_id:
        return True
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


def _customer_in_scope(session: Session, actor: Actor, customer_id: str | None) -> bool:
    if customer_id is None:
        return False
    found = session.exec(
        select(Job.id).where(
            Job.customer_id == customer_id,
            Job.assignee_id == actor.user.id,
            col(Job.deleted_at).is_(None),
        )
    ).first()
    return found is not None


def _customer_of(session: Session, row: SyncedRow) -> str | None:
    if isinstance(row, Customer):
        return row.id
    if isinstance(row, HourMeterReading):
        machine = session.get(Machine, row.machine_id)
        return machine.customer_id if machine else None
    return getattr(row, "customer_id", None)


def _engineer_may_touch(session: Session, actor: Actor, row: SyncedRow) -> bool:
    me = actor.user.id
    if isinstance(row, Job) and session.get(Job, row.id) is None:
        # An engineer creates only the follow-up of their own job, for the same customer.
        parent = session.get(Job, row.parent_job_id) if row.parent_job_id else None
        return (
            parent is not None
            and was_assigned(session, parent, me)
            and row.customer_id == parent.customer_id
            and row.assignee_id in {None, me}
        )
    if isinstance(row, StockMovement):
        location = session.get(StockLocation, row.location_id)
        return location is not None and location.owner_user_id == me
    if isinstance(row, PartsRequest):
        return row.requester_id == me
    if isinstance(row, PartsRequestLine):
        request = session.get(PartsRequest, row.request_id)
        return request is not None and request.requester_id == me
    if isinstance(row, LicenceEvent):
        return False
    job = job_of(session, row)
    if job is not None:
        return was_assigned(session, job, me)
    if getattr(row, "job_id", None) or isinstance(row, ChecklistAnswer):
        return False  # names a job that does not exist
    return _customer_in_scope(session, actor, _customer_of(session, row))


def _supervisor_may_touch(session: Session, actor: Actor, row: SyncedRow) -> bool:
    if type(row) in ADMIN_ONLY or actor.user.team_id is None:
        return False
    job = job_of(session, row)
    if job is None:
        return True
    if job.team_id and job.team_id == actor.user.team_id:
        return True
    assignee = session.get(User, job.assignee_id) if job.assignee_id else None
    return assignee is not None and assignee.team_id == actor.user.team_id


def _authorize_insert(session: Session, actor: Actor, row: SyncedRow) -> None:
    role = actor.role
    if role == Role.ADMIN:
        return
    if role == Role.ENGINEER:
        allowed = type(row) in ENGINEER_INSERTS and _engineer_may_touch(session, actor, row)
    elif role == Role.SUPERVISOR:
        allowed = not isinstance(row, SignOff) and _supervisor_may_touch(session, actor, row)
    elif role == Role.CLERK:
        allowed = type(row) in CLERK_INSERTS
    else:
        allowed = False
    if not allowed:
        raise Rejection("forbidden", f"A {role} may not add this {type(row).__name__} here.")
    if isinstance(row, Review) and row.reviewer_id != actor.user.id:
        raise Rejection("forbidden", "A review is signed by its reviewer only.")
    if isinstance(row, ReportDelivery):
        _check_delivery(session, actor, row)


def _check_delivery(session: Session, actor: Actor, row: ReportDelivery) -> None:
    """A report e-mail asked for by this user, for the signed report of that job, with
    a well-formed address; HQ alone writes how the sending went."""
    if row.requested_by != actor.user.id:
        raise Rejection("forbidden", "A report e-mail is requested by its sender only.")
    sign_off = session.get(SignOff, row.sign_off_id)
    if sign_off is None or sign_off.job_id != row.job_id:
        raise Rejection("not_signed", "The report e-mail names no sign-off of this job.")
    if sign_off.report_hash != row.report_hash:
        raise Rejection("hash_mismatch", "The report e-mail is not for the signed report.")
    if (
        row.status != DeliveryStatus.QUEUED
        or row.attempts
        or row.sent_at is not None
        or row.last_error
    ):
        raise Rejection("forbidden", "Only HQ records how a report e-mail was sent.")
    if row.language not in REPORT_LANGUAGES:
        raise Rejection("invalid_value", f"language: {row.language!r} is not a report language.")
    if len(row.pdf_sha256) != 64 or any(c not in "0123456789abcdef" for c in row.pdf_sha256):
        raise Rejection("invalid_value", "pdf_sha256: a blob is named by its SHA-256.")
    try:
        normalised = normalise_email(row.email)
    except DomainError as error:
        raise Rejection("invalid_value", str(error)) from error
    if normalised != row.email:
        raise Rejection("invalid_value", f"email: {row.email!r} is not in its normal form.")


def _authorize_update(
    session: Session, actor: Actor, row: SyncedRow, wanted: dict[str, Any]
) -> None:
    role = actor.role
    if role == Role.ADMIN:
        return
    if role == Role.ENGINEER:
        fields = ENGINEER_UPDATES.get(type(row), frozenset())
        deletable = {"deleted_at"} if type(row) in ENGINEER_DELETES else set()
        allowed = set(wanted) <= fields | deletable and _engineer_may_touch(session, actor, row)
        if isinstance(row, Job) and "assignee_id" in wanted and wanted["assignee_id"] is not None:
            allowed = False  # an engineer only hands a job back, never re-assigns it
    elif role == Role.SUPERVISOR:
        allowed = _supervisor_may_touch(session, actor, row)
    elif role == Role.CLERK:
        allowed = set(wanted) <= CLERK_UPDATES.get(type(row), frozenset())
    else:
        allowed = False
    if not allowed:
        raise Rejection(
            "forbidden",
            f"A {role} may not change {', '.join(sorted(wanted))} of this {type(row).__name__}.",
        )
