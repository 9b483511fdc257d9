"""HQ's audit trail: who changed what, from which device, and when.

:class:`sync.hq.db.HQSession` writes one :class:`AuditRecord` per changed row in the
transaction of the change: every synced row (whatever wrote it: a device's push, the
JSON API, an import, the CLI) and HQ's own credentials (device tokens, enrollment codes,
passwords; never their secret, only that they changed). ``fieldapp-hq audit`` lists it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session as OrmSession

from fieldapp.clock import utcnow
from fieldapp.models import Device, Job, User
from sync.hq.models import AuditRecord, Credential, DeviceToken, Enrollment

#: HQ-only tables in the trail, with the column that names the row (never a secret).
CREDENTIAL_TABLES: dict[type[Any], str] = {
    DeviceToken: "device_id",
    Enrollment: "user_id",
    Credential: "user_id",
}
ORG_BUCKET = "org"
SECRETS = frozenset({"token_hash", "code_hash", "password_hash"})


def operation(fields: list[str], deleted_at: Any) -> str:
    """insert, update or delete (a soft delete: ``deleted_at`` set) from the fields a
    version changed (``["*"]``: the row is new)."""
    if fields == ["*"]:
        return "insert"
    if "deleted_at" in fields and deleted_at is not None:
        return "delete"
    return "update"


def actor(session: OrmSession) -> tuple[str | None, str | None]:
    """(user id, device id) of whoever this session writes for; None: HQ itself."""
    return session.info.get("user_id"), session.info.get("device_id")


def write(connection: Any, records: list[dict[str, Any]]) -> None:
    if records:
        connection.execute(AuditRecord.__table__.insert(), records)  # type: ignore[attr-defined]


def record(
    session: OrmSession,
    table: str,
    row_id: str,
    bucket: str,
    op: str,
    version: int,
    fields: Iterable[str],
    at: datetime | None = None,
) -> dict[str, Any]:
    user_id, device_id = actor(session)
    return {
        "at": at or utcnow(),
        "user_id": user_id,
        "device_id": device_id,
        "table_name": table,
        "row_id": row_id,
        "bucket": bucket,
        "op": op,
        "version": version,
        "fields": " ".join(fields),
    }


def credential_records(session: OrmSession) -> list[dict[str, Any]]:
    """Records for HQ's credential rows in this flush (call it before the flush)."""
    records: list[dict[str, Any]] = []
    now = utcnow()

    def add(obj: Any, op: str, fields: list[str]) -> None:
        column = CREDENTIAL_TABLES[type(obj)]
        row_id = str(getattr(obj, column) or "")
        records.append(record(session, obj.__tablename__, row_id, ORG_BUCKET, op, 1, fields, now))

    for obj in session.new:
        if type(obj) in CREDENTIAL_TABLES:
            add(obj, "insert", [])
    for obj in session.dirty:
        if type(obj) in CREDENTIAL_TABLES:
            changed = sorted(
                attr.key
                for attr in inspect(obj).attrs
                if attr.history.has_changes() and attr.key not in SECRETS
            )
            if changed:
                add(obj, "update", changed)
    for obj in session.deleted:
        if type(obj) in CREDENTIAL_TABLES:
            add(obj, "delete", [])
    return records


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    user: str
    device: str
    table: str
    row_id: str
    op: str
    version: int
    fields: str


def listing(
    session: OrmSession, *, job_number: str | None = None, login: str | None = None
) -> list[AuditLine]:
    """The trail of one job (every row of its bucket) or of one user's changes, oldest
    first. Raises LookupError for an unknown job or user."""
    statement = select(AuditRecord).order_by(AuditRecord.id)  # type: ignore[arg-type]
    if job_number is not None:
        job = session.execute(select(Job).where(Job.number == job_number)).scalars().first()
        if job is None:
            raise LookupError(f"No job {job_number}.")
        statement = statement.where(AuditRecord.bucket == f"job:{job.id}")  # type: ignore[arg-type]
    if login is not None:
        user = session.execute(select(User).where(User.login == login)).scalars().first()
        if user is None:
            raise LookupError(f"No user {login}.")
        statement = statement.where(AuditRecord.user_id == user.id)  # type: ignore[arg-type]
    records = list(session.execute(statement).scalars())
    logins = dict(
        session.execute(
            select(User.id, User.login).where(
                User.id.in_({r.user_id for r in records if r.user_id})  # type: ignore[union-attr]
            )
        ).all()
    )
    names = dict(
        session.execute(
            select(Device.id, Device.name).where(
                Device.id.in_({r.device_id for r in records if r.device_id})  # type: ignore[union-attr]
            )
        ).all()
    )
    return [
        AuditLine(
            at=r.at,
            user=logins.get(r.user_id, r.user_id) if r.user_id else "(HQ)",
            device=f"{names.get(r.device_id) or ''} {r.device_id}".strip() if r.device_id else "",
            table=r.table_name,
            row_id=r.row_id,
            op=r.op,
            version=r.version,
            fields=r.fields,
        )
        for r in records
    ]
