"""The device's sync client: push the outbox, pull by server sequence, verify.

One ``requests`` session with timeouts, retries with backoff (urllib3 ``Retry``) and
gzip. Safe to run from a worker thread; reports progress through a callback. Every step
commits locally before the next request, so a sync killed at any point resumes where it
stopped and applies nothing twice.
"""

from __future__ import annotations

import gzip
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from urllib3.util.retry import Retry

from fieldapp.blobs import BlobStore
from fieldapp.clock import utcnow
from fieldapp.models import (
    SYNCED_TABLES,
    TABLES_BY_NAME,
    Attachment,
    CompanyProfile,
    LocalSetting,
    OutboxEntry,
    RejectedChange,
    Review,
    SignOff,
    SyncConflict,
    SyncedRowState,
)
from fieldapp.numbering import NumberBlock, store_blocks
from fieldapp.store import Store, StoreSession
from fieldapp.wire import from_wire, row_to_wire
from sync import protocol as p
from sync.buckets import ALL, bucket_of, row_digest, wire_rows
from sync.faults import fault_point

# The token lives in the OS keyring where there is one, else in a 0600 file.
from sync.token_store import TOKEN_FILE, load_token, save_token, token_path  # noqa: F401

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
PUSH_BATCH = 200
PULL_PAGE = 2000
TABLE_ORDER = {model.__tablename__: n for n, model in enumerate(SYNCED_TABLES)}  # type: ignore[attr-defined]

# Keys of the device's sync state in local_setting.
SERVER = "sync.server"
DEVICE_ID = "sync.device_id"
USER_ID = "sync.user_id"
LOGIN = "sync.login"
ROLE = "sync.role"
CURSOR = "sync.cursor"
SCOPE_DIGEST = "sync.scope_digest"
BUCKETS = "sync.buckets"
BACKFILL = "sync.backfill"
LAST_SYNC = "sync.last_success"
LAST_ERROR = "sync.last_error"
#: HQ's TLS certificate (SHA-256 hex) the device accepts, set at enrollment from the QR.
TLS_PIN = "sync.tls_fingerprint"
#: The app version HQ says is current (its pull answer), for "an update is available".
CURRENT_APP_VERSION = "sync.current_app_version"
LAST_FULL_VERIFY = "sync.last_full_verify"
FULL_VERIFY_EVERY = timedelta(days=1)


class SyncFailed(Exception):
    """The sync stopped; ``code`` is stable, the message is for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class SyncReport:
    pushed: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    blobs_up: int = 0
    blobs_down: int = 0
    verified_buckets: int = 0
    repaired_buckets: list[str] = field(default_factory=list)
    verification_deferred: bool = False
    snapshot_rows: int = 0  # of ``pulled``: rows that came in HQ's snapshot file


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


class PinnedAdapter(HTTPAdapter):
    """HTTPS that accepts exactly one certificate: the one whose SHA-256 the enrollment
    QR code (or IT) gave for this HQ. Its chain is not checked against the system's
    CAs (a pinned HQ may use its own), the fingerprint is: any other certificate is
    refused, whoever signed it."""

    def __init__(self, fingerprint: str, **kwargs: Any) -> None:
        self.fingerprint = fingerprint
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
        if host.get("scheme") == "https":
            pool.pop("ca_certs", None)
            pool.pop("ca_cert_dir", None)
            pool.update(cert_reqs="CERT_NONE", assert_fingerprint=self.fingerprint)
        return host, pool

    def cert_verify(self, conn: Any, url: str, verify: bool | str, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)
        if url.lower().startswith("https"):
            conn.cert_reqs = "CERT_NONE"
            conn.ca_certs = conn.ca_cert_dir = None
            conn.assert_fingerprint = self.fingerprint


def make_http_session(retries: int = 4, fingerprint: str = "") -> requests.Session:
    session = requests.Session()
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.3,
        backoff_max=5,
        status_forcelist=(502, 503, 504),
        # Every request of the protocol is idempotent (mutation ids, content hashes,
        # cursors), so POST and PUT are retried too.
        allowed_methods=frozenset({"GET", "POST", "PUT", "HEAD"}),
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount(
        "https://", PinnedAdapter(fingerprint, max_retries=retry) if fingerprint else adapter
    )
    session.headers.update(
        {
            p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION),
            "Accept-Encoding": "gzip",
            "User-Agent": "fieldapp",
        }
    )
    return session


def _raise_for(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
        code, message = body.get("code", "http_error"), body.get("message", response.text)
    except ValueError:
        code, message = "http_error", f"HQ answered {response.status_code}."
    if response.status_code == 426:
        code = "update_required"
    raise SyncFailed(code, message)


class HQConnection:
    """HTTP to HQ with the device's token."""

    def __init__(
        self,
        server: str,
        token: str | None,
        timeout: tuple[float, float] = (5, 60),
        fingerprint: str = "",
    ):
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.http = make_http_session(fingerprint=fingerprint)
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.http.request(method, self.server + path, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError as error:
            # Also a pinned HQ presenting another certificate than the QR code's.
            raise SyncFailed(
                "certificate", "HQ's certificate is not one this device can trust."
            ) from error
        except requests.RequestException as error:
            raise SyncFailed(
                "network", f"HQ cannot be reached ({type(error).__name__})."
            ) from error
        _raise_for(response)
        return response

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if len(raw) > 4096:
            raw = gzip.compress(raw, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        response = self._request("POST", path, data=raw, headers=headers)
        try:
            return response.json()
        except ValueError as error:
            raise SyncFailed("bad_answer", "HQ's answer was cut off or garbled.") from error

    def get(self, path: str) -> requests.Response:
        return self._request("GET", path)

    def get_json(self, path: str) -> dict[str, Any]:
        try:
            return self.get(path).json()  # type: ignore[no-any-return]
        except ValueError as error:
            raise SyncFailed("bad_answer", "HQ's answer was cut off or garbled.") from error

    def put(self, path: str, data: bytes, params: dict[str, Any]) -> dict[str, Any]:
        response = self._request(
            "PUT",
            path,
            data=data,
            params=params,
            headers={"Content-Type": "application/octet-stream"},
        )
        try:
            return response.json()
        except ValueError as error:
            raise SyncFailed("bad_answer", "HQ's answer was cut off or garbled.") from error


def enroll(
    store: Store,
    data_dir: Path,
    server: str,
    code: str,
    device_name: str = "",
    platform: str = "",
    fingerprint: str = "",
) -> p.EnrollResponse:
    """Exchange a one-time code for this device's token; remember HQ and the user (and
    the certificate fingerprint HQ is pinned to, if the QR code or IT gave one)."""
    connection = HQConnection(server, None, fingerprint=fingerprint)
    try:
        body = connection.post(
            f"{p.API}/enroll",
            p.EnrollRequest(code=code, device_name=device_name, platform=platform).model_dump(),
        )
    finally:
        connection.close()
    answer = p.EnrollResponse.model_validate(body)
    save_token(data_dir, answer.token)
    for key, value in (
        (SERVER, server.rstrip("/")),
        (DEVICE_ID, answer.device_id),
        (USER_ID, answer.user_id),
        (LOGIN, answer.login),
        (ROLE, answer.role),
        (TLS_PIN, fingerprint),
    ):
        store.set_setting(key, value)
    return answer


class SyncClient:
    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        progress: Progress | None = None,
        page_size: int = PULL_PAGE,
        push_batch: int = PUSH_BATCH,
        use_snapshot: bool = True,
    ) -> None:
        server = store.get_setting(SERVER)
        token = load_token(data_dir)
        if not server or not token:
            raise SyncFailed("not_enrolled", "This device is not enrolled with HQ yet.")
        self.store = store
        self.data_dir = data_dir
        self.blobs = BlobStore(data_dir / "blobs")
        self.hq = HQConnection(server, token, fingerprint=store.get_setting(TLS_PIN))
        self.progress = progress or _no_progress
        self.page_size = page_size
        self.push_batch = push_batch
        # A device that holds nothing yet starts from HQ's snapshot of the shared buckets.
        self.use_snapshot = use_snapshot
        self.device_id = store.get_setting(DEVICE_ID)
        self._touched: set[str] = set()  # buckets this sync changed, to verify
        # Buckets this sync installed from HQ's snapshot: verified by their digests.
        self._from_snapshot: set[str] = set()

    def close(self) -> None:
        self.hq.close()

    # --- the whole sync --------------------------------------------------------------

    def sync(self, *, full_verify: bool | None = None) -> SyncReport:
        report = SyncReport()
        self._touched = set()
        self._from_snapshot = set()
        try:
            self.recover_if_hq_went_back(report)
            self.upload_blobs(report)
            self.push(report)
            try:
                self.pull(report)
            except SyncFailed as failure:
                if failure.code != "resync_required":
                    raise
                log.warning("HQ asks for a resync: the outbox is pushed, refetching all")
                self.reset_replica()
                self.pull(report)
            self.verify(report, full=full_verify)
            self.download_blobs(report)
        except SyncFailed as failure:
            self.store.set_setting(
                LAST_ERROR,
                json.dumps(
                    {"code": failure.code, "message": failure.message, "at": utcnow().isoformat()}
                ),
            )
            raise
        self.store.set_setting(LAST_SYNC, utcnow().isoformat())
        self.store.set_setting(LAST_ERROR, "")
        # HQ now holds every change: the copy taken before a schema upgrade can go.
        self.store.drop_migration_backups()
        return report

    def recover_if_hq_went_back(self, report: SyncReport) -> None:
        """HQ restored from a backup: upload what it lost first (sync/restore_client.py)."""
        from sync import restore_client

        plan = restore_client.check(self)
        if plan is not None:
            restore_client.recover(self, report, plan)
            restore_client.finish(self, plan)

    # --- push --------------------------------------------------------------------------

    def pending(self) -> int:
        return sum(self.store.pending_changes().values())

    def push(self, report: SyncReport) -> None:
        total = self.pending()
        done = 0
        while True:
            with self.store.reader() as session:
                entries = list(
                    session.exec(
                        select(OutboxEntry).order_by(OutboxEntry.seq).limit(self.push_batch)  # type: ignore[arg-type]
                    )
                    .scalars()
                    .all()
                )
            if not entries:
                return
            self.progress("push", done, total)
            mutations = [
                p.Mutation(
                    mutation_id=e.mutation_id,
                    table=e.table_name,
                    row_id=e.row_id,
                    op=e.op,
                    fields=json.loads(e.fields),  # type: ignore[arg-type]
                    base_version=e.base_version,
                )
                for e in entries
            ]
            batch_id = str(
                uuid.uuid5(uuid.NAMESPACE_URL, "|".join(m.mutation_id for m in mutations))
            )
            fault_point("client_before_push")
            body = self.hq.post(
                f"{p.API}/sync/push",
                p.PushRequest(batch_id=batch_id, mutations=mutations).model_dump(mode="json"),
            )
            fault_point("client_after_push_before_ack")
            answer = p.PushResponse.model_validate(body)
            self._acknowledge(entries, answer, report)
            done += len(entries)
            self.progress("push", done, total)

    def _acknowledge(
        self, entries: list[OutboxEntry], answer: p.PushResponse, report: SyncReport
    ) -> None:
        by_id = {e.mutation_id: e for e in entries}
        forget: list[tuple[str, str]] = []
        with self.store.action(track=False, foreign_keys=False) as session:
            session.info["replica"] = True
            for result in answer.results:
                entry = by_id.get(result.mutation_id)
                if entry is None:
                    continue
                session.execute(delete(OutboxEntry).where(OutboxEntry.seq == entry.seq))  # type: ignore[arg-type]
                if result.status == "applied":
                    report.pushed += 1
                    report.conflicts += len(result.conflicts)
                    if result.row is not None and not self._has_pending(
                        session, entry.table_name, entry.row_id
                    ):
                        # HQ's row after the merge is the truth, and it now belongs to
                        # a bucket (so it leaves with the bucket if the scope shrinks).
                        self._write_rows(session, entry.table_name, [result.row])
                        self._record_bucket(session, entry.table_name, entry.row_id)
                    elif result.row is None:
                        # HQ has it, and it is outside this device's scope now (the job
                        # was re-assigned while we worked): it leaves the device.
                        forget.append((entry.table_name, entry.row_id))
                    continue
                report.rejected += 1
                log.warning(
                    "HQ rejected %s %s %s: %s %s",
                    entry.op,
                    entry.table_name,
                    entry.row_id,
                    result.code,
                    result.reason,
                )
                session.merge(
                    RejectedChange(
                        mutation_id=entry.mutation_id,
                        table_name=entry.table_name,
                        row_id=entry.row_id,
                        op=entry.op,
                        fields=entry.fields,
                        code=result.code,
                        reason=result.reason,
                        rejected_at=utcnow(),
                    )
                )
                if result.row is None and entry.op == "insert":
                    forget.append((entry.table_name, entry.row_id))
                elif result.row is not None and not self._has_pending(
                    session, entry.table_name, entry.row_id
                ):
                    # HQ's row is the truth; the device's version is kept in the record.
                    self._write_rows(session, entry.table_name, [result.row])
                    self._record_bucket(session, entry.table_name, entry.row_id)
            # In the same transaction as the answers: a crash leaves no half state.
            self._forget_rows(session, reversed(forget))

    def _forget_rows(self, session: StoreSession, rows: Iterable[tuple[str, str]]) -> None:
        """Remove local rows HQ refused to create (their content is in the rejection
        record) or that left the device's scope; children first."""
        for table, row_id in rows:
            if self._has_pending(session, table, row_id):
                continue
            model = TABLES_BY_NAME.get(table)
            if model is None:
                continue
            session.execute(delete(model).where(model.id == row_id))  # type: ignore[arg-type]
            session.execute(
                delete(SyncedRowState).where(
                    SyncedRowState.table_name == table,  # type: ignore[arg-type]
                    SyncedRowState.row_id == row_id,  # type: ignore[arg-type]
                )
            )

    # --- pull ----------------------------------------------------------------------------

    def _state(self) -> tuple[int, str, list[str], dict[str, Any] | None]:
        state = self.store.get_settings([CURSOR, SCOPE_DIGEST, BUCKETS, BACKFILL])
        backfill = json.loads(state[BACKFILL]) if state[BACKFILL] else None
        return (
            int(state[CURSOR] or 0),
            state[SCOPE_DIGEST],
            json.loads(state[BUCKETS] or "[]"),
            backfill,
        )

    def _fetch_page(self, request: p.PullRequest) -> p.PullResponse:
        body = self.hq.post(f"{p.API}/sync/pull", request.model_dump(mode="json"))
        return p.PullResponse.model_validate(body)

    def pull(self, report: SyncReport) -> None:
        """Pull pages until HQ has nothing newer. While a page is written, the next one
        is already on its way (one request in flight, never two); the checkpoint still
        moves only with the page it belongs to. A device that holds nothing yet first
        installs HQ's snapshot of the shared buckets (sync/snapshot_client.py)."""
        if self.use_snapshot:
            from sync.snapshot_client import start_from_snapshot

            start_from_snapshot(self, report)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull") as prefetcher:
            ahead: Future[p.PullResponse] | None = None
            ahead_for: p.PullRequest | None = None
            while True:
                cursor, digest, buckets, backfill = self._state()
                request = p.PullRequest(
                    cursor=cursor,
                    scope_digest=digest,
                    limit=self.page_size,
                    backfill=p.Backfill(**backfill) if backfill else None,
                )
                if ahead is not None and ahead_for == request:
                    answer = ahead.result()
                else:
                    if ahead is not None:
                        ahead.cancel()
                    answer = self._fetch_page(request)
                ahead = ahead_for = None
                if answer.scope is not None:
                    self._change_scope(answer.scope, answer.scope_digest, buckets, cursor)
                    continue
                if answer.has_more:
                    ahead_for = request.model_copy(
                        update={"cursor": max(answer.next_after, cursor)}
                        if backfill is None
                        else {"backfill": p.Backfill(**{**backfill, "after": answer.next_after})}
                    )
                    ahead = prefetcher.submit(self._fetch_page, ahead_for)
                self._store_page(answer, cursor, buckets, backfill)
                report.pulled += len(answer.changes)
                self.progress("pull", answer.next_after, max(answer.server_seq, 1))
                fault_point("client_between_pages")
                if not answer.has_more and backfill is None:
                    self._sweep()
                    self.store.set_setting(CURRENT_APP_VERSION, answer.current_app_version)
                    return

    def _change_scope(self, scope: list[str], digest: str, held: list[str], cursor: int) -> None:
        """HQ says the device's scope changed: drop what left it (never unsynced work)
        and backfill what entered it, up to the current cursor."""
        target = set(scope)
        _, _, _, backfill = self._state()
        pending_backfill = set(backfill["buckets"]) if backfill else set()
        # Buckets still being backfilled count as held: they leave like the others, and
        # those that stay are backfilled again from the start (idempotent).
        held_now = set(held) | pending_backfill
        added, removed = target - held_now, held_now - target
        added |= pending_backfill & target
        with self.store.action(track=False, foreign_keys=False) as session:
            session.info["replica"] = True
            if removed:
                self._drop_buckets(session, removed)
            session.merge(_setting(SCOPE_DIGEST, digest))
            if cursor == 0:
                # Nothing pulled yet: the incremental pull from zero brings every bucket.
                session.merge(_setting(BUCKETS, json.dumps(sorted(target))))
                added = set()
            else:
                session.merge(_setting(BUCKETS, json.dumps(sorted(set(held) - removed))))
            if added:
                backfill = {"buckets": sorted(added), "upto": cursor, "after": 0}
                session.merge(_setting(BACKFILL, json.dumps(backfill)))
            else:
                session.merge(_setting(BACKFILL, ""))
        log.info("Scope changed: %d buckets in, %d out", len(added), len(removed))

    def _sweep(self) -> None:
        """Drop rows of buckets that left the scope while they still had unsynced
        changes, now that those changes are at HQ."""
        _, _, held, backfill = self._state()
        if ALL in held:
            return
        keep = set(held) | set(backfill["buckets"] if backfill else [])
        with self.store.action(track=False, foreign_keys=False) as session:
            session.info["replica"] = True
            stale = [
                bucket
                for (bucket,) in session.execute(select(SyncedRowState.bucket).distinct())
                if bucket not in keep
            ]
            if stale:
                self._drop_buckets(session, stale)

    def _drop_buckets(self, session: StoreSession, buckets: Iterable[str]) -> None:
        for bucket in buckets:
            rows = session.execute(
                select(SyncedRowState.table_name, SyncedRowState.row_id).where(
                    SyncedRowState.bucket == bucket
                )
            ).all()
            ordered = sorted(rows, key=lambda r: -TABLE_ORDER.get(r[0], 0))
            for table, row_id in ordered:
                if self._has_pending(session, table, row_id):
                    continue  # unsynced work stays until HQ has it
                model = TABLES_BY_NAME.get(table)
                if model is not None:
                    session.execute(delete(model).where(model.id == row_id))  # type: ignore[arg-type]
                session.execute(
                    delete(SyncedRowState).where(
                        SyncedRowState.table_name == table, SyncedRowState.row_id == row_id
                    )
                )  # type: ignore[arg-type]

    def _store_page(
        self,
        answer: p.PullResponse,
        cursor: int,
        buckets: list[str],
        backfill: dict[str, Any] | None,
    ) -> None:
        """Apply one page and move the checkpoint, in one local transaction.

        Foreign keys are not enforced here: HQ's data is consistent, but a page can
        hold a row whose parent arrives on a later page."""
        with self.store.action(track=False, foreign_keys=False) as session:
            session.info["replica"] = True
            pending = self._pending_rows(session, answer.changes)
            by_table: dict[str, list[dict[str, Any]]] = {}
            states: list[dict[str, Any]] = []
            for change in answer.changes:
                self._touched.add(change.bucket)
                key = (change.table, change.row_id)
                if key in pending:
                    continue  # local work not yet at HQ wins until it is pushed
                if change.table not in TABLES_BY_NAME:
                    log.warning("Skipping a row of unknown table %s", change.table)
                    continue
                if change.removed or change.row is None:
                    model = TABLES_BY_NAME[change.table]
                    session.execute(delete(model).where(model.id == change.row_id))  # type: ignore[arg-type]
                    session.execute(
                        delete(SyncedRowState).where(
                            SyncedRowState.table_name == change.table,  # type: ignore[arg-type]
                            SyncedRowState.row_id == change.row_id,  # type: ignore[arg-type]
                            SyncedRowState.bucket == change.bucket,
                        )
                    )  # type: ignore[arg-type]
                    continue
                by_table.setdefault(change.table, []).append(change.row)
                states.append(
                    {
                        "table_name": change.table,
                        "row_id": change.row_id,
                        "bucket": change.bucket,
                        "digest": row_digest(change.table, change.row),
                    }
                )
            for table in sorted(by_table, key=lambda t: TABLE_ORDER.get(t, 0)):
                self._write_rows(session, table, by_table[table])
            if states:
                statement = sqlite_insert(SyncedRowState.__table__)  # type: ignore[attr-defined]
                session.execute(
                    statement.on_conflict_do_update(
                        index_elements=["table_name", "row_id"],
                        set_={
                            "bucket": statement.excluded.bucket,
                            "digest": statement.excluded.digest,
                        },
                    ),
                    states,
                )
            if answer.job_number_blocks:
                # Numbers HQ reserved for this device's new jobs (fieldapp/numbering.py):
                # kept with the page, so they are known from the moment it is.
                store_blocks(
                    session,
                    [NumberBlock(b.year, b.first, b.last) for b in answer.job_number_blocks],
                    device_id=self.device_id,
                )
            if backfill is not None:
                if answer.has_more:
                    backfill = {**backfill, "after": answer.next_after}
                    session.merge(_setting(BACKFILL, json.dumps(backfill)))
                else:
                    # An admin's scope is everything: refetched buckets stay within it.
                    if ALL in buckets:
                        held = [ALL]
                    else:
                        held = sorted(set(buckets) | set(backfill["buckets"]))
                    session.merge(_setting(BUCKETS, json.dumps(held)))
                    session.merge(_setting(BACKFILL, ""))
            else:
                session.merge(_setting(CURSOR, str(max(answer.next_after, cursor))))

    def _write_rows(self, session: StoreSession, table: str, rows: list[dict[str, Any]]) -> None:
        model = TABLES_BY_NAME[table]
        known = set(model.model_fields)
        # Columns a newer HQ added are ignored (a new column comes with a new protocol
        # version: the checksums cover every column, docs/sync-protocol.md §3.3).
        values = [from_wire(model, {k: v for k, v in row.items() if k in known}) for row in rows]
        statement = sqlite_insert(model.__table__)  # type: ignore[attr-defined]
        columns = [c.key for c in model.__table__.columns if c.key != "id"]  # type: ignore[attr-defined]
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["id"], set_={c: statement.excluded[c] for c in columns}
            ),
            values,
        )

    def _record_bucket(self, session: StoreSession, table: str, row_id: str) -> None:
        model = TABLES_BY_NAME[table]
        row = session.get(model, row_id, populate_existing=True)
        if row is None:
            return
        bucket = bucket_of(session, row)
        self._touched.add(bucket)
        session.merge(
            SyncedRowState(
                table_name=table,
                row_id=row_id,
                bucket=bucket,
                digest=row_digest(table, row_to_wire(row)),  # the content just read back
            )
        )

    @staticmethod
    def _has_pending(session: StoreSession, table: str, row_id: str) -> bool:
        return (
            session.execute(
                select(OutboxEntry.seq)
                .where(
                    OutboxEntry.table_name == table,  # type: ignore[arg-type]
                    OutboxEntry.row_id == row_id,
                )
                .limit(1)  # type: ignore[arg-type]
            ).first()
            is not None
        )

    @staticmethod
    def _pending_rows(session: StoreSession, changes: list[p.Change]) -> set[tuple[str, str]]:
        if not changes:
            return set()
        ids = list({c.row_id for c in changes})
        found: set[tuple[str, str]] = set()
        for start in range(0, len(ids), 900):
            found.update(
                session.execute(
                    select(OutboxEntry.table_name, OutboxEntry.row_id).where(
                        OutboxEntry.row_id.in_(ids[start : start + 900])
                    )  # type: ignore[attr-defined]
                ).all()
            )
        return found

    def reset_replica(self) -> None:
        """Forget everything pulled (never unsynced work) and start again from zero."""
        with self.store.action(track=False, foreign_keys=False) as session:
            session.info["replica"] = True
            held = [b for (b,) in session.execute(select(SyncedRowState.bucket).distinct())]
            self._drop_buckets(session, held)
            for key, value in ((CURSOR, "0"), (SCOPE_DIGEST, ""), (BUCKETS, "[]"), (BACKFILL, "")):
                session.merge(_setting(key, value))

    # --- verification ------------------------------------------------------------------

    def local_checksums(self, buckets: list[str]) -> dict[str, tuple[int, int]]:
        """Count and digest sum per bucket, from the rows actually in the store (a row
        lost or changed behind the app's back shows)."""
        sums = {bucket: [0, 0] for bucket in buckets}
        with self.store.reader() as session:
            members: dict[str, list[tuple[str, str]]] = {}
            for start in range(0, len(buckets), 900):
                for table, row_id, bucket in session.execute(
                    select(
                        SyncedRowState.table_name, SyncedRowState.row_id, SyncedRowState.bucket
                    ).where(SyncedRowState.bucket.in_(buckets[start : start + 900]))  # type: ignore[attr-defined]
                ).all():
                    members.setdefault(table, []).append((row_id, bucket))
            for table, rows in members.items():
                model = TABLES_BY_NAME.get(table)
                if model is None:
                    continue
                # The digest of each row's content as stored now (not as pulled).
                stored = wire_rows(session, table, [row_id for row_id, _ in rows])
                for row_id, bucket in rows:
                    if row_id in stored:
                        total = sums[bucket]
                        total[0] += 1
                        total[1] += row_digest(table, stored[row_id])
        return {bucket: (count, total) for bucket, (count, total) in sums.items()}

    def recorded_checksums(self, buckets: list[str]) -> dict[str, tuple[int, int]]:
        """Count and digest sum per bucket from the recorded digests of rows present in
        the store (``local_synced_row`` joined to each table)."""
        sums = {bucket: [0, 0] for bucket in buckets}
        if not buckets:
            return {}
        with self.store.reader() as session:
            connection = session.connection()
            marks = ", ".join("?" for _ in buckets)
            tables = [
                table
                for (table,) in connection.exec_driver_sql(
                    f"SELECT DISTINCT table_name FROM local_synced_row WHERE bucket IN ({marks})",
                    tuple(buckets),
                ).all()
                if table in TABLES_BY_NAME
            ]
            for table in tables:
                for bucket, count, total in connection.exec_driver_sql(
                    "SELECT s.bucket, COUNT(*), COALESCE(SUM(s.digest), 0) "
                    f'FROM local_synced_row AS s JOIN "{table}" AS t ON t.id = s.row_id '
                    f"WHERE s.table_name = ? AND s.bucket IN ({marks}) GROUP BY s.bucket",
                    (table, *buckets),
                ).all():
                    sums[bucket][0] += count
                    sums[bucket][1] += total
        return {bucket: (count, total) for bucket, (count, total) in sums.items()}

    def buckets_to_verify(self, full: bool) -> list[str]:
        if full:
            _, _, held, _ = self._state()
            if held != [ALL]:
                return held
            with self.store.reader() as session:
                return [b for (b,) in session.execute(select(SyncedRowState.bucket).distinct())]
        return sorted(self._touched)

    def verify(self, report: SyncReport, rounds: int = 3, full: bool | None = None) -> None:
        """Prove the device holds what HQ holds, bucket by bucket; refetch any bucket
        that differs. Checks the buckets this sync touched, and every bucket once a day
        (or when ``full``), so a sync's cost follows its changes."""
        if full is None:
            last = self.store.get_setting(LAST_FULL_VERIFY)
            full = not last or utcnow() - datetime.fromisoformat(last) > FULL_VERIFY_EVERY
        for _ in range(rounds):
            if self.pending():
                report.verification_deferred = True  # new local work: next sync checks
                return
            cursor, _digest, _held, backfill = self._state()
            if backfill is not None:
                self.pull(report)
                continue
            buckets = self.buckets_to_verify(full)
            self.progress("verify", 0, len(buckets))
            body = self.hq.post(
                f"{p.API}/sync/checksums", p.ChecksumRequest(buckets=buckets).model_dump()
            )
            answer = p.ChecksumResponse.model_validate(body)
            # A bucket changed at HQ after our pull is compared at the next sync; HQ may
            # be busy, the others are still provable now.
            stable = {b: c for b, c in answer.checksums.items() if c.last_seq <= cursor}
            # A bucket that came in HQ's snapshot this sync is checked by the digests the
            # file carried: HQ proved, building it, that the stored form gives back each
            # row's content (sync/hq/snapshots.py). Its rows are hashed again in the next
            # full verification, a day on, in the background.
            by_digest = [b for b in stable if b in self._from_snapshot]
            local = self.local_checksums([b for b in stable if b not in self._from_snapshot])
            local.update(self.recorded_checksums(by_digest))
            bad = [
                bucket
                for bucket, remote in stable.items()
                if local.get(bucket) != (remote.rows, remote.total)
            ]
            report.verified_buckets = len(stable)
            if not bad:
                self.progress("verify", len(buckets), len(buckets))
                if full and len(stable) == len(answer.checksums):
                    self.store.set_setting(LAST_FULL_VERIFY, utcnow().isoformat())
                return
            log.warning("Checksum mismatch in %d buckets: refetching %s", len(bad), bad[:5])
            report.repaired_buckets.extend(bad)
            self._from_snapshot.difference_update(bad)  # refetched: hashed next round
            self._refetch(bad, cursor)
            self.pull(report)
        raise SyncFailed("verify_failed", "The device and HQ still differ after repair.")

    def _refetch(self, buckets: list[str], cursor: int) -> None:
        with self.store.action(track=False, foreign_keys=False) as session:
            session.info["replica"] = True
            self._drop_buckets(session, buckets)
            _, _, held, _ = self._state()
            session.merge(_setting(BUCKETS, json.dumps(sorted(set(held) - set(buckets)))))
            backfill = {"buckets": sorted(buckets), "upto": cursor, "after": 0}
            session.merge(_setting(BACKFILL, json.dumps(backfill)))
        self._touched.update(buckets)

    # --- blobs -----------------------------------------------------------------------------

    def _pending_blob_hashes(self) -> list[str]:
        hashes: list[str] = []
        with self.store.reader() as session:
            for entry in session.execute(
                select(OutboxEntry).where(
                    OutboxEntry.table_name.in_(  # type: ignore[attr-defined]
                        ["attachment", "signoff", "reportdelivery", "review"]
                    ),
                    OutboxEntry.op == "insert",
                )
            ).scalars():
                fields = json.loads(entry.fields)
                sha = (
                    fields.get("sha256")
                    or fields.get("signature_sha256")
                    or fields.get("pdf_sha256")  # a report to e-mail: HQ needs the PDF
                )
                if sha and sha not in hashes:
                    hashes.append(sha)
        return hashes

    def upload_blobs(self, report: SyncReport, hashes_to_send: list[str] | None = None) -> None:
        hashes = []
        wanted = self._pending_blob_hashes() if hashes_to_send is None else hashes_to_send
        for sha in wanted:
            if self.blobs.verify(sha):
                hashes.append(sha)
            elif self.blobs.has(sha):
                log.error("Local blob %s does not match its hash: not sent", sha)
        for index, sha in enumerate(hashes):
            self.progress("upload", index, len(hashes))
            status = p.BlobStatus.model_validate(
                self.hq.get_json(f"{p.API}/sync/blobs/{sha}/status")
            )
            if status.complete:
                continue
            data = self.blobs.get(sha)
            offset = status.received
            if not data:  # an empty file is one empty chunk
                self.hq.put(f"{p.API}/sync/blobs/{sha}", b"", {"offset": 0, "total": 0})
                report.blobs_up += 1
                continue
            while offset < len(data):
                chunk = data[offset : offset + p.CHUNK_SIZE]
                try:
                    answer = self.hq.put(
                        f"{p.API}/sync/blobs/{sha}", chunk, {"offset": offset, "total": len(data)}
                    )
                except SyncFailed as failure:
                    if failure.code == "hash_mismatch":
                        # HQ discarded the damaged upload; the next sync sends it again.
                        log.warning("HQ refused blob %s as damaged; retrying next sync", sha)
                        break
                    if failure.code != "offset_mismatch":
                        raise
                    answer = self.hq.get_json(f"{p.API}/sync/blobs/{sha}/status")
                offset = int(answer["received"])
                fault_point("client_mid_upload")
            else:
                report.blobs_up += 1

    def download_blobs(self, report: SyncReport) -> None:
        with self.store.reader() as session:
            wanted = {sha for (sha,) in session.execute(select(Attachment.sha256))}
            wanted |= {sha for (sha,) in session.execute(select(SignOff.signature_sha256))}
            wanted |= {  # the supervisor's signature on an approval (the company copy)
                sha for (sha,) in session.execute(select(Review.signature_sha256)) if sha
            }
            wanted |= {  # the letterhead's logo
                sha for (sha,) in session.execute(select(CompanyProfile.logo_sha256)) if sha
            }
        missing = sorted(sha for sha in wanted if not self.blobs.has(sha))
        for index, sha in enumerate(missing):
            self.progress("download", index, len(missing))
            try:
                data = self.hq.get(f"{p.API}/sync/blobs/{sha}").content
            except SyncFailed as failure:
                if failure.code == "blob_unknown":
                    continue  # not uploaded yet by the device that took it
                raise
            if self.blobs.put(data) == sha:
                report.blobs_down += 1


def _setting(key: str, value: str) -> LocalSetting:
    return LocalSetting(key=key, value=value)


def sync_status(store: Store) -> dict[str, Any]:
    """What the status command and the status bar show about the sync, in one read."""
    keys = [SERVER, LOGIN, DEVICE_ID, LAST_SYNC, LAST_ERROR, CURSOR, CURRENT_APP_VERSION]
    with store.reader() as session:
        rejected = session.execute(
            select(func.count())
            .select_from(RejectedChange)
            .where(RejectedChange.dismissed_at.is_(None))  # type: ignore[union-attr]
        ).scalar_one()
        conflicts = session.execute(
            select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))  # type: ignore[union-attr]
        ).scalar_one()
        pending = session.execute(select(func.count()).select_from(OutboxEntry)).scalar_one()
        found = dict(
            session.execute(
                select(LocalSetting.key, LocalSetting.value).where(
                    LocalSetting.key.in_(keys)  # type: ignore[attr-defined]
                )
            ).all()
        )
    settings = {key: found.get(key, "") for key in keys}
    last_error = settings[LAST_ERROR]
    return {
        "enrolled": bool(settings[SERVER]),
        "server": settings[SERVER] or None,
        "user": settings[LOGIN] or None,
        "device_id": settings[DEVICE_ID] or None,
        "last_sync": settings[LAST_SYNC] or None,
        "last_error": json.loads(last_error) if last_error else None,
        "cursor": int(settings[CURSOR] or "0"),
        "rejected_changes": rejected,
        "conflicts": conflicts,
        "pending": pending,
        "current_app_version": settings[CURRENT_APP_VERSION] or None,
        "update_available": is_newer(settings[CURRENT_APP_VERSION], installed_version()),
    }


def installed_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("fieldapp")
    except metadata.PackageNotFoundError:
        return ""


def _version_key(version: str) -> tuple[int, ...]:
    """0.10.2 -> (0, 10, 2); a pre-release's letters end its number (0.2.0rc1 -> 0.2.0)."""
    key = []
    for piece in version.strip().split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        key.append(int(digits or 0))
    return tuple(key)


def is_newer(current: str, installed: str) -> bool:
    """Whether HQ's current version is newer than the one installed here."""
    if not current or not installed:
        return False
    return _version_key(current) > _version_key(installed)
