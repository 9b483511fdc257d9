"""Sending the signed report by e-mail: the device queues it (the PDF as a blob and a
:class:`ReportDelivery` row), HQ sends it once the device has synced."""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from fieldapp.blobs import BlobStore
from fieldapp.clock import utcnow
from fieldapp.models import Job, User
from fieldapp.models.company import ReportDelivery
from fieldapp.models.enums import DeliveryStatus, Role
from fieldapp.services.common import DomainError
from fieldapp.signoffs import sign_off_in_force

#: The languages a report is printed and e-mailed in.
REPORT_LANGUAGES = ("zh", "en")
#: The largest PDF a device may queue (a one-page report with a logo is ~100 kB).
MAX_PDF_BYTES = 20 * 1024 * 1024


def normalise_email(address: str) -> str:
    """The recipient's address, checked for syntax only (the device is often offline,
    so no DNS look-up). A malformed one is a :class:`DomainError`."""
    text = address.strip()
    if not text:
        raise DomainError("email_required", "Enter the e-mail address to send the report to.")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(
            "email_invalid", f"{text} is not a valid e-mail address: {error}"
        ) from error
    return str(checked.normalized)


def queue_report_email(
    session: Session,
    blobs: BlobStore,
    job: Job,
    user: User,
    *,
    email: str,
    language: str,
    pdf: bytes,
    now: datetime | None = None,
) -> ReportDelivery:
    """Queue the signed report ``pdf`` for ``email``. The PDF is stored as a blob
    (durably, before the row that names it); the row is added to ``session``, so it is
    saved and synced with the caller's transaction (``store.action()``)."""
    address = normalise_email(email)
    if language not in REPORT_LANGUAGES:
        raise DomainError("language_unknown", f"Reports are sent in zh or en, not {language!r}.")
    if user.role == Role.ENGINEER and job.assignee_id != user.id:
        raise DomainError("not_your_job", "Only the job's engineer sends its report.")
    sign_off = sign_off_in_force(session, job)
    if sign_off is None:
        raise DomainError("not_signed", "The report is sent once the customer has signed it.")
    if not pdf.startswith(b"%PDF"):
        raise DomainError("pdf_invalid", "The report to send is not a PDF.")
    if len(pdf) > MAX_PDF_BYTES:
        raise DomainError("pdf_too_large", "The report's PDF is too large to send by e-mail.")
    pdf_sha256 = blobs.put(pdf)
    delivery = ReportDelivery(
        job_id=job.id,
        sign_off_id=sign_off.id,
        report_hash=sign_off.report_hash,
        language=language,
        email=address,
        pdf_sha256=pdf_sha256,
        requested_by=user.id,
        requested_at=now or utcnow(),
        status=DeliveryStatus.QUEUED,
    )
    session.add(delivery)
    return delivery


def deliveries_for(session: Session, job: Job) -> list[ReportDelivery]:
    """The job's report e-mails, newest first, with their status as HQ last reported."""
    return list(
        session.exec(
            select(ReportDelivery)
            .where(ReportDelivery.job_id == job.id, col(ReportDelivery.deleted_at).is_(None))
            .order_by(col(ReportDelivery.requested_at).desc(), col(ReportDelivery.id).desc())
        ).all()
    )
