"""HQ's HTTP API (FastAPI): the sync protocol for devices and a JSON API for other
systems (create and assign jobs, read and verify reports). OpenAPI at /openapi.json.

No ``from __future__ import annotations`` here: FastAPI reads the dependency
annotations of the routes, which are local to :func:`create_app`, at definition time.
"""

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import select

from fieldapp.models import Customer, Job, SignOff, User
from fieldapp.models.enums import JobEventKind, JobType, Role, Urgency
from fieldapp.rules.report_hash import verify_report
from fieldapp.services import DomainError, refresh_deadlines, transition
from sync import protocol as p
from sync.faults import fault_point
from sync.hq import service
from sync.hq.apply import Actor, apply_batch
from sync.hq.db import HQSession, current_seq, session_scope, snapshot_scope
from sync.hq.gzip_body import GzipRequestMiddleware
from sync.hq.imports import create_job_from_fields
from sync.hq.mail import Mailer
from sync.hq.models import Blob
from sync.hq.service import SyncError

log = logging.getLogger(__name__)
SHA256_PATTERN = r"^[0-9a-f]{64}$"


def actor_from_header(session: HQSession, authorization: str) -> Actor:
    """The device behind a ``Bearer`` token, or a 401."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise SyncError(401, "token_missing", "Send the device token as a Bearer token.")
    user, device = service.authenticate(session, token.strip())
    session.info["device_id"] = device.id
    return Actor(user=user, device_id=device.id)


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
        return JSONResponse(
            status_code=error.status, content={"code": error.code, "message": error.message}
        )

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"code": error.code, "message": str(error)})

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

    Db = Annotated[HQSession, Depends(db)]

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

    @app.post(f"{p.API}/enroll")
    def enroll(request: p.EnrollRequest, session: Db) -> p.EnrollResponse:
        return service.enroll(session, request)

    @app.post(f"{p.API}/sync/push")
    def push(request: p.PushRequest, session: Db, actor: CurrentActor) -> p.PushResponse:
        response = apply_batch(session, actor, request)
        fault_point("hq_push_before_commit")
        session.commit()
        fault_point("hq_push_after_commit")
        if mailer is not None and any(m.table == "reportdelivery" for m in request.mutations):
            mailer.wake()  # sent by the mailer's thread, never in this request
        return response

    @app.post(f"{p.API}/sync/pull")
    def pull(
        request: p.PullRequest, authorization: Annotated[str, Header()] = ""
    ) -> p.PullResponse:
        # Read-only: the token check too happens in the snapshot, which blocks no writer.
        with snapshot_scope(app.state.engine) as snapshot:
            actor = actor_from_header(snapshot, authorization)
            response = service.pull(snapshot, actor.user, request)
        fault_point("hq_pull_before_answer")
        return response

    @app.post(f"{p.API}/sync/checksums")
    def checksums(
        request: p.ChecksumRequest, authorization: Annotated[str, Header()] = ""
    ) -> p.ChecksumResponse:
        with snapshot_scope(app.state.engine) as snapshot:
            actor = actor_from_header(snapshot, authorization)
            return service.checksums(snapshot, actor.user, request.buckets)

    @app.get(f"{p.API}/sync/blobs/{{sha256}}/status")
    def blob_status(
        sha256: Annotated[str, Field(pattern=SHA256_PATTERN)], session: Db, actor: CurrentActor
    ) -> p.BlobStatus:
        return service.blob_status(session, sha256)

    @app.put(f"{p.API}/sync/blobs/{{sha256}}")
    async def put_blob(
        sha256: str,
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

    @app.get(f"{p.API}/sync/blobs/{{sha256}}")
    def get_blob(sha256: str, session: Db, actor: CurrentActor) -> Response:
        blob = session.get(Blob, sha256)
        if blob is None or not service.blob_visible(session, actor.user, sha256):
            raise SyncError(404, "blob_unknown", "HQ has no such blob for this device.")
        return Response(content=blob.data, media_type="application/octet-stream")

    # --- JSON API for other systems (call centre, ERP) ---------------------------------

    class JobCreate(BaseModel):
        customer_code: str = Field(min_length=1, max_length=32)
        job_type: JobType
        urgency: Urgency = Urgency.NORMAL
        reported_symptom: str = Field(default="", max_length=2000)
        customer_request: str = Field(default="", max_length=2000)
        contact_name: str = Field(default="", max_length=64)
        contact_phone: str = Field(default="", max_length=32)
        address: str = Field(default="", max_length=256)
        machine_serial: str = Field(default="", max_length=32)
        requested_at: datetime | None = None
        number: str | None = Field(default=None, max_length=24)

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

    @app.post("/api/v1/jobs", status_code=201)
    def create_job(body: JobCreate, session: Db, actor: Manager) -> JobOut:
        job = create_job_from_fields(session, body.model_dump(), actor.user)
        return JobOut(
            id=job.id,
            number=job.number,
            status=job.status,
            assignee_id=job.assignee_id,
            on_site_due_at=job.on_site_due_at,
        )

    class Assign(BaseModel):
        engineer_login: str = Field(min_length=1, max_length=64)

    @app.post("/api/v1/jobs/{number}/assign")
    def assign_job(number: str, body: Assign, session: Db, actor: Manager) -> JobOut:
        job = session.exec(select(Job).where(Job.number == number)).first()
        engineer = session.exec(select(User).where(User.login == body.engineer_login)).first()
        if job is None:
            raise SyncError(404, "job_unknown", f"No job {number}.")
        if engineer is None or engineer.role != Role.ENGINEER:
            raise SyncError(422, "engineer_unknown", f"No engineer {body.engineer_login}.")
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

    @app.get("/api/v1/jobs/{number}/report")
    def read_report(number: str, session: Db, actor: Manager) -> ReportOut:
        job = session.exec(select(Job).where(Job.number == number)).first()
        if job is None:
            raise SyncError(404, "job_unknown", f"No job {number}.")
        sign_offs = session.exec(select(SignOff).where(SignOff.job_id == job.id)).all()
        replaced = {s.amends_id for s in sign_offs if s.amends_id}
        # The report in force is the one no amendment replaced (never the device clock).
        current = [s for s in sign_offs if s.id not in replaced]
        sign_off = current[0] if current else None
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
            verified=verify_report(sign_off.content, sign_off.report_hash),
            amends_hash=amended.report_hash if amended else None,
            content=json.loads(sign_off.content),
        )

    class Verification(BaseModel):
        job_number: str
        report_hash: str
        matches: bool
        status: str | None

    @app.get("/api/v1/verify/{number}/{report_hash}")
    def verify(number: str, report_hash: str, session: Db) -> Verification:
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
        return Verification(
            job_number=number,
            report_hash=report_hash,
            matches=matches,
            status=job.status if job and matches else None,
        )

    return app
