"""The signed report: its content as a value tree, hashed and frozen with the signature."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from fieldapp.clock import utcnow
from fieldapp.models import (
    Attachment,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Customer,
    Fault,
    Job,
    JobEvent,
    Machine,
    Part,
    PartUsage,
    PreInspectionFinding,
    ProductModel,
    SignOff,
    TimeEntry,
    User,
)
from fieldapp.models.enums import (
    AttachmentKind,
    JobEventKind,
    JobStatus,
    Satisfaction,
)
from fieldapp.numbering import is_provisional
from fieldapp.rules import jobflow
from fieldapp.rules.report_hash import REPORT_SCHEMA, canonical_bytes, report_hash
from fieldapp.services.billing import (
    DEFAULT_LABOUR_RATE_CENTS_PER_HOUR,
    charge_lines,
    charges,
    job_amount_cents,
)
from fieldapp.services.common import DomainError, effective_answers, live_rows
from fieldapp.services.jobs import record_event
from fieldapp.signoffs import report_in_force


def build_report_content(
    session: Session,
    job: Job,
    *,
    signer_name: str,
    opinion: str,
    satisfaction: str | None,
    signature_sha256: str,
    signed_at: datetime,
    engineer: User | None,
    amends_hash: str | None = None,
    engineer_signature_sha256: str | None = None,
    open_items: dict[str, Any] | None = None,
    letterhead: dict[str, Any] | None = None,
    customer_signed: str | None = None,
) -> dict[str, Any]:
    """Everything the customer signs for, as a plain value tree (hashed canonically).

    The time of leaving the site is the time of signing: the customer signs as the
    engineer hands the machine back and leaves."""
    customer = session.get(Customer, job.customer_id)
    machine = session.get(Machine, job.machine_id) if job.machine_id else None
    model = session.get(ProductModel, machine.model_id) if machine else None
    events = live_rows(session, JobEvent, JobEvent.job_id == job.id)
    checklists = []
    for run in live_rows(session, ChecklistRun, ChecklistRun.job_id == job.id):
        template = session.get(ChecklistTemplate, run.template_id)
        items = {
            item.id: item
            for item in live_rows(
                session, ChecklistTemplateItem, ChecklistTemplateItem.template_id == run.template_id
            )
        }
        answers = sorted(effective_answers(session, run), key=lambda a: items[a.item_id].position)
        checklists.append(
            {
                "template": template.code if template else run.template_id,
                "revision": template.revision if template else None,
                "name": template.name_zh if template else "",
                "name_en": template.name_en if template else "",
                "internal": bool(template.internal) if template else False,
                "answers": [
                    {
                        "item": items[a.item_id].label_zh,
                        "item_en": items[a.item_id].label_en,
                        "kind": items[a.item_id].kind,
                        "unit": items[a.item_id].unit,
                        "position": items[a.item_id].position,
                        "result": a.result,
                        "number": a.number_value,
                        "text": a.text_value,
                        "choice": a.choice_value,
                        "note": a.note,
                        "photo": _attachment_hash(session, a.attachment_id),
                    }
                    for a in answers
                ],
            }
        )
    parts_by_id = {}
    usages = live_rows(session, PartUsage, PartUsage.job_id == job.id)
    for usage in usages:
        parts_by_id[usage.part_id] = session.get(Part, usage.part_id)
    photos = live_rows(
        session, Attachment, Attachment.job_id == job.id, Attachment.kind == AttachmentKind.PHOTO
    )
    return {
        "schema": REPORT_SCHEMA,
        "job": {
            "id": job.id,
            "number": job.number,
            "type": job.job_type,
            "urgency": job.urgency,
            "symptom": job.reported_symptom,
            "request": job.customer_request,
            "received_at": job.received_at,
            "arrived_at": job.arrived_at,
        },
        "customer": {
            "id": customer.id if customer else None,
            "name": customer.name if customer else "",
            "address": job.address,
            "contact": job.contact_name,
            "phone": job.contact_phone,
        },
        "machine": {
            "id": machine.id if machine else None,
            "model": model.code if model else job.reported_model,
            "serial": machine.serial if machine else job.reported_serial,
            "hour_meter": machine.hour_meter if machine else None,
        },
        "events": [
            {"kind": e.kind, "at": e.occurred_at, "note": e.note}
            # A departure or arrival undone on the spot is no part of the visit.
            for e in jobflow.standing_register(events)
            if e.kind in {JobEventKind.DEPARTED, JobEventKind.ARRIVED, JobEventKind.SUSPENDED}
        ],
        "findings": [
            {
                "component": f.component,
                "description": f.description,
                "fix_now": f.fix_now,
                "danger": f.danger_if_not,
                "remaining_life": f.remaining_life,
            }
            for f in live_rows(session, PreInspectionFinding, PreInspectionFinding.job_id == job.id)
        ],
        "checklists": checklists,
        "faults": [
            {
                "assembly": f.assembly,
                "code": f.fault_code,
                "symptom": f.symptom,
                "cause": f.cause,
                "action": f.action,
                "fixed": f.fixed,
                "repair_location": f.repair_location,
                "loaner": f.loaner_provided,
                "hour_meter": f.hour_meter,
            }
            for f in live_rows(session, Fault, Fault.job_id == job.id)
        ],
        "parts": [
            {
                "part_no": parts_by_id[u.part_id].part_no,
                "name": parts_by_id[u.part_id].name_zh,
                "name_en": parts_by_id[u.part_id].name_en,
                "quantity": u.quantity,
                "unit_price_cents": u.unit_price_cents,
                "warranty": u.warranty,
                "override_reason": u.override_reason,
                "old_part_shown": u.old_part_shown,
            }
            for u in usages
        ],
        "time": [
            {"kind": t.kind, "minutes": t.minutes, "warranty": t.warranty, "note": t.note}
            for t in live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
        ],
        "photos": sorted(p.sha256 for p in photos),
        "amount_cents": job_amount_cents(session, job),
        "charges": _charges_content(session, job, usages, signed_at.date()),
        "engineer": (
            {
                "id": engineer.id,
                "name": engineer.display_name,
                "signature": engineer_signature_sha256,
            }
            if engineer
            else None
        ),
        "left_site_at": signed_at,
        "open_items": open_items,
        "letterhead": letterhead,
        "sign_off": {
            "signer": signer_name,
            "opinion": opinion,
            "satisfaction": satisfaction,
            "signature": signature_sha256,
            "signed_at": signed_at,
            "amends": amends_hash,
            # An amendment the engineer signed alone: the customer's signature is the
            # one they gave on this revision (its hash); nothing they signed for changed.
            **({"customer_signed": customer_signed} if customer_signed else {}),
        },
    }


def _charges_content(
    session: Session, job: Job, usages: Sequence[PartUsage], on: date
) -> dict[str, Any]:
    """The charged lines and totals as signed: the lines add up to the total."""
    times = live_rows(session, TimeEntry, TimeEntry.job_id == job.id)
    totals = charges(usages, times)
    return {
        "lines": [line.as_content() for line in charge_lines(session, job, on=on)],
        "labour_rate_cents": DEFAULT_LABOUR_RATE_CENTS_PER_HOUR,
        "parts_cents": totals.parts_cents,
        "labour_cents": totals.labour_cents,
        "warranty_cents": totals.warranty_cents,
        "total_cents": totals.total_cents,
    }


def _attachment_hash(session: Session, attachment_id: str | None) -> str | None:
    if attachment_id is None:
        return None
    attachment = session.get(Attachment, attachment_id)
    return attachment.sha256 if attachment else None


def sign_job(
    session: Session,
    job: Job,
    engineer: User,
    *,
    signer_name: str,
    signature_sha256: str,
    opinion: str = "",
    satisfaction: str | None = None,
    now: datetime | None = None,
    device_id: str | None = None,
    engineer_signature_sha256: str | None = None,
    open_items: dict[str, Any] | None = None,
    letterhead: dict[str, Any] | None = None,
    customer_signed: str | None = None,
) -> SignOff:
    """The customer signs: the report's content is hashed and frozen with the signature.
    On a returned report, the new sign-off is an amendment of the previous one."""
    now = now or utcnow()
    if not signer_name.strip():
        raise DomainError("signer_required", "The customer's name is required.")
    if len(signature_sha256) != 64:
        raise DomainError("signature_required", "The customer's signature is required.")
    if satisfaction is not None:
        Satisfaction(satisfaction)
    if is_provisional(job.number):
        # The paper and its QR code carry the number: only HQ's real one (§8.6).
        raise DomainError(
            "provisional_number", "Sync first: the job still has a provisional number."
        )
    try:
        jobflow.check_transition(
            JobEventKind.SIGNED,
            job.status,
            engineer.role,
            is_assignee=job.assignee_id == engineer.id,
        )
    except jobflow.TransitionError as error:
        raise DomainError(error.code, str(error)) from error
    # A returned report is amended where it stands: the sign-off in force, as HQ sees it.
    amends = report_in_force(session, job.id) if job.status == JobStatus.RETURNED else None
    job.amount_cents = job_amount_cents(session, job)
    content = build_report_content(
        session,
        job,
        signer_name=signer_name.strip(),
        opinion=opinion.strip(),
        satisfaction=satisfaction,
        signature_sha256=signature_sha256,
        signed_at=now,
        engineer=engineer,
        amends_hash=amends.report_hash if amends else None,
        engineer_signature_sha256=engineer_signature_sha256,
        open_items=open_items,
        letterhead=letterhead,
        customer_signed=customer_signed,
    )
    sign_off = SignOff(
        job_id=job.id,
        signer_name=signer_name.strip(),
        opinion=opinion.strip(),
        satisfaction=satisfaction,
        signature_sha256=signature_sha256,
        report_hash=report_hash(content),
        content=canonical_bytes(content).decode("utf-8"),
        signed_at=now,
        engineer_id=engineer.id,
        amends_id=amends.id if amends else None,
    )
    session.add(sign_off)
    job.completed_at = now
    source = job.status
    job.status = JobStatus.SIGNED
    record_event(
        session,
        job,
        JobEventKind.SIGNED,
        actor=engineer,
        now=now,
        device_id=device_id,
        from_status=source,
        to_status=JobStatus.SIGNED,
        data={"report_hash": sign_off.report_hash},
    )
    return sign_off
