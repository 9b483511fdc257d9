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
    ChecklistAnswer,
    ChecklistRun,
    Customer,
    Job,
    ReportDelivery,
    SignOff,
    SyncConflict,
    SyncedRow,
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
from fieldapp.numbering import is_provisional
from fieldapp.rules import jobflow
from fieldapp.rules.merge import Winner, resolve_field
from fieldapp.rules.report_hash import verify_report
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import refresh_deadlines
from fieldapp.signoffs import sign_off_refusal
from fieldapp.wire import row_to_wire, to_wire
from sync.buckets import bucket_of
from sync.hq import scope
from sync.hq.models import AppliedMutation, CustomerCreator, Revision
from sync.hq.numbers import NumberRefused, number_for_pushed_job
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


NEVER_FROM_DEVICES: frozenset[str] = frozenset({"id", "version", "created_at", "updated_at"})
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
        except (ValueError, TypeError, OverflowError) as error:
            # OverflowError: a moment that leaves the calendar when turned to UTC.
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
            cache["scope"] = set(scope.read_scope(session, actor.user))
        if scope.allowed(session, actor.user, scope.Action.READ, bucket, scope=cache["scope"]):
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
        if isinstance(row, Job) and isinstance(existing, Job) and is_provisional(row.number):
            row.number = existing.number  # HQ gave it its real number the first time
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
    if isinstance(row, Job):
        row.number = _pushed_number(session, actor, row.number)
    job = job_of(session, row) if actor.role == Role.ENGINEER else None
    if job is not None and job.id != row.id and job.assignee_id != actor.user.id:
        _flag(session, job)  # work recorded by the engineer the job was taken from
    if isinstance(row, SignOff) and not verify_report(row.content, row.report_hash):
        raise Rejection("hash_mismatch", "The signed report does not match its hash.")
    if isinstance(row, SignOff):
        # HQ, never the device, decides which report is in force (fieldapp/signoffs.py).
        refusal = sign_off_refusal(session, row)
        if refusal is not None:
            raise Rejection(*refusal)
    session.add(row)
    session.flush()
    if isinstance(row, Customer) and actor.role == Role.SUPERVISOR:
        # Theirs until a job names it (sync/hq/scope.py new_customers).
        session.add(CustomerCreator(customer_id=row.id, user_id=actor.user.id, created_at=utcnow()))
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
    _authorize_update(session, actor, row, parsed, wanted)
    if isinstance(row, Job) and "number" in wanted and wanted["number"] != row.number:
        if is_provisional(wanted["number"]):
            raise Rejection("number_taken", "A job's number is changed only to a reserved one.")
        wanted["number"] = _pushed_number(session, actor, wanted["number"])

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


def _pushed_number(session: Session, actor: Actor, number: str) -> str:
    """A job number from a device: one of its own blocks, or a provisional one that HQ
    replaces with the next of the counter (docs/sync-protocol.md §8.6)."""
    try:
        return number_for_pushed_job(session, actor.device_id, number)
    except NumberRefused as refused:
        raise Rejection(refused.code, str(refused)) from refused


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


def _authorize_insert(session: Session, actor: Actor, row: SyncedRow) -> None:
    """The one scope check (sync/hq/scope.py), then what only a push checks."""
    try:
        scope.authorize(session, actor.user, scope.Action.INSERT, row)
    except scope.Denied as denied:
        raise Rejection(denied.code, denied.reason) from denied
    if isinstance(row, ReportDelivery) and actor.role != Role.ADMIN:
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
    session: Session, actor: Actor, row: SyncedRow, after: SyncedRow, wanted: dict[str, Any]
) -> None:
    try:
        scope.authorize(
            session, actor.user, scope.Action.UPDATE, after, before=row, fields=set(wanted)
        )
    except scope.Denied as denied:
        raise Rejection(denied.code, denied.reason) from denied
