"""What the engineer records on site, between the arrival and the customer's signature:
pre-inspection, checklists, faults, parts, parts requests, time, photos, and the
signature itself. Every function works inside one ``Store.action()`` transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from fieldapp import company
from fieldapp.blobs import BlobStore
from fieldapp.clock import utcnow
from fieldapp.models import (
    Attachment,
    ChecklistAnswer,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Contact,
    Fault,
    Job,
    Machine,
    Part,
    PartsRequest,
    PartsRequestLine,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    SignOff,
    StockLocation,
    StockMovement,
    TimeEntry,
    User,
)
from fieldapp.models.enums import (
    Assembly,
    AttachmentKind,
    CheckResult,
    ItemKind,
    JobStatus,
    MovementKind,
    RepairLocation,
    StockLocationKind,
    TimeKind,
)
from fieldapp.photos import Photo, prepare_photo
from fieldapp.rules import checklist as rules
from fieldapp.rules import review as review_rules
from fieldapp.services.common import DomainError, effective_answers, live_rows
from fieldapp.services.jobs import require_work_allowed
from fieldapp.services.parts import line_charge
from fieldapp.services.report import build_report_content, sign_job
from fieldapp.signoffs import report_in_force

MAX_MINUTES = 24 * 60


def _known(vocabulary: type[StrEnum], value: Any, what: str) -> None:
    """A code from the trade's vocabularies, or a refusal the UI can show."""
    try:
        vocabulary(value)
    except ValueError as error:
        raise DomainError(f"{what}_unknown", f"Unknown {what}: {value!r}.") from error


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _own_row(session: Session, job: Job, model: type[Any], row_id: str) -> Any:
    row = session.get(model, row_id)
    if row is None or row.deleted_at is not None or getattr(row, "job_id", None) != job.id:
        raise DomainError("row_unknown", "That entry is not part of this job.")
    return row


# --- checklists ---------------------------------------------------------------------


def templates_for_job(session: Session, job: Job) -> list[ChecklistTemplate]:
    """The active checklists of the job's type for its machine's family, newest
    revision of each."""
    family = None
    if job.machine_id:
        machine = session.get(Machine, job.machine_id)
        model = session.get(ProductModel, machine.model_id) if machine else None
        family = model.family if model else None
    candidates = session.exec(
        select(ChecklistTemplate).where(
            ChecklistTemplate.job_type == job.job_type,
            col(ChecklistTemplate.active).is_(True),
            col(ChecklistTemplate.deleted_at).is_(None),
        )
    ).all()
    newest: dict[str, ChecklistTemplate] = {}
    for template in candidates:
        if template.model_family not in (None, family):
            continue
        known = newest.get(template.code)
        if known is None or template.revision > known.revision:
            newest[template.code] = template
    return sorted(newest.values(), key=lambda t: t.code)


def job_runs(session: Session, job: Job) -> list[ChecklistRun]:
    return live_rows(session, ChecklistRun, ChecklistRun.job_id == job.id)


def start_checklist(
    session: Session, job: Job, template: ChecklistTemplate, *, now: datetime | None = None
) -> ChecklistRun:
    require_work_allowed(job)
    for run in job_runs(session, job):
        if run.template_id == template.id:
            return run  # one run per checklist and job
    run = ChecklistRun(job_id=job.id, template_id=template.id, started_at=_now(now))
    session.add(run)
    return run


def spec_of(item: ChecklistTemplateItem) -> rules.ItemSpec:
    return rules.ItemSpec(
        kind=item.kind,
        required=item.required,
        min_value=item.min_value,
        max_value=item.max_value,
        choices=tuple(c for c in item.choices.split("|") if c),
    )


def value_of(answer: ChecklistAnswer | None) -> rules.AnswerValue | None:
    if answer is None:
        return None
    return rules.AnswerValue(
        result=answer.result,
        number=answer.number_value,
        text=answer.text_value,
        choice=answer.choice_value,
        has_photo=answer.attachment_id is not None,
    )


@dataclass(frozen=True)
class ItemState:
    item: ChecklistTemplateItem
    answer: ChecklistAnswer | None
    problems: tuple[rules.ItemProblem, ...]


def run_items(session: Session, run: ChecklistRun) -> list[ItemState]:
    items = live_rows(
        session, ChecklistTemplateItem, ChecklistTemplateItem.template_id == run.template_id
    )
    answers = {a.item_id: a for a in effective_answers(session, run)}
    return [
        ItemState(
            item,
            answers.get(item.id),
            tuple(rules.check_item(spec_of(item), value_of(answers.get(item.id)))),
        )
        for item in sorted(items, key=lambda i: i.position)
    ]


def answer_item(
    session: Session,
    job: Job,
    run: ChecklistRun,
    item: ChecklistTemplateItem,
    *,
    result: str | None = None,
    number: float | None = None,
    text: str = "",
    choice: str = "",
    attachment_id: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> tuple[ChecklistAnswer, list[rules.ItemProblem]]:
    """Record an answer (a correction supersedes the previous one, never overwrites it)
    and return what is still wrong with the item, e.g. a number out of range."""
    require_work_allowed(job)
    if run.job_id != job.id or item.template_id != run.template_id:
        raise DomainError("row_unknown", "That item is not part of this checklist.")
    if result is not None:
        _known(CheckResult, result, "result")
    if item.kind == ItemKind.CHOICE and choice and choice not in spec_of(item).choices:
        raise DomainError("choice_unknown", "Pick one of the offered answers.")
    previous = next((a for a in effective_answers(session, run) if a.item_id == item.id), None)
    if previous is not None and attachment_id is None and item.kind == ItemKind.PHOTO:
        attachment_id = previous.attachment_id
    answer = ChecklistAnswer(
        run_id=run.id,
        item_id=item.id,
        result=result,
        number_value=number,
        text_value=text.strip(),
        choice_value=choice,
        attachment_id=attachment_id,
        note=note.strip(),
        supersedes_id=previous.id if previous else None,
        answered_at=_now(now),
    )
    session.add(answer)
    return answer, rules.check_item(spec_of(item), value_of(answer))


# --- pre-inspection, faults, time ------------------------------------------------------


def add_finding(
    session: Session,
    job: Job,
    *,
    component: str,
    description: str,
    fix_now: bool,
    danger_if_not: str = "",
    remaining_life: str = "",
    remind_on: date | None = None,
) -> PreInspectionFinding:
    """A problem found on arrival (预检单). What the customer declines is kept as a
    reminder for the next visit."""
    require_work_allowed(job)
    if not component.strip() or not description.strip():
        raise DomainError("finding_incomplete", "Say which part and what is wrong.")
    if not fix_now and not danger_if_not.strip():
        raise DomainError(
            "danger_required", "Tell the customer what may happen if it is not fixed now."
        )
    finding = PreInspectionFinding(
        job_id=job.id,
        machine_id=job.machine_id,
        component=component.strip()[:24],
        description=description.strip(),
        fix_now=fix_now,
        danger_if_not=danger_if_not.strip(),
        remaining_life=remaining_life.strip()[:64],
        remind_on=remind_on if not fix_now else None,
    )
    session.add(finding)
    return finding


#: What the engineer records and corrects on a fault (HQ accepts the same from devices).
FAULT_FIELDS = frozenset(
    {
        "assembly",
        "fault_code",
        "symptom",
        "cause",
        "action",
        "fixed",
        "repair_location",
        "loaner_provided",
        "misuse",
        "hour_meter",
    }
)


def save_fault(
    session: Session, job: Job, fields: dict[str, Any], fault_id: str | None = None
) -> Fault:
    """Record a fault, or correct one recorded earlier on this job."""
    require_work_allowed(job)
    unknown = set(fields) - FAULT_FIELDS
    if unknown:
        raise DomainError("field_unknown", f"Unknown fault fields: {sorted(unknown)}")
    merged = dict(fields)
    if "assembly" in merged:
        _known(Assembly, merged["assembly"], "assembly")
    if "repair_location" in merged:
        _known(RepairLocation, merged["repair_location"], "repair_location")
    if fault_id is None:
        if not str(merged.get("symptom", "")).strip():
            raise DomainError("symptom_required", "Describe the symptom.")
        fault = Fault(job_id=job.id, machine_id=job.machine_id, **merged)
        session.add(fault)
        return fault
    fault = _own_row(session, job, Fault, fault_id)
    if "symptom" in merged and not str(merged["symptom"]).strip():
        raise DomainError("symptom_required", "Describe the symptom.")
    for name, value in merged.items():
        setattr(fault, name, value)
    return fault


def remove_entry(session: Session, job: Job, model: type[Any], row_id: str, actor: User) -> None:
    """Take back an entry made by mistake before the customer signs. A part's stock
    comes back into the van by a return movement (movements are never deleted)."""
    require_work_allowed(job)
    row = _own_row(session, job, model, row_id)
    row.deleted_at = utcnow()
    if isinstance(row, PartUsage) and row.from_location_id:
        session.add(
            StockMovement(
                part_id=row.part_id,
                location_id=row.from_location_id,
                quantity=row.quantity,
                kind=MovementKind.RETURN,
                moved_at=utcnow(),
                job_id=job.id,
                part_usage_id=row.id,
                user_id=actor.id,
                reference="entry removed",
            )
        )


def add_time(
    session: Session,
    job: Job,
    user: User,
    kind: str,
    minutes: int,
    *,
    note: str = "",
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> TimeEntry:
    """Labour, travel or waiting time. Labour is free under warranty (the rules
    decide, as for parts)."""
    require_work_allowed(job)
    _known(TimeKind, kind, "time_kind")
    if not 0 < minutes <= MAX_MINUTES:
        raise DomainError("minutes_invalid", "Enter between 1 minute and 24 hours.")
    on = _now(now).date()
    free = not line_charge(session, job, on).chargeable
    entry = TimeEntry(
        job_id=job.id,
        user_id=user.id,
        kind=kind,
        minutes=minutes,
        started_at=started_at,
        warranty=free if kind == TimeKind.LABOUR else True,
        note=note.strip(),
    )
    session.add(entry)
    return entry


TRAVEL_ROUNDING_MINUTES = 5


@dataclass(frozen=True)
class TravelOffer:
    """The travel time the departure register shows, to be recorded with one tap."""

    departed_at: datetime
    arrived_at: datetime
    minutes: int


def travel_from_register(session: Session, job: Job) -> TravelOffer | None:
    """Arrival − departure of the latest trip in the register (外派登记), rounded to
    5 minutes; None when there is no complete trip, or when travel is recorded for it
    already (a travel entry starting at or after that departure)."""
    from fieldapp.models import JobEvent
    from fieldapp.models.enums import JobEventKind

    events = live_rows(session, JobEvent, JobEvent.job_id == job.id)
    departed: datetime | None = None
    arrived: datetime | None = None
    trip: tuple[datetime, datetime] | None = None
    for event in sorted(events, key=lambda e: e.occurred_at):
        if event.kind == JobEventKind.DEPARTED:
            departed, arrived = event.occurred_at, None
        elif event.kind == JobEventKind.DEPARTURE_UNDONE:
            departed = None
        elif event.kind == JobEventKind.ARRIVED and departed is not None:
            arrived = event.occurred_at
            trip = (departed, arrived)
        elif event.kind == JobEventKind.ARRIVAL_UNDONE and arrived is not None:
            arrived = None
            trip = None
    if trip is None:
        return None
    start, end = trip
    travelled = (end - start).total_seconds() / 60
    if travelled <= 0:
        return None
    step = TRAVEL_ROUNDING_MINUTES
    minutes = min(MAX_MINUTES, max(step, int((travelled + step / 2) // step * step)))
    times = live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
    for entry in times:
        # Travel recorded for this trip, by this offer or by hand since it began.
        if entry.kind == TimeKind.TRAVEL and (
            entry.started_at is None or (entry.started_at - start).total_seconds() > -1
        ):
            return None
    return TravelOffer(start, end, minutes)


def record_travel_from_register(session: Session, job: Job, user: User) -> TimeEntry:
    """Record the offered travel time; refused when there is none (or it is recorded)."""
    offer = travel_from_register(session, job)
    if offer is None:
        raise DomainError("travel_recorded", "The travel of this trip is recorded already.")
    return add_time(
        session, job, user, TimeKind.TRAVEL, offer.minutes, started_at=offer.departed_at
    )


# --- parts ------------------------------------------------------------------------------


def van_of(session: Session, user: User) -> StockLocation | None:
    return session.exec(
        select(StockLocation).where(
            StockLocation.owner_user_id == user.id,
            StockLocation.kind == StockLocationKind.VAN,
            col(StockLocation.deleted_at).is_(None),
        )
    ).first()


def request_parts(
    session: Session,
    job: Job | None,
    user: User,
    lines: list[tuple[Part, int]],
    *,
    note: str = "",
    now: datetime | None = None,
) -> PartsRequest:
    """Parts the engineer lacks, asked from the warehouse to their van. Warranty parts
    go first (先顾客, 后生产)."""
    if not lines or any(quantity <= 0 for _, quantity in lines):
        raise DomainError("quantity_invalid", "Ask for at least one of each part.")
    van = van_of(session, user)
    warranty = False
    if job is not None:
        on = _now(now).date()
        warranty = any(not line_charge(session, job, on, part=p).chargeable for p, _ in lines)
    request = PartsRequest(
        job_id=job.id if job else None,
        requester_id=user.id,
        to_location_id=van.id if van else None,
        warranty=warranty,
        requested_at=_now(now),
        note=note.strip(),
    )
    session.add(request)
    for part, quantity in lines:
        session.add(PartsRequestLine(request_id=request.id, part_id=part.id, quantity=quantity))
    return request


# --- photos and the signature ---------------------------------------------------------------


def add_photo(
    session: Session,
    blobs: BlobStore,
    job: Job,
    photo: Photo | bytes,
    *,
    caption: str = "",
    fault_id: str | None = None,
) -> Attachment:
    """A photo made upright and downscaled (pass a prepared one to do that work away
    from the UI), stored by its hash before the row that names it is committed: the
    blob is never missing for a saved row."""
    require_work_allowed(job)
    if isinstance(photo, bytes):
        photo = prepare_photo(photo)
    sha = blobs.put(photo.data)
    attachment = Attachment(
        sha256=sha,
        kind=AttachmentKind.PHOTO,
        mime="image/jpeg",
        size=len(photo.data),
        width=photo.width,
        height=photo.height,
        job_id=job.id,
        fault_id=fault_id,
        caption=caption.strip(),
        taken_at=photo.taken_at or utcnow(),
    )
    session.add(attachment)
    return attachment


def _store_signature(
    session: Session, blobs: BlobStore, job: Job, png: bytes, now: datetime | None
) -> str:
    sha = blobs.put(png)
    session.add(
        Attachment(
            sha256=sha,
            kind=AttachmentKind.SIGNATURE,
            mime="image/png",
            size=len(png),
            job_id=job.id,
            taken_at=_now(now),
        )
    )
    return sha


def frozen_letterhead(session: Session) -> dict[str, Any] | None:
    """The company's letterhead in each report language ("zh", "en"), from the synced
    company profile, or None without one (the report then prints without one)."""
    profile = company.company_profile(session)
    if profile is None:
        return None
    return {language: company.letterhead(profile, language) for language in ("zh", "en")}


def sign_with_signature(
    session: Session,
    blobs: BlobStore,
    job: Job,
    engineer: User,
    signature_png: bytes,
    *,
    signer_name: str,
    opinion: str = "",
    satisfaction: str | None = None,
    device_id: str | None = None,
    now: datetime | None = None,
    engineer_signature_png: bytes | None = None,
    acknowledged: Iterable[tuple[str, str]] | None = None,
    engineer_reason: str = "",
) -> SignOff:
    """The customer's (and the engineer's) signature images stored by their hashes, then
    the report hashed and frozen.

    With ``acknowledged`` (the keys of the customer-facing gaps the customer was shown),
    what is open is checked first (:func:`sign_off_refusals`) and put into the signed
    content: the customer's side as acknowledged, the engineer's side with
    ``engineer_reason``. The company's letterhead of the day is frozen into it too."""
    if not signature_png:
        raise DomainError("signature_required", "The customer's signature is required.")
    open_items = None
    if acknowledged is not None:
        open_items = _open_items(session, job, acknowledged, engineer_reason)
    sha = _store_signature(session, blobs, job, signature_png, now)
    engineer_sha = (
        _store_signature(session, blobs, job, engineer_signature_png, now)
        if engineer_signature_png
        else None
    )
    return sign_job(
        session,
        job,
        engineer,
        signer_name=signer_name,
        signature_sha256=sha,
        opinion=opinion,
        satisfaction=satisfaction,
        now=now,
        device_id=device_id,
        engineer_signature_sha256=engineer_sha,
        open_items=open_items,
        letterhead=frozen_letterhead(session),
    )


def _open_items(
    session: Session, job: Job, acknowledged: Iterable[tuple[str, str]], engineer_reason: str
) -> dict[str, Any]:
    """What stays open, as the signed content holds it; refused first when the customer
    did not acknowledge their gaps or the engineer gave no reason for his."""
    gaps = report_gaps(session, job, language="zh")
    refusals = sign_off_refusals(gaps, acknowledged, engineer_reason)
    if refusals:
        raise refusals[0]
    english = report_gaps(session, job, language="en")
    return {
        "customer": [
            {**g.as_content(), "subject_en": e.subject}
            for g, e in zip(gaps, english, strict=True)
            if g.side == CUSTOMER
        ],
        "engineer": [
            {**g.as_content(), "subject_en": e.subject}
            for g, e in zip(gaps, english, strict=True)
            if g.side == ENGINEER
        ],
        "engineer_reason": engineer_reason.strip() if engineer_gaps(gaps) else "",
    }


def amendment_customer_changes(
    session: Session, job: Job, engineer: User, *, now: datetime | None = None
) -> list[review_rules.Difference] | None:
    """On a report returned for rework, what the correction changes of what the customer
    signed for (:func:`fieldapp.rules.review.customer_must_sign_again`): an empty list
    when the engineer may sign the amendment alone. None when the job is no amendment."""
    previous = report_in_force(session, job.id) if job.status == JobStatus.RETURNED else None
    if previous is None:
        return None
    signed = json.loads(previous.content)
    gaps = customer_gaps(report_gaps(session, job, language="zh"))
    engineer_side = engineer_gaps(report_gaps(session, job, language="zh"))
    draft = build_report_content(
        session,
        job,
        signer_name=previous.signer_name,
        opinion=previous.opinion,
        satisfaction=previous.satisfaction,
        signature_sha256=previous.signature_sha256,
        signed_at=now or utcnow(),
        engineer=engineer,
        amends_hash=previous.report_hash,
        open_items={
            "customer": [g.as_content() for g in gaps],
            "engineer": [g.as_content() for g in engineer_side],
        },
    )
    return review_rules.customer_differences(signed, draft)


def sign_amendment(
    session: Session,
    blobs: BlobStore,
    job: Job,
    engineer: User,
    *,
    engineer_signature_png: bytes,
    engineer_reason: str = "",
    device_id: str | None = None,
    now: datetime | None = None,
) -> SignOff:
    """The engineer alone signs the correction of a returned report when nothing the
    customer signed for changed: the new revision carries the customer's signature of
    the revision they signed, and says so (``sign_off.customer_signed``: that
    revision's hash). Anything the customer pays for or had done changed: refused, the
    customer signs again (:func:`sign_with_signature`)."""
    changes = amendment_customer_changes(session, job, engineer, now=now)
    if changes is None:
        raise DomainError("not_returned", "Only a report returned for rework is amended.")
    if changes:
        raise DomainError(
            "customer_must_sign",
            "The correction changes what the customer signed for: the customer signs again.",
        )
    if not engineer_signature_png:
        raise DomainError("engineer_signature_required", "Your signature is required.")
    previous = report_in_force(session, job.id)
    assert previous is not None  # amendment_customer_changes found it
    # The customer's gaps are the ones they acknowledged on the revision they signed.
    acknowledged = [g.key for g in customer_gaps(report_gaps(session, job, language="zh"))]
    open_items = _open_items(session, job, acknowledged, engineer_reason)
    engineer_sha = _store_signature(session, blobs, job, engineer_signature_png, now)
    return sign_job(
        session,
        job,
        engineer,
        signer_name=previous.signer_name,
        signature_sha256=previous.signature_sha256,
        opinion=previous.opinion,
        satisfaction=previous.satisfaction,
        now=now,
        device_id=device_id,
        engineer_signature_sha256=engineer_sha,
        open_items=open_items,
        letterhead=frozen_letterhead(session),
        customer_signed=previous.report_hash,
    )


def contact_email(session: Session, job: Job) -> str:
    """The e-mail address of the job's contact on the customer's file, to offer for
    sending the report: the contact of that name or phone, else the customer's only
    contact with an address; empty when not known."""
    contacts = [
        c
        for c in live_rows(session, Contact, Contact.customer_id == job.customer_id)
        if c.email.strip()
    ]
    for contact in contacts:
        if (job.contact_name and contact.name == job.contact_name) or (
            job.contact_phone and contact.phone == job.contact_phone
        ):
            return contact.email.strip()
    return contacts[0].email.strip() if len(contacts) == 1 else ""


# --- before the customer signs --------------------------------------------------------------


#: Who settles a gap. The customer is asked to accept only what concerns their machine
#: and the work done on it; the company's own business (internal checklists, the
#: record of labour) is the engineer's to settle before anyone signs.
CUSTOMER = "customer"
ENGINEER = "engineer"


@dataclass(frozen=True)
class Gap:
    """Something incomplete in the report, shown before the customer signs."""

    code: str  # checklist_missing, unanswered, out_of_range, photo_missing, failed,
    #            fault_not_fixed, no_labour, no_fault
    subject: str  # the item, the fault or the checklist concerned
    blocking: bool = False  # True: the report cannot be signed at all
    side: str = CUSTOMER  # CUSTOMER: put to the customer; ENGINEER: the engineer settles it
    checklist: str = ""  # the checklist's code, for the gaps of a checklist
    ref: str = ""  # the id of the row concerned: checklist, item, fault or job

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the gap whatever the language it is shown in, e.g. to tell
        whether an acknowledgement still holds."""
        return (self.code, self.ref)

    def as_content(self) -> dict[str, str]:
        return {"code": self.code, "subject": self.subject, "checklist": self.checklist}


def is_internal(template: ChecklistTemplate) -> bool:
    """A checklist of the company's own (e.g. the on-site conduct): never the customer's."""
    return bool(template.internal)


def customer_gaps(gaps: list[Gap]) -> list[Gap]:
    return [g for g in gaps if g.side == CUSTOMER]


def engineer_gaps(gaps: list[Gap]) -> list[Gap]:
    return [g for g in gaps if g.side == ENGINEER]


GAP_ORDER = (
    "checklist_missing",
    "unanswered",
    "photo_missing",
    "out_of_range",
    "fault_not_fixed",
    "failed",
    "no_fault",
    "no_labour",
)


def report_gaps(session: Session, job: Job, *, language: str = "zh") -> list[Gap]:
    """What is incomplete in the job, worst first, each for the customer to acknowledge
    or the engineer to settle. Nothing here is silently accepted: the engineer goes back
    and fixes it, or the customer signs having seen it (their side), or the engineer
    records why it stays open (theirs, printed on the company copy)."""
    gaps: list[Gap] = []
    runs = job_runs(session, job)
    started = {run.template_id for run in runs}

    def side_of(template: ChecklistTemplate | None) -> str:
        return ENGINEER if template is not None and is_internal(template) else CUSTOMER

    for template in templates_for_job(session, job):
        if template.id not in started:
            name = template.name_zh if language == "zh" else template.name_en or template.name_zh
            gaps.append(
                Gap(
                    "checklist_missing",
                    name,
                    side=side_of(template),
                    checklist=template.code,
                    ref=template.id,
                )
            )
    for run in runs:
        template = session.get(ChecklistTemplate, run.template_id)
        side, code = side_of(template), template.code if template else ""
        for state in run_items(session, run):
            label = (
                state.item.label_zh
                if language == "zh"
                else state.item.label_en or state.item.label_zh
            )
            for problem in state.problems:
                gaps.append(Gap(str(problem), label, side=side, checklist=code, ref=state.item.id))
    faults = live_rows(session, Fault, Fault.job_id == job.id)
    # A fault not fixed is settled by a follow-up job (seed 001; the rule is revisit's).
    from fieldapp.services.revisit import has_follow_up

    followed_up = any(not f.fixed for f in faults) and has_follow_up(session, job)
    for fault in faults:
        if not fault.fixed and not followed_up:
            gaps.append(Gap("fault_not_fixed", fault.symptom, ref=fault.id))
    if job.job_type == "repair" and not faults:
        gaps.append(Gap("no_fault", job.number, side=ENGINEER, ref=job.id))
    labour = live_rows(
        session, TimeEntry, TimeEntry.job_id == job.id, TimeEntry.kind == TimeKind.LABOUR
    )
    if not labour:
        gaps.append(Gap("no_labour", job.number, side=ENGINEER, ref=job.id))
    return sorted(
        gaps,
        key=lambda g: (
            g.side != CUSTOMER,
            GAP_ORDER.index(g.code) if g.code in GAP_ORDER else len(GAP_ORDER),
        ),
    )


def sign_off_refusals(
    gaps: Sequence[Gap], acknowledged: Iterable[tuple[str, str]], engineer_reason: str
) -> list[DomainError]:
    """Why the report cannot be signed yet; empty when it can. The customer must have
    acknowledged exactly the customer-facing gaps there are now (a new one is shown to
    them first); the engineer settles their own, or says why they stay open."""
    refusals = []
    if engineer_gaps(list(gaps)) and not engineer_reason.strip():
        refusals.append(
            DomainError(
                "engineer_gaps_open",
                "Settle your own open items first, or say why they stay open.",
            )
        )
    if {g.key for g in customer_gaps(list(gaps))} != set(acknowledged):
        refusals.append(
            DomainError(
                "gaps_not_acknowledged",
                "Go through what is incomplete with the customer first, then tick the box.",
            )
        )
    return refusals
