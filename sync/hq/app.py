"""HQ's HTTP API (FastAPI): the sync protocol for devices and a JSON API for other
systems (create and assign jobs, read and verify reports). OpenAPI at /openapi.json.

No ``from __future__ import annotations`` here: FastAPI reads the dependency
annotations of the routes, which are local to :func:`create_app`, at definition time.
"""

import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from fieldapp.clock import utcnow
from fieldapp.models import Customer, Job, SignOff, User
from fieldapp.models.enums import JobEventKind, JobType, Role, Urgency
from fieldapp.rules.report_hash import verify_report
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import refresh_deadlines, transition
from fieldapp.signoffs import sign_off_in_force
from fieldapp.wire import row_to_wire
from sync import protocol as p
from sync.buckets import job_bucket
from sync.faults import fault_point
from sync.hq import (
    blobstore,
    integrity,
    metrics,
    numbers,
    production,
    ratelimit,
    scope,
    service,
    snapshots,
)
from sync.hq.apply import Actor, apply_batch
from sync.hq.db import HQSession, current_seq, session_scope, snapshot_scope
from sync.hq.gzip_body import GzipRequestMiddleware
from sync.hq.imports import create_job_from_fields
from sync.hq.mail import Mailer
from sync.hq.models import Blob
from sync.hq.numbers import claim_job_number, next_job_number
from sync.hq.service import SyncError

log = logging.getLogger(__name__)
SHA256_PATTERN = r"^[0-9a-f]{64}$"
TEXT = p.NO_NUL
#: The app version IT deploys now, told to devices in every pull answer ("" unset).
CURRENT_APP_VERSION_ENV = "FIELDAPP_HQ_CURRENT_APP_VERSION"
JobNumber = Annotated[str, Path(min_length=1, max_length=24, pattern=TEXT)]

# What each refusal means; every operation lists the ones it can give (OpenAPI).
ERROR_TEXT: dict[int, str] = {
    400: "Bad request: an enrollment code that is not valid, used or expired; a protocol "
    "version HQ does not speak yet; a body that is not valid gzip or cannot be parsed.",
    401: "No valid device token (missing, unknown or revoked).",
    403: "This user or role may not do this.",
    404: "No such job, report or blob (for this device).",
    409: "Conflicts with HQ's data: a job number taken, an illegal step, a blob offset "
    "HQ does not hold.",
    410: "The cursor is older than the tombstone horizon: push, then refetch.",
    413: "The request or the blob chunk is too large.",
    422: "The request does not match its schema (``detail`` lists the fields), or a value "
    "is refused.",
    426: "The app is too old for HQ: update it (its unsynced work stays on the device).",
    415: "The blob is not of a type HQ stores (a decodable image, or a PDF).",
    429: "Too many attempts from this address or with this code: wait ``Retry-After`` seconds.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the refusals an operation can give."""
    return {
        status: {
            "model": p.ValidationErrorBody if status == 422 else p.ErrorBody,
            "description": ERROR_TEXT[status],
        }
        for status in statuses
    }


SYNC_ERRORS = (400, 401, 403, 413, 422, 426)  # every sync door (gzip body, token, version)


def authorized(
    session: HQSession,
    actor: Actor,
    action: scope.Action,
    target: Any,
    **details: Any,
) -> None:
    """The one scope check (sync/hq/scope.py) for the JSON API: 403 outside it."""
    try:
        scope.authorize(session, actor.user, action, target, **details)
    except scope.Denied as denied:
        raise SyncError(403, denied.code, denied.reason) from denied


def actor_from_header(session: HQSession, authorization: str) -> Actor:
    """The device behind a ``Bearer`` token, or a 401."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise SyncError(401, "token_missing", "Send the device token as a Bearer token.")
    user, device = service.authenticate(session, token.strip())
    session.info["device_id"] = device.id
    session.info["user_id"] = user.id  # the audit trail names who (sync/hq/audit.py)
    return Actor(user=user, device_id=device.id)


def _range_start(header: str) -> int | None:
    """The first byte of ``Range: bytes=N-`` (what a resumed download sends), or None
    for no range. Other forms are refused: the protocol's client never sends them."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    first, dash, last = spec.partition("-")
    plain = first.isascii() and first.isdigit()
    if unit.strip().lower() != "bytes" or not dash or last.strip() or not plain:
        raise SyncError(400, "bad_range", "Only a range of the form bytes=N- is served.")
    return int(first)


def create_app(engine: Engine, mailer: Mailer | None = None) -> FastAPI:
    """HQ's app; ``mailer`` (if any) runs while the app serves and is woken when a
    device has queued a report e-mail."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if mailer is not None:
            mailer.start()  # its first pass sends what is still queued
        try:
            yield
        finally:
            if mailer is not None:
                mailer.stop()

    app = FastAPI(
        title="fieldapp HQ",
        version=str(p.PROTOCOL_VERSION),
        description="Sync server and JSON API of the field-service product.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.mailer = mailer
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(GzipRequestMiddleware)

    @app.exception_handler(SyncError)
    async def _sync_error(_request: Request, error: SyncError) -> JSONResponse:
        retry_after = getattr(error, "retry_after", None)  # a rate limit (sync/hq/ratelimit.py)
        return JSONResponse(
            status_code=error.status,
            content={"code": error.code, "message": error.message},
            headers={"Retry-After": str(retry_after)} if retry_after else None,
        )

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"code": error.code, "message": str(error)})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own refusals (a body that is not JSON, an unknown route or method)
        # in HQ's one error body.
        codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            status_code=error.status_code,
            content={"code": codes.get(error.status_code, "http_error"), "message": error.detail},
            headers=error.headers,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, error: IntegrityError) -> JSONResponse:
        # A unique or foreign key violation at commit: a concurrent writer got there first.
        log.info("Refused on integrity: %s", str(error.orig or error).splitlines()[0])
        return JSONResponse(
            status_code=409,
            content={"code": "conflict", "message": "This conflicts with HQ's data; retry."},
        )

    @app.exception_handler(PoolTimeout)
    async def _busy(_request: Request, _error: PoolTimeout) -> JSONResponse:
        # Every database connection of this worker stayed busy past the pool's timeout
        # (a load beyond what the node serves): the device retries after a pause, as it
        # does for any 503, and nothing was written.
        log.warning("No database connection free in time: answered 503")
        return JSONResponse(
            status_code=503,
            content={"code": "busy", "message": "HQ is busy; the sync retries shortly."},
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(x) for x in e["loc"]), "message": e["msg"]}
            for e in error.errors()[:20]
        ]
        return JSONResponse(
            status_code=422,
            content={
                "code": "invalid_request",
                "message": "The request is malformed.",
                "detail": problems,
            },
        )

    @app.middleware("http")
    async def _protocol_version(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith(f"{p.API}/sync") or request.url.path == f"{p.API}/enroll":
            raw = request.headers.get(p.PROTOCOL_HEADER, "")
            try:
                version = int(raw)
            except ValueError:
                version = 0
            if version < p.MIN_PROTOCOL_VERSION:
                return JSONResponse(
                    status_code=426,
                    content={
                        "code": "update_required",
                        "message": "This app is too old for HQ: please update it. "
                        "Your unsynced work is kept on the device.",
                        "detail": {"min": p.MIN_PROTOCOL_VERSION, "max": p.MAX_PROTOCOL_VERSION},
                    },
                )
            if version > p.MAX_PROTOCOL_VERSION:
                return JSONResponse(
                    status_code=400,
                    content={
                        "code": "server_too_old",
                        "message": "HQ does not speak this protocol version yet.",
                        "detail": {"min": p.MIN_PROTOCOL_VERSION, "max": p.MAX_PROTOCOL_VERSION},
                    },
                )
        return await call_next(request)

    def db() -> Iterator[HQSession]:
        with session_scope(app.state.engine) as session:
            yield session

    # scope="function": the session commits when the operation returns, before the
    # answer is sent (never a device holding a token, or a caller a job, HQ never stored).
    Db = Annotated[HQSession, Depends(db, scope="function")]

    def protocol_version(
        version: Annotated[
            int,
            Header(
                alias=p.PROTOCOL_HEADER,
                ge=p.MIN_PROTOCOL_VERSION,
                le=p.MAX_PROTOCOL_VERSION,
                description="The app's protocol version (older: 426, newer: 400).",
            ),
        ],
    ) -> int:
        return version  # checked by the middleware above; declared here for OpenAPI

    Protocol = [Depends(protocol_version)]

    def current(session: Db, authorization: Annotated[str, Header()] = "") -> Actor:
        return actor_from_header(session, authorization)

    CurrentActor = Annotated[Actor, Depends(current)]

    @app.get(f"{p.API}/health")
    def health(session: Db) -> dict[str, Any]:
        return {
            "status": "ok",
            "server_seq": current_seq(session),
            "protocol": {"min": p.MIN_PROTOCOL_VERSION, "max": p.MAX_PROTOCOL_VERSION},
        }

    @app.post(
        f"{p.API}/enroll", dependencies=Protocol, responses=errors(400, 403, 413, 422, 426, 429)
    )
    def enroll(request: p.EnrollRequest, session: Db, http: Request) -> p.EnrollResponse:
        # Counted per address and per code in the database (all workers), before the try.
        address = http.client.host if http.client else "unknown"
        ratelimit.check_enrollment(app.state.engine, address, request.code)
        answer = service.enroll(session, request)
        session.commit()  # the token is stored before the device holds it
        ratelimit.forgive(app.state.engine, ratelimit.address_key(address))
        return answer

    @app.post(f"{p.API}/sync/push", dependencies=Protocol, responses=errors(*SYNC_ERRORS))
    def push(request: p.PushRequest, session: Db, actor: CurrentActor) -> p.PushResponse:
        response = apply_batch(session, actor, request)
        metrics.count_push(response.results)
        fault_point("hq_push_before_commit")
        session.commit()
        fault_point("hq_push_after_commit")
        if mailer is not None and any(m.table == "reportdelivery" for m in request.mutations):
            mailer.wake()  # sent by the mailer's thread, never in this request
        return response

    @app.post(f"{p.API}/sync/pull", dependencies=Protocol, responses=errors(*SYNC_ERRORS, 410))
    def pull(
        request: p.PullRequest, authorization: Annotated[str, Header()] = ""
    ) -> p.PullResponse:
        # Read-only: the token check too happens in the snapshot, which blocks no writer.
        year, size = utcnow().year, numbers.block_size()
        with snapshot_scope(app.state.engine) as snapshot:
            actor = actor_from_header(snapshot, authorization)
            response = service.pull(snapshot, actor.user, request)
            metrics.count_pull(len(response.changes))
            held = numbers.device_blocks(snapshot, actor.device_id, year)
            blocks = [
                p.JobNumberBlock(year=h.block.year, first=h.block.first, last=h.block.last)
                for h in held
                if h.unused > 0
            ]
            role = actor.role  # the user's row is not readable once the snapshot ends
            short = numbers.needs_numbers(role, held, size)
        if short:
            # The device's reserve of job numbers is below half a block: a new block, in
            # a short write of its own (the snapshot blocks no writer, and writes nothing).
            with session_scope(app.state.engine) as session:
                blocks = [
                    p.JobNumberBlock(year=b.year, first=b.first, last=b.last)
                    for b in numbers.top_up(session, role, actor.device_id, year, size)
                ]
        response.job_number_blocks = blocks
        response.current_app_version = os.environ.get(CURRENT_APP_VERSION_ENV, "").strip()
        fault_point("hq_pull_before_answer")
        return response

    @app.post(f"{p.API}/sync/checksums", dependencies=Protocol, responses=errors(*SYNC_ERRORS))
    def checksums(
        request: p.ChecksumRequest, authorization: Annotated[str, Header()] = ""
    ) -> p.ChecksumResponse:
        with snapshot_scope(app.state.engine) as snapshot:
            actor = actor_from_header(snapshot, authorization)
            return service.checksums(snapshot, actor.user, request.buckets)

    snapshot_bytes = snapshots.SnapshotCache()

    @app.get(f"{p.API}/sync/snapshot", dependencies=Protocol, responses=errors(*SYNC_ERRORS))
    def snapshot_offer(authorization: Annotated[str, Header()] = "") -> p.SnapshotOffer:
        """The snapshot of the shared buckets a device starting from nothing downloads
        instead of pulling them row by row (docs/sync-protocol.md §13)."""
        with snapshot_scope(app.state.engine) as snapshot:
            actor = actor_from_header(snapshot, authorization)
            return snapshots.offer(snapshot, scope.read_scope(snapshot, actor.user))

    @app.get(
        f"{p.API}/sync/snapshots/{{sha256}}",
        dependencies=Protocol,
        responses={
            200: {
                "description": "The snapshot file (gzip-compressed SQLite).",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            206: {"description": "The bytes the ``Range`` header asked for (resuming)."},
            416: {"description": "The range starts beyond the file."},
            **errors(400, 401, 404, 422, 426),
        },
        response_class=Response,
    )
    def snapshot_file(
        sha256: Annotated[str, Path(pattern=SHA256_PATTERN)],
        authorization: Annotated[str, Header()] = "",
        range_header: Annotated[str, Header(alias="Range", max_length=100)] = "",
    ) -> Response:
        with snapshot_scope(app.state.engine) as snapshot:
            actor = actor_from_header(snapshot, authorization)
            held = set(scope.read_scope(snapshot, actor.user))
            readable = all(
                scope.allowed(snapshot, actor.user, scope.Action.READ, bucket, scope=held)
                for bucket in snapshots.SHARED_BUCKETS
            )
        if not readable:  # every role holds them today; the one check says so
            raise SyncError(403, "forbidden", "This device does not hold these buckets.")
        data = snapshot_bytes.get(app.state.engine, sha256)
        if data is None:
            raise SyncError(404, "snapshot_unknown", "HQ no longer has this snapshot.")
        # Already compressed: the gzip middleware must leave it as it is.
        headers = {"Accept-Ranges": "bytes", "Content-Encoding": "identity"}
        start = _range_start(range_header)
        if start is None:
            return Response(data, media_type="application/octet-stream", headers=headers)
        if start >= len(data):
            raise SyncError(416, "range_not_satisfiable", "The range starts beyond the file.")
        headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        return Response(
            data[start:], status_code=206, media_type="application/octet-stream", headers=headers
        )

    @app.get(
        f"{p.API}/sync/blobs/{{sha256}}/status",
        dependencies=Protocol,
        responses=errors(400, 401, 403, 422, 426),
    )
    def blob_status(
        sha256: Annotated[str, Path(pattern=SHA256_PATTERN)], session: Db, actor: CurrentActor
    ) -> p.BlobStatus:
        return service.blob_status(session, sha256)

    @app.put(
        f"{p.API}/sync/blobs/{{sha256}}",
        dependencies=Protocol,
        responses=errors(*SYNC_ERRORS, 409, 415),
        openapi_extra={
            "requestBody": {
                "description": "The chunk: the blob's bytes from ``offset`` on.",
                "required": False,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    async def put_blob(
        sha256: Annotated[str, Path(pattern=SHA256_PATTERN)],
        request: Request,
        offset: Annotated[int, Query(ge=0)],
        total: Annotated[int, Query(ge=0, le=64 * 1024 * 1024)],
        authorization: Annotated[str, Header()] = "",
    ) -> p.BlobStatus:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise SyncError(422, "invalid_sha256", "A blob is named by its lowercase SHA-256.")
        data = await request.body()
        if len(data) > 4 * p.CHUNK_SIZE:
            raise SyncError(413, "chunk_too_large", "Send the blob in smaller chunks.")

        def store_chunk() -> p.BlobStatus:
            # One session for the token check and the chunk: SQLite has one writer.
            with session_scope(app.state.engine) as session:
                actor_from_header(session, authorization)
                return service.put_blob_chunk(session, sha256, offset, total, data)

        # The database work runs in a worker thread: the event loop stays free.
        status = await run_in_threadpool(store_chunk)
        fault_point("hq_blob_after_chunk")
        if mailer is not None and status.complete:
            mailer.wake()  # a queued report may have waited for this PDF
        return status

    @app.get(
        f"{p.API}/sync/blobs/{{sha256}}",
        dependencies=Protocol,
        responses={
            200: {
                "description": "The blob's bytes.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            **errors(400, 401, 403, 404, 422, 426),
        },
        response_class=Response,
    )
    def get_blob(
        sha256: Annotated[str, Path(pattern=SHA256_PATTERN)], session: Db, actor: CurrentActor
    ) -> Response:
        blob = session.get(Blob, sha256)
        if blob is None or not service.blob_visible(session, actor.user, sha256):
            raise SyncError(404, "blob_unknown", "HQ has no such blob for this device.")
        return Response(content=blobstore.read(blob), media_type="application/octet-stream")

    # --- JSON API for other systems (call centre, ERP) ---------------------------------

    class JobCreate(BaseModel):
        customer_code: str = Field(min_length=1, max_length=32, pattern=TEXT)
        job_type: JobType
        urgency: Urgency = Urgency.NORMAL
        reported_symptom: str = Field(default="", max_length=2000, pattern=TEXT)
        customer_request: str = Field(default="", max_length=2000, pattern=TEXT)
        contact_name: str = Field(default="", max_length=64, pattern=TEXT)
        contact_phone: str = Field(default="", max_length=32, pattern=TEXT)
        address: str = Field(default="", max_length=256, pattern=TEXT)
        machine_serial: str = Field(default="", max_length=32, pattern=TEXT)
        requested_at: p.Moment | None = None
        number: str | None = Field(default=None, min_length=1, max_length=24, pattern=TEXT)

    class JobOut(BaseModel):
        id: str
        number: str
        status: str
        assignee_id: str | None
        on_site_due_at: datetime | None

    def manager(actor: CurrentActor) -> Actor:
        if actor.role not in {Role.SUPERVISOR, Role.ADMIN}:
            raise SyncError(403, "forbidden", "Only supervisors and administrators may do this.")
        return actor

    Manager = Annotated[Actor, Depends(manager)]

    @app.post("/api/v1/jobs", status_code=201, responses=errors(400, 401, 403, 409, 413, 422))
    def create_job(body: JobCreate, session: Db, actor: Manager) -> JobOut:
        # A supervisor's new job is their team's; a job without a team is an admin's.
        team_id = actor.user.team_id if actor.role == Role.SUPERVISOR else None
        draft = Job(number="", job_type=body.job_type, customer_id="", team_id=team_id)
        authorized(session, actor, scope.Action.INSERT, draft)
        values = body.model_dump()
        # The number comes from the year's counter row, under its lock: concurrent
        # creations never get the same one; a number given by hand moves the counter.
        if values["number"] is None:
            values["number"] = next_job_number(session, utcnow().year)
        else:
            claim_job_number(session, values["number"])
        job = create_job_from_fields(session, values, actor.user)
        if team_id is not None:
            job.team_id = team_id
            session.flush()
        return JobOut(
            id=job.id,
            number=job.number,
            status=job.status,
            assignee_id=job.assignee_id,
            on_site_due_at=job.on_site_due_at,
        )

    class Assign(BaseModel):
        engineer_login: str = Field(min_length=1, max_length=64, pattern=TEXT)

    @app.post("/api/v1/jobs/{number}/assign", responses=errors(400, 401, 403, 404, 409, 413, 422))
    def assign_job(number: JobNumber, body: Assign, session: Db, actor: Manager) -> JobOut:
        job = session.exec(select(Job).where(Job.number == number)).first()
        engineer = session.exec(select(User).where(User.login == body.engineer_login)).first()
        if job is None:
            raise SyncError(404, "job_unknown", f"No job {number}.")
        if engineer is None or engineer.role != Role.ENGINEER:
            raise SyncError(422, "engineer_unknown", f"No engineer {body.engineer_login}.")
        # The same check as a push of the same change: the job and the engineer are the
        # supervisor's team's (sync/hq/scope.py).
        after = Job.model_validate({**row_to_wire(job), "assignee_id": engineer.id})
        authorized(session, actor, scope.Action.UPDATE, after, before=job, fields={"assignee_id"})
        transition(session, job, JobEventKind.ASSIGNED, actor.user, assignee=engineer)
        refresh_deadlines(session, job)
        return JobOut(
            id=job.id,
            number=job.number,
            status=job.status,
            assignee_id=job.assignee_id,
            on_site_due_at=job.on_site_due_at,
        )

    class ReportOut(BaseModel):
        job_number: str
        status: str
        customer: str
        signed_at: datetime
        signer_name: str
        report_hash: str
        verified: bool
        amends_hash: str | None
        content: dict[str, Any]

    @app.get("/api/v1/jobs/{number}/report", responses=errors(401, 403, 404, 422))
    def read_report(number: JobNumber, session: Db, actor: Manager) -> ReportOut:
        job = session.exec(select(Job).where(Job.number == number)).first()
        if job is None:
            raise SyncError(404, "job_unknown", f"No job {number}.")
        authorized(session, actor, scope.Action.READ, job)
        # The report in force, as HQ decides it (fieldapp/signoffs.py), never a device.
        sign_off = sign_off_in_force(session, job)
        if sign_off is None:
            raise SyncError(404, "not_signed", f"Job {number} has no signed report yet.")
        amended = session.get(SignOff, sign_off.amends_id) if sign_off.amends_id else None
        customer = session.get(Customer, job.customer_id)
        return ReportOut(
            job_number=job.number,
            status=job.status,
            customer=customer.name if customer else "",
            signed_at=sign_off.signed_at,
            signer_name=sign_off.signer_name,
            report_hash=sign_off.report_hash,
            # The hash matches, and HQ's rows of the job are as logged (no raw-SQL edit).
            verified=verify_report(sign_off.content, sign_off.report_hash)
            and integrity.bucket_intact(session, job_bucket(job.id)),
            amends_hash=amended.report_hash if amended else None,
            content=json.loads(sign_off.content),
        )

    class Verification(BaseModel):
        job_number: str
        report_hash: str
        matches: bool
        status: str | None
        in_force: bool = False
        in_force_hash: str | None = None

    @app.get("/api/v1/verify/{number}/{report_hash}", responses=errors(422))
    def verify(
        number: JobNumber,
        report_hash: Annotated[str, Path(min_length=1, max_length=128, pattern=TEXT)],
        session: Db,
    ) -> Verification:
        """Public check of a paper report's QR code: is this the report HQ holds?"""
        job = session.exec(select(Job).where(Job.number == number)).first()
        found = None
        if job is not None:
            found = session.exec(
                select(SignOff).where(
                    SignOff.job_id == job.id, SignOff.report_hash == report_hash.lower()
                )
            ).first()
        matches = found is not None and verify_report(found.content, found.report_hash)
        current = sign_off_in_force(session, job) if job is not None and matches else None
        in_force = found is not None and current is not None and current.id == found.id
        status = None
        if job is not None and matches:
            status = job.status if in_force else "superseded"
        return Verification(
            job_number=number,
            report_hash=report_hash,
            matches=matches,
            status=status,
            in_force=in_force,
            in_force_hash=current.report_hash if current and not in_force else None,
        )

    production.install(app, engine)  # /health, /ready, /metrics, request ids, identity
    return app
