"""HQ's sync operations, independent of the web framework: enrollment, pull,
checksums, blobs. The FastAPI app (sync/hq/app.py) is a thin layer over these."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from fieldapp.clock import utcnow
from fieldapp.models import TABLES_BY_NAME, Device, User
from fieldapp.wire import to_wire
from sync.buckets import ALL, scope_digest
from sync.hq import blobcheck, blobstore
from sync.hq.db import PURGED_THROUGH, current_seq
from sync.hq.models import Blob, BlobPart, BucketSum, DeviceToken, Enrollment, Meta, RowLog
from sync.hq.scope import Action, allowed, blob_readable, read_scope
from sync.protocol import (
    BlobStatus,
    BucketChecksum,
    Change,
    ChecksumResponse,
    EnrollRequest,
    EnrollResponse,
    PullRequest,
    PullResponse,
)

ENROLLMENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
ENROLLMENT_TTL = timedelta(hours=72)


class SyncError(Exception):
    """A refusal with an HTTP status, a stable code and a plain reason."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def sha256_text(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def issue_enrollment(
    session: Session, user: User, now: datetime | None = None
) -> tuple[str, datetime]:
    """A one-time code for one device of ``user``; shown once, stored hashed."""
    now = now or utcnow()
    raw = "".join(secrets.choice(ENROLLMENT_ALPHABET) for _ in range(12))
    expires = now + ENROLLMENT_TTL
    session.add(
        Enrollment(code_hash=sha256_text(raw), user_id=user.id, created_at=now, expires_at=expires)
    )
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4)), expires


def enroll(session: Session, request: EnrollRequest) -> EnrollResponse:
    enrollment = session.get(Enrollment, sha256_text(normalise_code(request.code)))
    now = utcnow()
    if enrollment is None:
        raise SyncError(400, "enrollment_code_invalid", "This enrollment code is not valid.")
    if enrollment.used_at is not None:
        raise SyncError(400, "enrollment_code_used", "This enrollment code was already used.")
    if enrollment.expires_at < now:
        raise SyncError(400, "enrollment_code_expired", "This enrollment code has expired.")
    user = session.get(User, enrollment.user_id)
    if user is None or not user.active:
        raise SyncError(403, "user_inactive", "This user may not enroll devices.")
    device = Device(
        user_id=user.id, name=request.device_name, platform=request.platform, enrolled_at=now
    )
    session.info["user_id"] = user.id  # the audit trail: this user enrolled this device
    session.info["device_id"] = device.id
    session.add(device)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(
        DeviceToken(
            token_hash=sha256_text(token), device_id=device.id, user_id=user.id, created_at=now
        )
    )
    enrollment.used_at = now
    enrollment.device_id = device.id
    session.add(enrollment)
    return EnrollResponse(
        device_id=device.id,
        token=token,
        user_id=user.id,
        login=user.login,
        display_name=user.display_name,
        role=user.role,
    )


def authenticate(session: Session, token: str) -> tuple[User, Device]:
    record = session.get(DeviceToken, sha256_text(token))
    if record is None:
        raise SyncError(401, "token_invalid", "This device is not enrolled.")
    device = session.get(Device, record.device_id)
    if record.revoked_at is not None or device is None or device.revoked_at is not None:
        raise SyncError(401, "device_revoked", "This device was revoked by an administrator.")
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        raise SyncError(403, "user_inactive", "This user is no longer active.")
    return user, device


def revoke_device(session: Session, device_id: str) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise SyncError(404, "device_unknown", f"No device {device_id}.")
    now = utcnow()
    device.revoked_at = now
    session.add(device)
    for token in session.exec(select(DeviceToken).where(DeviceToken.device_id == device_id)):
        token.revoked_at = now
        session.add(token)
    return device


def _rows_for(session: Session, entries: list[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The current rows named by a page of the row log, as wire dicts. Read as plain
    rows (no ORM objects): a first sync moves a hundred thousand of them."""
    wanted: dict[str, list[str]] = {}
    for entry in entries:
        if not entry.removed:
            wanted.setdefault(entry.table_name, []).append(entry.row_id)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for table_name, ids in wanted.items():
        table = TABLES_BY_NAME[table_name].__table__  # type: ignore[attr-defined]
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            for row in session.execute(select(table).where(table.c.id.in_(chunk))):
                values = {key: to_wire(value) for key, value in row._mapping.items()}
                rows[(table_name, values["id"])] = values
    return rows


def pull(session: Session, user: User, request: PullRequest) -> PullResponse:
    """One page. Run it in a snapshot session (:func:`sync.hq.db.snapshot_scope`): the
    counter, the row log and the rows are then read as of one instant."""
    high = current_seq(session)
    scope = read_scope(session, user)
    digest = scope_digest(scope)
    if request.scope_digest != digest:
        return PullResponse(
            scope=scope,
            scope_digest=digest,
            next_after=request.cursor,
            has_more=True,
            server_seq=high,
        )
    everything = scope == [ALL]
    scope_set = set(scope)
    if request.backfill is not None:
        buckets = [
            b
            for b in request.backfill.buckets
            if allowed(session, user, Action.READ, b, scope=scope_set)
        ]
        start = request.backfill.after
        statement = select(*RowLog.__table__.c).where(  # type: ignore[attr-defined]
            col(RowLog.bucket).in_(buckets),
            col(RowLog.seq) > start,
            col(RowLog.seq) <= min(request.backfill.upto, high),
            col(RowLog.removed).is_(False),
        )
    else:
        purged = session.get(Meta, PURGED_THROUGH)
        if purged is not None and 0 < request.cursor < int(purged.value):
            raise SyncError(
                410,
                "resync_required",
                "This device was offline past the tombstone horizon: resync.",
            )
        start = request.cursor
        statement = select(*RowLog.__table__.c).where(  # type: ignore[attr-defined]
            col(RowLog.seq) > start, col(RowLog.seq) <= high
        )
        if not everything:
            statement = statement.where(col(RowLog.bucket).in_(scope))
    entries = list(session.execute(statement.order_by(col(RowLog.seq)).limit(request.limit)))
    rows = _rows_for(session, entries)
    changes = [
        Change(
            seq=e.seq,
            table=e.table_name,
            row_id=e.row_id,
            bucket=e.bucket,
            version=e.version,
            removed=e.removed,
            row=rows.get((e.table_name, e.row_id)),
        )
        for e in entries
    ]
    has_more = len(entries) == request.limit
    if has_more:
        next_after = entries[-1].seq
    elif request.backfill is not None:
        next_after = request.backfill.upto
    else:
        next_after = max(high, start)  # nothing in scope up to ``high``: skip ahead
    return PullResponse(
        scope_digest=digest,
        changes=changes,
        next_after=next_after,
        has_more=has_more,
        server_seq=high,
    )


def checksums(session: Session, user: User, buckets: list[str]) -> ChecksumResponse:
    scope = set(read_scope(session, user))
    readable = [b for b in buckets if allowed(session, user, Action.READ, b, scope=scope)]
    found = {
        row.bucket: BucketChecksum(rows=row.rows, total=row.total, last_seq=row.last_seq)
        for start in range(0, len(readable), 1000)
        for row in session.exec(
            select(BucketSum).where(col(BucketSum.bucket).in_(readable[start : start + 1000]))
        ).all()
    }
    return ChecksumResponse(
        checksums={b: found.get(b, BucketChecksum(rows=0, total=0)) for b in readable},
        server_seq=current_seq(session),
    )


# --- blobs --------------------------------------------------------------------------------


def blob_status(session: Session, sha256: str) -> BlobStatus:
    blob = session.get(Blob, sha256)
    if blob is not None:
        return BlobStatus(sha256=sha256, complete=True, received=blob.size)
    received = session.exec(
        select(func.coalesce(func.sum(func.length(BlobPart.data)), 0)).where(
            BlobPart.sha256 == sha256
        )
    ).one()
    return BlobStatus(sha256=sha256, complete=False, received=int(received))


def put_blob_chunk(
    session: Session, sha256: str, offset: int, total: int, data: bytes
) -> BlobStatus:
    status = blob_status(session, sha256)
    if status.complete:
        return status
    try:
        blobcheck.check_size(total)
    except blobcheck.BlobRefused as refused:
        raise SyncError(refused.status, refused.code, refused.message) from None
    if offset != status.received:
        raise SyncError(
            409,
            "offset_mismatch",
            f"HQ holds {status.received} bytes of this blob; send from there.",
        )
    if offset + len(data) > total:
        raise SyncError(422, "too_long", "The chunk goes past the blob's size.")
    if data:
        session.add(BlobPart(sha256=sha256, offset=offset, data=data))
        session.flush()
    if offset + len(data) < total:
        return BlobStatus(sha256=sha256, complete=False, received=offset + len(data))
    parts = session.exec(
        select(BlobPart).where(BlobPart.sha256 == sha256).order_by(col(BlobPart.offset))
    ).all()
    content = b"".join(part.data for part in parts)
    for part in parts:
        session.delete(part)
    if hashlib.sha256(content).hexdigest() != sha256:
        # Discard the damaged upload for good (committed before the refusal), so the
        # device can send the blob again from the start.
        session.commit()
        raise SyncError(422, "hash_mismatch", "The blob's content does not match its SHA-256.")
    try:
        blobcheck.kind_of(content)  # a decodable image or a PDF, nothing else
    except blobcheck.BlobRefused as refused:
        session.commit()  # the refused upload is discarded for good, like a damaged one
        raise SyncError(refused.status, refused.code, refused.message) from None
    blobstore.save(session, sha256, content)  # on the storage path, if HQ has one
    return BlobStatus(sha256=sha256, complete=True, received=len(content))


def blob_visible(session: Session, user: User, sha256: str) -> bool:
    """A device may fetch a blob that a row HQ holds in its scope names (the one scope
    check, sync/hq/scope.py; a row may name a blob others' rows name only if its writer
    could read it already, so naming a hash gains nothing)."""
    return blob_readable(session, user, sha256)
