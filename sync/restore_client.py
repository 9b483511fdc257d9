"""The device's side of "HQ went back in time" (docs/sync-protocol.md §12).

At the start of every sync the device reads HQ's identity and restore generation (on
every answer; it asks ``/api/v1/health``, which also gives HQ's sequence). Then:

- an HQ id it does not know: a different HQ (a new database, a wrong address). The sync
  stops with ``other_hq``; nothing is sent, nothing local changes.
- a higher generation, or a cursor past HQ's sequence (a restore nobody announced): HQ
  lost what was pushed after its backup, though the device deleted those outbox entries
  when HQ acknowledged them. The device compares every held bucket's checksum with HQ's,
  uploads the blobs and the rows of each bucket that differs (HQ applies a row only where
  it lacks it or holds an older version, under its own rules: sync/hq/restore.py), then
  forgets its replica and refetches everything. The new generation is stored last, so a
  recovery cut short runs again (its mutations are idempotent).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from fieldapp.models import SyncedRowState
from fieldapp.numbering import NumberBlock, drop_blocks, held_blocks
from sync import protocol as p
from sync.buckets import wire_rows
from sync.restore_wire import (
    GENERATION_HEADER,
    HQ_ID_HEADER,
    MAX_REUPLOAD,
    REUPLOAD_PATH,
    NumberBlockClaim,
    ReuploadRequest,
    ReuploadResponse,
    ReuploadRow,
)

if TYPE_CHECKING:
    from sync.client import SyncClient, SyncReport

log = logging.getLogger(__name__)
HQ_ID = "sync.hq_id"
HQ_GENERATION = "sync.hq_generation"
RECOVERY = "sync.recovery"  # the recovery under way: {"epoch", "generation"}
# Columns naming a blob: the bytes go up before the row that names them.
BLOB_COLUMNS: dict[str, tuple[str, ...]] = {
    "attachment": ("sha256",),
    "signoff": ("signature_sha256",),
    "review": ("signature_sha256",),
    "reportdelivery": ("pdf_sha256",),
    "companyprofile": ("logo_sha256",),
}
# A refusal that a second pass can fix: the row it needs came later in the first one.
RETRY_CODES = frozenset({"not_signed", "integrity", "not_found", "illegal_transition"})


class OtherHQ(Exception):
    pass


def check(client: SyncClient) -> dict[str, Any] | None:
    """Whether HQ went back: None, or the recovery to run ({"epoch", "generation"})."""
    from sync.client import CURSOR, SyncFailed

    response = client.hq.get(f"{p.API}/health")
    hq_id = response.headers.get(HQ_ID_HEADER)
    raw_generation = response.headers.get(GENERATION_HEADER)
    if not hq_id or not raw_generation:
        return None  # an HQ from before restore generations: nothing to compare
    generation = int(raw_generation)
    store = client.store
    known = store.get_settings([HQ_ID, HQ_GENERATION, CURSOR, RECOVERY])
    if known[RECOVERY]:
        return json.loads(known[RECOVERY])  # one under way: finish it
    if not known[HQ_ID]:
        store.set_setting(HQ_ID, hq_id)
        store.set_setting(HQ_GENERATION, str(generation))
        known_generation = generation
    elif known[HQ_ID] != hq_id:
        raise SyncFailed(
            "other_hq",
            "This is not the HQ this device was enrolled with. Nothing was sent. "
            "Ask IT to check the server address.",
        )
    else:
        known_generation = int(known[HQ_GENERATION] or 1)
    cursor = int(known[CURSOR] or 0)
    server_seq = int(response.json().get("server_seq", 0))
    if generation > known_generation or cursor > server_seq:
        log.warning(
            "HQ went back (generation %d → %d, cursor %d, HQ's sequence %d): uploading again",
            known_generation,
            generation,
            cursor,
            server_seq,
        )
        plan = {"epoch": f"{generation}-{cursor}", "generation": generation}
        store.set_setting(RECOVERY, json.dumps(plan))
        return plan
    return None


def differing_buckets(client: SyncClient) -> list[str]:
    """Held buckets whose checksum differs from HQ's, and those HQ does not answer for:
    HQ answers only the buckets in the user's scope, and a job created after the backup
    (a supervisor's new job, an engineer's follow-up) is in no scope of the restored HQ.
    Their rows go up too; HQ's own rules take what it lacks and keep what it holds."""
    with client.store.reader() as session:
        held = [b for (b,) in session.execute(select(SyncedRowState.bucket).distinct())]
    bad: list[str] = []
    for start in range(0, len(held), 10_000):
        chunk = held[start : start + 10_000]
        body = client.hq.post(
            f"{p.API}/sync/checksums", p.ChecksumRequest(buckets=chunk).model_dump()
        )
        remote = p.ChecksumResponse.model_validate(body).checksums
        local = client.local_checksums([b for b in chunk if b in remote])
        bad.extend(
            b for b in chunk if b not in remote or local[b] != (remote[b].rows, remote[b].total)
        )
    return bad


def rows_of(client: SyncClient, buckets: list[str]) -> list[ReuploadRow]:
    from sync.client import TABLE_ORDER

    members: dict[str, list[str]] = {}
    with client.store.reader() as session:
        for start in range(0, len(buckets), 900):
            for table, row_id in session.execute(
                select(SyncedRowState.table_name, SyncedRowState.row_id).where(
                    SyncedRowState.bucket.in_(buckets[start : start + 900])  # type: ignore[attr-defined]
                )
            ).all():
                members.setdefault(table, []).append(row_id)
        rows: list[ReuploadRow] = []
        for table in sorted(members, key=lambda t: TABLE_ORDER.get(t, 999)):
            for row_id, row in wire_rows(session, table, members[table]).items():
                rows.append(
                    ReuploadRow(
                        table=table, row_id=row_id, version=int(row.get("version") or 0), fields=row
                    )
                )
    return rows


def recover(client: SyncClient, report: SyncReport, plan: dict[str, Any]) -> dict[str, int]:
    """Upload what HQ lost, then forget the replica (the sync refetches it)."""
    outcomes: dict[str, int] = {}
    bad = differing_buckets(client)
    rows = rows_of(client, bad)
    hashes = sorted(
        {
            row.fields[column]
            for row in rows
            for column in BLOB_COLUMNS.get(row.table, ())
            if row.fields.get(column)
        }
    )
    client.upload_blobs(report, hashes_to_send=hashes)
    with client.store.reader() as session:
        claims = [
            NumberBlockClaim(year=b.year, first=b.first, last=b.last) for b in held_blocks(session)
        ]
    refused: set[tuple[int, int, int]] = set()
    pending = rows
    for attempt in range(3):
        retry: list[ReuploadRow] = []
        by_key = {(r.table, r.row_id): r for r in pending}
        for start in range(0, len(pending), MAX_REUPLOAD // 2):
            request = ReuploadRequest(
                epoch=plan["epoch"],
                rows=pending[start : start + MAX_REUPLOAD // 2],
                attempt=attempt,
                number_blocks=claims,
            )
            answer = ReuploadResponse.model_validate(
                client.hq.post(REUPLOAD_PATH, request.model_dump(mode="json"))
            )
            refused.update((b.year, b.first, b.last) for b in answer.refused_blocks)
            for result in answer.results:
                if result.outcome == "rejected" and result.code in RETRY_CODES:
                    retry.append(by_key[(result.table, result.row_id)])
                    continue
                outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
                if result.outcome == "rejected":
                    log.info("HQ kept its %s %s: %s", result.table, result.row_id, result.code)
        if not retry:
            break
        pending = retry
    else:
        outcomes["rejected"] = outcomes.get("rejected", 0) + len(pending)
    held = {(c.year, c.first, c.last) for c in claims}
    dropped = [NumberBlock(*key) for key in sorted(refused & held)]
    if dropped:
        # Another device holds those numbers now: new jobs here must not use them.
        with client.store.action(track=False) as session:
            drop_blocks(session, dropped)
        log.warning("HQ gave %d of this device's job-number blocks to others", len(dropped))
    log.warning("Re-upload to HQ done: %s (%d buckets differed)", outcomes, len(bad))
    client.reset_replica()  # then the sync pulls everything from zero
    return outcomes


def finish(client: SyncClient, plan: dict[str, Any]) -> None:
    client.store.set_setting(HQ_GENERATION, str(plan["generation"]))
    client.store.set_setting(RECOVERY, "")
