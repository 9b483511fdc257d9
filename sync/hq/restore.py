"""Backup, restore, and the HQ that went back in time (docs/operations.md, and
docs/sync-protocol.md §12).

HQ has an identity (``hq_meta.hq_id``, made once per database by migration hq0005, so a
dump carries it) and a *restore generation* (``hq_meta.restore_generation``). Both are on
every answer (:class:`IdentityMiddleware`). ``fieldapp-hq restore`` (or
``fieldapp-hq restored`` after a hand-made ``pg_restore``) raises the generation and
notes the sequence number HQ restarts from. A device that sees a higher generation (or a
cursor past HQ's sequence) uploads again the rows of every bucket whose checksum differs
(``POST /api/v1/sync/reupload``), then refetches everything.

HQ applies a re-uploaded row through the push's own path (sync/hq/apply.py): permission,
frozen reports, status steps and the precedence table all hold.

- HQ lacks the row: an insert.
- HQ holds it at the device's version or newer: kept (HQ's is as new).
- HQ holds an older version: an update of the fields that differ. If HQ has not changed
  the row since the restore, its version is the base (the device's fields win: they are
  the changes the backup lost). If HQ changed it after the restore, the base is 0:
  every field counts as concurrent and the precedence table decides, with a conflict
  row for each field, as for any push.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlmodel import col
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldapp.clock import utcnow
from fieldapp.models import APPEND_ONLY_TABLES, SYNCED_TABLES, TABLES_BY_NAME
from fieldapp.numbering import job_number, parse_job_number
from fieldapp.wire import row_to_wire
from sync import protocol as p
from sync.hq import metrics
from sync.hq.apply import Actor, apply_batch
from sync.hq.db import current_seq, session_scope
from sync.hq.models import Counter, JobNumberBlock, Meta, RowLog
from sync.hq.numbers import claim_job_number, counter_name, ensure_counter
from sync.restore_wire import (
    GENERATION_HEADER,
    HQ_ID_HEADER,
    REUPLOAD_PATH,
    NumberBlockClaim,
    ReuploadRequest,
    ReuploadResponse,
    ReuploadResult,
    ReuploadRow,
)

log = logging.getLogger(__name__)
NUMBER_COUNTER_PREFIX = counter_name(0).removesuffix("0")  # "job-number-"
HQ_ID = "hq_id"
GENERATION = "restore_generation"
RESTORED_AT_SEQ = "restored_at_seq"  # HQ's sequence when the generation was raised
IDENTITY_TTL = 5.0  # seconds a worker reuses what it read
BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at"})
TABLE_ORDER = {m.__tablename__: n for n, m in enumerate(SYNCED_TABLES)}  # type: ignore[attr-defined]
APPEND_ONLY = frozenset(m.__tablename__ for m in APPEND_ONLY_TABLES)  # type: ignore[attr-defined]
NAMESPACE = uuid.UUID("6f1c1b52-6a4e-4b38-9a0e-3d3f4b7f2c11")


# --- identity and generation --------------------------------------------------------------


def identity(session: Any) -> tuple[str, int]:
    """HQ's id and restore generation, as the database holds them."""
    rows = dict(
        session.execute(
            select(Meta.key, Meta.value).where(Meta.key.in_([HQ_ID, GENERATION]))  # type: ignore[attr-defined]
        ).all()
    )
    if HQ_ID not in rows:
        raise RuntimeError("HQ's database has no identity: run `fieldapp-hq init`.")
    return rows[HQ_ID], int(rows.get(GENERATION) or 1)


def restored_at_seq(session: Any) -> int:
    found = session.get(Meta, RESTORED_AT_SEQ)
    return int(found.value) if found is not None else 0


def bump_generation(engine: Engine) -> int:
    """After a restore: the next generation, and the sequence HQ restarts from."""
    with session_scope(engine) as session:
        _, generation = identity(session)
        generation += 1
        session.merge(Meta(key=GENERATION, value=str(generation)))
        session.merge(Meta(key=RESTORED_AT_SEQ, value=str(current_seq(session))))
    log.warning("Restore generation raised to %d: devices upload what HQ lost", generation)
    return generation


class IdentityMiddleware:
    """Puts HQ's id and generation on every answer. Read from the database at most every
    few seconds per worker (the generation changes only at a restore, and HQ is
    restarted then)."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine
        self._cached: tuple[float, list[tuple[bytes, bytes]]] | None = None

    def _read(self) -> list[tuple[bytes, bytes]]:
        with session_scope(self.engine) as session:
            hq_id, generation = identity(session)
        return [
            (HQ_ID_HEADER.lower().encode(), hq_id.encode()),
            (GENERATION_HEADER.lower().encode(), str(generation).encode()),
        ]

    async def headers(self) -> list[tuple[bytes, bytes]]:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > IDENTITY_TTL:
            try:
                self._cached = (now, await run_in_threadpool(self._read))
            except Exception:  # a database that is down: /ready says so, answers go on
                log.exception("Cannot read HQ's identity")
                return []
        return self._cached[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = await self.headers()

        async def send_with_identity(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_identity)


# --- the re-upload ------------------------------------------------------------------------


def _mutation_id(actor: Actor, request: ReuploadRequest, row: ReuploadRow, part: str) -> str:
    key = f"{actor.device_id}|{request.epoch}|{request.attempt}|{row.table}|{row.row_id}|"
    return str(uuid.uuid5(NAMESPACE, key + f"{row.version}|{part}"))


def _plan(
    session: Any, actor: Actor, request: ReuploadRequest
) -> tuple[list[tuple[ReuploadRow, p.Mutation]], list[ReuploadResult]]:
    """What to apply for each row, inserts first (parents before children), then updates."""
    since = restored_at_seq(session)
    inserts: list[tuple[ReuploadRow, p.Mutation]] = []
    updates: list[tuple[ReuploadRow, p.Mutation]] = []
    done: list[ReuploadResult] = []
    for row in sorted(request.rows, key=lambda r: TABLE_ORDER.get(r.table, 999)):

        def mutation(op: str, fields: dict[str, Any], base: int, row: ReuploadRow = row) -> Any:
            return p.Mutation(
                mutation_id=_mutation_id(actor, request, row, op),
                table=row.table,
                row_id=row.row_id,
                op=op,  # type: ignore[arg-type]
                fields=fields,
                base_version=base,
            )

        def outcome(kind: str, code: str = "", row: ReuploadRow = row) -> None:
            done.append(
                ReuploadResult(table=row.table, row_id=row.row_id, outcome=kind, code=code)  # type: ignore[arg-type]
            )

        model = TABLES_BY_NAME.get(row.table)
        if model is None:
            outcome("rejected", "unknown_table")
            continue
        try:
            held = session.get(model, row.row_id)
            if held is None:
                fields = {k: v for k, v in row.fields.items() if k not in {"version", "updated_at"}}
                inserts.append((row, mutation("insert", {**fields, "id": row.row_id}, 0)))
                continue
            if (held.version or 0) >= row.version or row.table in APPEND_ONLY:
                outcome("kept")  # HQ's is as new, or the row never changes
                continue
            ours = row_to_wire(held)
            changed = {
                k: v
                for k, v in row.fields.items()
                if k not in BOOKKEEPING and k in ours and ours[k] != v
            }
            if not changed:
                outcome("kept")
                continue
            last = session.execute(
                select(func.max(RowLog.seq)).where(
                    RowLog.table_name == row.table,  # type: ignore[arg-type]
                    RowLog.row_id == row.row_id,  # type: ignore[arg-type]
                )
            ).scalar()
            # Untouched since the restore: the device's fields are what the backup lost.
            # Changed since: base 0, every field concurrent, the precedence table decides.
            base = held.version if last is None or last <= since else 0
            deleted = changed.pop("deleted_at", None)
            if changed:
                updates.append((row, mutation("update", changed, base)))
            if deleted is not None:
                updates.append((row, mutation("delete", {"deleted_at": deleted}, base)))
        except (ValidationError, ValueError, TypeError) as error:
            done.append(
                ReuploadResult(
                    table=row.table,
                    row_id=row.row_id,
                    outcome="rejected",
                    code="invalid_value",
                    reason=str(error).splitlines()[0][:200],
                )
            )
    return inserts + updates, done


def _claimed_numbers(request: ReuploadRequest) -> list[NumberBlockClaim]:
    """The numbers the device says are its own: the blocks it still holds, and the
    number of every job it re-uploads (its block may be used up and forgotten)."""
    claims = list(request.number_blocks)
    for row in request.rows:
        number = row.fields.get("number") if row.table == "job" else None
        parsed = parse_job_number(number) if isinstance(number, str) else None
        if parsed is not None:
            claims.append(NumberBlockClaim(year=parsed[0], first=parsed[1], last=parsed[1]))
    return claims


def take_back_numbers(
    session: Any, actor: Actor, claims: list[NumberBlockClaim]
) -> list[NumberBlockClaim]:
    """Record again the job numbers HQ reserved for this device after its backup (the
    restore forgot them), so its new jobs are accepted under the numbers it gave them,
    and move each year's counter past them. A claim overlapping another device's block
    is refused (returned): those numbers are that device's now."""
    refused: list[NumberBlockClaim] = []
    for claim in claims:
        if claim.first > claim.last:
            refused.append(claim)
            continue
        overlapping = (
            session.execute(
                select(JobNumberBlock).where(
                    JobNumberBlock.year == claim.year,
                    col(JobNumberBlock.first) <= claim.last,
                    col(JobNumberBlock.last) >= claim.first,
                )
            )
            .scalars()
            .all()
        )
        if any(block.device_id != actor.device_id for block in overlapping):
            refused.append(claim)
            continue
        if any(b.first <= claim.first and b.last >= claim.last for b in overlapping):
            continue  # HQ knows it (reserved before the backup)
        session.add(
            JobNumberBlock(
                device_id=actor.device_id,
                year=claim.year,
                first=claim.first,
                last=claim.last,
                reserved_at=utcnow(),
            )
        )
        claim_job_number(session, job_number(claim.year, claim.last))
        log.info(
            "Job numbers %s..%s taken back for device %s after a restore",
            job_number(claim.year, claim.first),
            job_number(claim.year, claim.last),
            actor.device_id,
        )
    session.flush()
    return refused


def skip_numbers(engine: Engine, gap: int | None = None) -> dict[int, int]:
    """After a restore: move each year's job-number counter ``gap`` numbers on, so the
    blocks HQ reserved between its backup and the restore (which it no longer knows
    until their devices re-upload) are not handed to another device meanwhile. The
    default gap is what HQ reserved in the day before its newest reservation, at least
    1,000. Returns the new counter per year."""
    moved: dict[int, int] = {}
    with session_scope(engine) as session:
        if gap is None:
            newest = session.execute(select(func.max(JobNumberBlock.reserved_at))).scalar()
            day = 0
            if newest is not None:
                sizes = session.execute(
                    select(JobNumberBlock.first, JobNumberBlock.last).where(
                        col(JobNumberBlock.reserved_at) >= newest - timedelta(days=1)
                    )
                ).all()
                day = sum(last - first + 1 for first, last in sizes)
            gap = max(1000, day)
        # This year's counter too if the backup had none yet (no number handed out
        # before it): the blocks handed out after it began at its start.
        years = {utcnow().year}
        years.update(session.execute(select(JobNumberBlock.year).distinct()).scalars())
        for year in sorted(years):
            ensure_counter(session, year)
        session.flush()
        for counter in session.execute(
            select(Counter).where(col(Counter.name).startswith(NUMBER_COUNTER_PREFIX))
        ).scalars():
            counter.value += gap
            session.add(counter)
            moved[int(counter.name.removeprefix(NUMBER_COUNTER_PREFIX))] = counter.value
    return moved


def reupload(session: Any, actor: Actor, request: ReuploadRequest) -> ReuploadResponse:
    refused = take_back_numbers(session, actor, _claimed_numbers(request))
    planned, results = _plan(session, actor, request)
    answer = apply_batch(
        session,
        actor,
        p.PushRequest(batch_id=f"reupload-{request.epoch}"[:36], mutations=[m for _, m in planned]),
    )
    # An update refused as a whole for one field this user may not write (a supervisor's
    # re-assignment the backup lost): the fields they may write still go in, one by one.
    retry: list[tuple[ReuploadRow, p.Mutation]] = []
    for (row, mutation), result in zip(planned, answer.results, strict=True):
        if result.status == "rejected" and result.code == "forbidden" and len(mutation.fields) > 1:
            for name, value in mutation.fields.items():
                retry.append(
                    (
                        row,
                        mutation.model_copy(
                            update={
                                "mutation_id": _mutation_id(actor, request, row, f"field:{name}"),
                                "fields": {name: value},
                            }
                        ),
                    )
                )
            continue
        outcome = (
            "rejected"
            if result.status == "rejected"
            else ("inserted" if mutation.op == "insert" else "updated")
        )
        results.append(
            ReuploadResult(
                table=row.table,
                row_id=row.row_id,
                outcome=outcome,
                code=result.code,
                reason=result.reason,
            )
        )
    if retry:
        again = apply_batch(
            session,
            actor,
            p.PushRequest(
                batch_id=f"reupload-f-{request.epoch}"[:36], mutations=[m for _, m in retry]
            ),
        )
        best: dict[tuple[str, str], ReuploadResult] = {}
        for (row, _), result in zip(retry, again.results, strict=True):
            key = (row.table, row.row_id)
            if result.status == "applied" or key not in best:
                best[key] = ReuploadResult(
                    table=row.table,
                    row_id=row.row_id,
                    outcome="updated" if result.status == "applied" else "rejected",
                    code=result.code,
                    reason=result.reason,
                )
        results.extend(best.values())
    for result in results:
        metrics.REUPLOADED.labels(result.outcome).inc()
    log.info("Re-upload from device %s: %d rows", actor.device_id, len(results))
    return ReuploadResponse(results=results, refused_blocks=refused)


def install(app: FastAPI, engine: Engine) -> None:
    """The re-upload endpoint and the identity on every answer."""
    from sync.hq.app import actor_from_header, errors

    @app.post(REUPLOAD_PATH, responses=errors(400, 401, 403, 413, 422, 426))
    def reupload_rows(
        request: ReuploadRequest, authorization: Annotated[str, Header()] = ""
    ) -> ReuploadResponse:
        with session_scope(engine) as session:
            actor = actor_from_header(session, authorization)
            return reupload(session, actor, request)

    app.add_middleware(IdentityMiddleware, engine=engine)


# --- backup and restore (the commands) ----------------------------------------------------


def backup(url: str, target: Path) -> None:
    """A consistent copy of a running HQ's database: ``pg_dump -Fc`` (one snapshot) for
    PostgreSQL, SQLite's online backup API for a file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database or "")
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)],
        check=True,
    )


def restore(url: str, source: Path) -> None:
    """Put a backup back (HQ stopped). For PostgreSQL into the (fresh or existing)
    database of ``url``: ``pg_restore --clean --if-exists``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        target = Path(parsed.database or "")
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        backup_copy = sqlite3.connect(source)
        live = sqlite3.connect(target)
        try:
            backup_copy.backup(live)
        finally:
            live.close()
            backup_copy.close()
        return
    subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq(url)}",
            str(source),
        ],
        check=True,
    )


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as libpq understands it (no ``+psycopg`` driver part)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def add_commands(commands: Any) -> None:
    backup_cmd = commands.add_parser(
        "backup", help="copy the database of a running HQ (pg_dump, or SQLite's backup)"
    )
    backup_cmd.add_argument("file", type=Path)
    restore_cmd = commands.add_parser(
        "restore", help="put a backup back (HQ stopped) and raise the restore generation"
    )
    restore_cmd.add_argument("file", type=Path)
    commands.add_parser(
        "restored",
        help="raise the restore generation after a restore made by hand (pg_restore)",
    )


COMMANDS = frozenset({"backup", "restore", "restored"})


def run_command(engine: Engine, url: str, args: argparse.Namespace) -> int:
    if args.command == "backup":
        backup(url, args.file)
        sys.stdout.write(f"Backup written to {args.file}.\n")
        return 0
    if args.command == "restore":
        if not args.file.is_file():
            sys.stderr.write(f"fieldapp-hq: no file {args.file}\n")
            return 1
        engine.dispose()
        restore(url, args.file)
    from sync.hq.db import migrate_hq

    migrate_hq(engine)  # a backup of an older HQ is brought to this schema
    generation = bump_generation(engine)
    skipped = skip_numbers(engine) if args.command == "restore" else {}
    sys.stdout.write(
        f"Restore generation is now {generation}: devices upload what the backup lacks "
        "at their next sync.\n"
    )
    for year, value in sorted(skipped.items()):
        sys.stdout.write(f"Job numbers of {year} go on after {job_number(year, value)}.\n")
    return 0
