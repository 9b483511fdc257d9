"""HQ e-mails the signed reports that devices queued (:class:`ReportDelivery`).

A device cannot send mail from a quarry; it queues the report (the PDF as a blob and a
row in the job's bucket) and HQ sends it once both have arrived: to the customer, in
the report's language, the PDF attached, Reply-To the company's e-mail. HQ records how
it went on the row (status, attempts, the last error), which syncs back to the device.

* Never in a request: a small thread started with the server sends, woken after a push
  that brought a delivery and after a blob upload completes, and on startup for what is
  still queued; it also looks every :data:`POLL_SECONDS` for retries that fell due.
* At most once per delivery: the row is claimed (``attempts`` + 1, committed) before the
  SMTP conversation, by one mailer at a time (a row lock on PostgreSQL, the one writer
  on SQLite); a pushed-again delivery is the same row, already sent. A crash between
  the server's "250 OK" and recording it leaves the row queued: that one is sent again
  after the back-off (the only case of a second copy).
* Retries with back-off (:data:`BACKOFF_SECONDS`), at most :data:`MAX_ATTEMPTS`; a
  permanent refusal (5xx, e.g. an unknown mailbox) fails at once.
* Without SMTP settings, deliveries stay queued and HQ says why in its log, once.

The SMTP settings come from environment variables (``FIELDAPP_HQ_SMTP_HOST``, ``_PORT``,
``_USER``, ``_PASSWORD``, ``_FROM``, ``_STARTTLS``), read once by ``fieldapp-hq serve``.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from sqlalchemy import Engine, func
from sqlmodel import col, select

from fieldapp.clock import as_utc, utcnow
from fieldapp.company import company_profile, letterhead
from fieldapp.models import Job
from fieldapp.models.company import ReportDelivery
from fieldapp.models.enums import DeliveryStatus
from sync.hq import blobstore
from sync.hq.db import session_scope, snapshot_scope
from sync.hq.models import Blob

log = logging.getLogger(__name__)

ENV_PREFIX = "FIELDAPP_HQ_SMTP_"
MAX_ATTEMPTS = 5
#: Wait after the 1st, 2nd, ... failed attempt before the next one.
BACKOFF_SECONDS: tuple[float, ...] = (60, 300, 1800, 7200)
POLL_SECONDS = 60.0
SMTP_TIMEOUT = 30.0
MAX_ERROR_CHARS = 500
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class MailConfigError(ValueError):
    """The SMTP environment variables are set but unusable."""


@dataclass(frozen=True)
class MailSettings:
    """Where HQ hands its e-mails over. Port 465 speaks TLS from the start; other
    ports upgrade with STARTTLS unless ``starttls`` is off (a relay on the same host)."""

    host: str
    port: int = 587
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""
    starttls: bool = True
    timeout: float = SMTP_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings | None:
        """The settings from ``FIELDAPP_HQ_SMTP_*``; None when no host is set."""
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(ENV_PREFIX + name, "").strip()

        host = get("HOST")
        if not host:
            return None
        raw_port = get("PORT")
        try:
            port = int(raw_port) if raw_port else 587
        except ValueError:
            raise MailConfigError(f"{ENV_PREFIX}PORT={raw_port!r} is not a port number.") from None
        if not 0 < port < 65536:
            raise MailConfigError(f"{ENV_PREFIX}PORT={port} is not a port number.")
        raw_tls = get("STARTTLS").lower()
        if raw_tls and raw_tls not in TRUE | FALSE:
            raise MailConfigError(f"{ENV_PREFIX}STARTTLS={raw_tls!r}: use 1 or 0.")
        user = get("USER")
        sender = get("FROM") or (user if "@" in user else "")
        if not sender:
            raise MailConfigError(f"Set {ENV_PREFIX}FROM, the address HQ sends reports from.")
        return cls(
            host=host,
            port=port,
            user=user,
            password=env.get(ENV_PREFIX + "PASSWORD", ""),
            sender=sender,
            starttls=raw_tls not in FALSE,
        )


class PermanentFailure(Exception):
    """The mail server refused for good (5xx): trying again changes nothing."""


def smtp_send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server; :class:`PermanentFailure` for a 5xx answer,
    another exception for what may pass (network, 4xx)."""
    context = ssl.create_default_context()
    try:
        if settings.port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            client.ehlo()
            if settings.port != 465 and settings.starttls:
                client.starttls(context=context)
                client.ehlo()
            if settings.user:
                client.login(settings.user, settings.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentFailure(f"The recipient was refused: {error.recipients}") from error
        raise
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError):
            text = error.smtp_error.decode("utf-8", "replace")
            raise PermanentFailure(f"{error.smtp_code} {text}") from error
        raise


# --- the message ---------------------------------------------------------------------


def subject_of(language: str, number: str, company: str) -> str:
    if language == "en":
        return f"Service report {number} – {company}" if company else f"Service report {number}"
    return f"{number}号工单服务报告（{company}）" if company else f"{number}号工单服务报告"


def body_of(
    language: str, number: str, report_hash: str, verify_url: str, head: dict[str, str]
) -> str:
    if language == "en":
        lines = [
            "Dear customer,",
            "",
            f"Please find attached the service report of job {number} (PDF), as you signed it.",
            "",
            f"Report hash: {report_hash}",
        ]
        if verify_url:
            lines.append(f"Check that the report is genuine: {verify_url}")
        lines.append("")
        if head["hotline"]:
            lines.append(
                f"For any question, call our service hotline {head['hotline']} "
                "or reply to this e-mail."
            )
        else:
            lines.append("For any question, reply to this e-mail.")
    else:
        lines = [
            "尊敬的客户：",
            "",
            f"您好！附件是您签字确认的工单{number}的服务报告（PDF）。",
            "",
            f"报告校验码：{report_hash}",
        ]
        if verify_url:
            lines.append(f"核对报告真伪：{verify_url}")
        lines.append("")
        if head["hotline"]:
            lines.append(f"如有疑问，请拨打服务热线{head['hotline']}，或直接回复本邮件。")
        else:
            lines.append("如有疑问，请直接回复本邮件。")
    signature = [head[name] for name in ("name", "address", "website") if head[name]]
    if signature:
        lines += ["", *signature]
    return "\n".join(lines) + "\n"


def build_message(
    delivery: ReportDelivery,
    *,
    job_number: str,
    head: dict[str, str],
    pdf: bytes,
    sender: str,
    verify_base: str,
) -> EmailMessage:
    """The e-mail of one delivery, in the report's language, the PDF attached."""
    language = "en" if delivery.language == "en" else "zh"
    verify_url = (
        f"{verify_base.rstrip('/')}/api/v1/verify/{job_number}/{delivery.report_hash}"
        if verify_base
        else ""
    )
    message = EmailMessage()
    message["Subject"] = subject_of(language, job_number, head["name"])
    message["From"] = formataddr((head["name"], sender)) if head["name"] else sender
    message["To"] = delivery.email
    if head["email"]:
        message["Reply-To"] = head["email"]
    message["Date"] = formatdate(usegmt=True)
    # One Message-ID per delivery: a receiving system can tell a copy from a new mail.
    domain = sender.rpartition("@")[2] or "fieldapp"
    message["Message-ID"] = f"<report-{delivery.id}@{domain}>"
    message.set_content(
        body_of(language, job_number, delivery.report_hash, verify_url, head), charset="utf-8"
    )
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{job_number}.pdf")
    return message


# --- the mailer ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    delivery_id: str
    attempt: int
    message: EmailMessage


class Mailer:
    """Sends queued report e-mails in a thread of its own (:meth:`start`); :meth:`wake`
    makes it look now. :meth:`run_once` is one pass, for tests and the CLI."""

    def __init__(
        self,
        engine: Engine,
        settings: MailSettings | None,
        *,
        verify_base: str = "",
        max_attempts: int = MAX_ATTEMPTS,
        backoff: tuple[float, ...] = BACKOFF_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        send: Callable[[EmailMessage], None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.verify_base = verify_base
        self.max_attempts = max_attempts
        self.backoff = backoff or (0.0,)
        self.poll_seconds = poll_seconds
        self._send = send
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._said_unconfigured = False
        self._lock = threading.Lock()  # one pass at a time in this process

    # -- the thread --------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="hq-mailer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look for deliveries now (cheap: never blocks the caller)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_once()
            except Exception:
                log.exception("The report mailer failed; it tries again later")
            self._wake.wait(self.poll_seconds)

    # -- one pass ----------------------------------------------------------------------
    def run_once(self, now: datetime | None = None) -> int:
        """Send every delivery that is due and whose PDF has arrived; returns how many
        were sent."""
        with self._lock:
            unconfigured = self.settings is None and self._send is None
            if unconfigured and self._said_unconfigured:
                return 0  # said once; nothing to do until HQ restarts with settings
            candidates = self._due(now or utcnow())
            if unconfigured:
                if candidates:
                    log.warning(
                        "%d report e-mail(s) stay queued: HQ has no SMTP settings "
                        "(set %sHOST, %sFROM and the others to send them)",
                        len(candidates),
                        ENV_PREFIX,
                        ENV_PREFIX,
                    )
                    self._said_unconfigured = True
                return 0
            sent = 0
            for delivery_id, attempts in candidates:
                if self._stop.is_set():
                    break
                claim = self._claim(delivery_id, attempts)
                if claim is not None and self._deliver(claim):
                    sent += 1
            return sent

    def _due(self, now: datetime) -> list[tuple[str, int]]:
        """(id, attempts) of the queued deliveries whose back-off has passed and whose
        PDF blob HQ holds in full."""
        with snapshot_scope(self.engine) as session:  # a read: it blocks no writer
            rows = session.exec(
                select(ReportDelivery.id, ReportDelivery.attempts, ReportDelivery.updated_at)
                .join(Blob, col(Blob.sha256) == col(ReportDelivery.pdf_sha256))
                .where(
                    ReportDelivery.status == DeliveryStatus.QUEUED,
                    col(ReportDelivery.deleted_at).is_(None),
                    col(ReportDelivery.attempts) < self.max_attempts,
                )
                .order_by(col(ReportDelivery.requested_at), col(ReportDelivery.id))
            ).all()
        due: list[tuple[str, int]] = []
        for delivery_id, attempts, updated_at in rows:
            if attempts:
                wait = self.backoff[min(attempts, len(self.backoff)) - 1]
                if as_utc(updated_at) + timedelta(seconds=wait) > now:
                    continue
            due.append((delivery_id, attempts))
        return due

    def _claim(self, delivery_id: str, attempts: int) -> _Claim | None:
        """Count the attempt and build the message, committed before any SMTP: a row
        another mailer claimed meanwhile (its attempts moved) is left alone."""
        with session_scope(self.engine) as session:
            delivery = session.get(ReportDelivery, delivery_id, with_for_update=True)
            if (
                delivery is None
                or delivery.status != DeliveryStatus.QUEUED
                or delivery.attempts != attempts
            ):
                return None
            blob = session.get(Blob, delivery.pdf_sha256)
            job = session.get(Job, delivery.job_id)
            if blob is None or job is None:
                return None
            head = letterhead(company_profile(session), delivery.language)
            sender = self.settings.sender if self.settings else head["email"] or "hq@localhost"
            message = build_message(
                delivery,
                job_number=job.number,
                head=head,
                pdf=blobstore.read(blob),
                sender=sender,
                verify_base=self.verify_base,
            )
            delivery.attempts = attempts + 1
            session.add(delivery)
            return _Claim(delivery_id, attempts + 1, message)

    def _deliver(self, claim: _Claim) -> bool:
        error: str | None = None
        permanent = False
        try:
            if self._send is not None:
                self._send(claim.message)
            else:
                assert self.settings is not None
                smtp_send(self.settings, claim.message)
        except PermanentFailure as failure:
            error, permanent = str(failure), True
        except (OSError, smtplib.SMTPException) as failure:
            error = f"{type(failure).__name__}: {failure}"
        with session_scope(self.engine) as session:
            delivery = session.get(ReportDelivery, claim.delivery_id, with_for_update=True)
            if delivery is None:
                return False
            if error is None:
                delivery.status = DeliveryStatus.SENT
                delivery.sent_at = utcnow()
                delivery.last_error = ""
                log.info("Report e-mail %s sent to %s", delivery.id, delivery.email)
            else:
                delivery.last_error = error[:MAX_ERROR_CHARS]
                if permanent or claim.attempt >= self.max_attempts:
                    delivery.status = DeliveryStatus.FAILED
                    log.warning(
                        "Report e-mail %s to %s failed for good: %s",
                        delivery.id,
                        delivery.email,
                        error,
                    )
                else:
                    log.info(
                        "Report e-mail %s to %s failed (attempt %d), retrying later: %s",
                        delivery.id,
                        delivery.email,
                        claim.attempt,
                        error,
                    )
            session.add(delivery)
        return error is None

    def queued(self) -> int:
        """How many deliveries wait (for the CLI and the health of the mailer)."""
        with snapshot_scope(self.engine) as session:
            return int(
                session.exec(
                    select(func.count())
                    .select_from(ReportDelivery)
                    .where(ReportDelivery.status == DeliveryStatus.QUEUED)
                ).one()
            )
