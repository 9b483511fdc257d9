"""The supervisor's review: the queue of signed reports, each verified against its hash,
its blobs and the live rows; approve, return for rework, the history of a report, the
differences between revisions, bulk approval of the clean ones.

The queue is fast on a supervisor's store of 50,000 reports because what the signed
content says never changes: its flags, warranty share and amount are computed once per
sign-off into a local index (``local_review_facts``, this device only, never synced, a
cache rebuilt from the sign-offs at will) by :func:`refresh_index`, which only looks at
sign-offs it has not seen (or whose row HQ repaired: a new ``version``). What does change
— the job's status, a follow-up job, a sync conflict, the amendments and reviews that
decide which sign-off is in force — is joined live in SQL on indexed columns. A page is
one keyset query ordered by the index's ``(signed_at, signoff_id)``; the counts per
filter value come from one grouped query, folded per filter in Python.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from fieldapp.blobs import BlobStore
from fieldapp.clock import as_utc, utcnow
from fieldapp.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Job,
    LocalSetting,
    Review,
    SignOff,
    User,
)
from fieldapp.models.enums import JobEventKind, JobStatus, ReturnReason, ReviewDecision, Role
from fieldapp.rules import review as rules
from fieldapp.rules.jobflow import FROZEN_STATUSES, MANAGERS
from fieldapp.rules.report_hash import report_hash
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import transition
from fieldapp.services.report import build_report_content
from fieldapp.signoffs import report_in_force

log = logging.getLogger(__name__)

FACTS_TABLE = "local_review_facts"
DEFAULT_PAGE = 50


class QueueStatus(StrEnum):
    """Where a report stands in the review."""

    WAITING = "waiting"  # signed, never reviewed
    RETURNED = "returned"  # sent back to the engineer, the amendment not here yet
    RESUBMITTED = "resubmitted"  # an amendment after a return, to review again
    APPROVED = "approved"


class Deadline(StrEnum):
    MET = "met"  # on site by the on-site deadline
    MISSED = "missed"
    NONE = "none"  # the job had no on-site deadline


CLEAN = "clean"  # the flags filter value of a report with no flag


@dataclass(frozen=True)
class QueueFilter:
    """The queue's filters; None (or empty) means any."""

    engineer_id: str | None = None
    date_from: date | None = None  # signed on or after (the device's calendar day, UTC)
    date_to: date | None = None  # signed on or before
    job_type: str | None = None
    status: QueueStatus | None = None
    deadline: Deadline | None = None
    warranty: rules.WarrantyShare | None = None
    flag: rules.Flag | str | None = None  # a flag, or CLEAN for the reports without one


@dataclass(frozen=True)
class QueueRow:
    signoff_id: str
    job_id: str
    job_number: str
    job_type: str
    customer_name: str
    engineer_id: str | None
    engineer_name: str
    signed_at: datetime
    status: QueueStatus
    deadline: Deadline
    warranty: rules.WarrantyShare
    flags: frozenset[rules.Flag]
    amount_cents: int
    report_hash: str

    @property
    def cursor(self) -> str:
        return f"{self.signed_at.isoformat()}|{self.signoff_id}"


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None  # pass as ``after`` for the next page; None at the end


@dataclass
class QueueCounts:
    """Reports per value of each filter, each counted with the other filters applied."""

    total: int = 0
    engineer: dict[str, int] = field(default_factory=dict)
    job_type: dict[str, int] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    deadline: dict[str, int] = field(default_factory=dict)
    warranty: dict[str, int] = field(default_factory=dict)
    flag: dict[str, int] = field(default_factory=dict)


# --- the index --------------------------------------------------------------------------

_FACTS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {FACTS_TABLE} ("
    " signoff_id VARCHAR(36) PRIMARY KEY,"
    " job_id VARCHAR(36) NOT NULL,"
    " version INTEGER NOT NULL,"
    " digest INTEGER NOT NULL,"
    " signed_at DATETIME NOT NULL,"
    " engineer_id VARCHAR(36) NOT NULL,"
    " amends_id VARCHAR(36),"
    " amended INTEGER NOT NULL,"  # a live amendment of it exists
    " report_hash VARCHAR(64) NOT NULL,"
    " flags INTEGER NOT NULL,"
    " warranty VARCHAR(8) NOT NULL,"
    " amount_cents INTEGER NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS ix_{FACTS_TABLE}_order ON {FACTS_TABLE} (signed_at, signoff_id)",
    f"CREATE INDEX IF NOT EXISTS ix_{FACTS_TABLE}_job ON {FACTS_TABLE} (job_id)",
    f"CREATE INDEX IF NOT EXISTS ix_{FACTS_TABLE}_engineer"
    f" ON {FACTS_TABLE} (engineer_id, signed_at, signoff_id)",
)
#: The highest ``signoff`` rowid indexed: sign-offs are only ever added (a new row gets
#: a higher rowid), so the new ones are found without reading the others.
WATERMARK = "review.index_rowid"


def _ensure_index(session: Session) -> None:
    for statement in _FACTS_DDL:
        session.execute(text(statement))


def checklist_ranges(session: Session) -> dict[tuple[str, int | None, int], tuple[Any, Any]]:
    """Every number item's limits, by (template code, revision, position)."""
    rows = session.exec(
        select(
            ChecklistTemplate.code,
            ChecklistTemplate.revision,
            ChecklistTemplateItem.position,
            ChecklistTemplateItem.min_value,
            ChecklistTemplateItem.max_value,
        ).join(ChecklistTemplate, col(ChecklistTemplate.id) == ChecklistTemplateItem.template_id)
    ).all()
    return {
        (code, rev, pos): (low, high)
        for code, rev, pos, low, high in rows
        if low is not None or high is not None
    }


def _parse(content: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


_SIGNOFF_COLUMNS = (
    "SELECT s.rowid, s.id, s.job_id, s.version, COALESCE(d.digest, 0), s.signed_at,"
    " COALESCE(s.engineer_id, (SELECT assignee_id FROM job WHERE id = s.job_id), ''),"
    " s.amends_id, s.report_hash,"
    " EXISTS (SELECT 1 FROM signoff t WHERE t.amends_id = s.id AND t.deleted_at IS NULL),"
    " s.content"
    " FROM signoff s LEFT JOIN local_synced_row d"
    " ON d.table_name = 'signoff' AND d.row_id = s.id"
)


def refresh_index(session: Session, *, full: bool = False, batch: int = 2000) -> int:
    """Index the sign-offs added since the last call (found by rowid: O(new ones)); with
    ``full``, also those whose row the sync repaired since (another version or content
    digest: a full pass, run once per session of the app). Returns how many were
    indexed. Run it in a write transaction (``store.action(track=False)``); the index is
    this device's alone."""
    _ensure_index(session)
    ranges: dict[tuple[str, int | None, int], tuple[Any, Any]] | None = None
    setting = session.get(LocalSetting, WATERMARK)
    watermark = int(setting.value) if setting and setting.value.isdigit() else 0
    done = 0
    queries = [
        (
            _SIGNOFF_COLUMNS + " WHERE s.rowid > :after ORDER BY s.rowid LIMIT :batch",
            True,
        )
    ]
    if full:
        queries.append(
            (
                _SIGNOFF_COLUMNS + f" JOIN {FACTS_TABLE} f ON f.signoff_id = s.id"
                " WHERE (f.version != s.version OR f.digest != COALESCE(d.digest, 0))"
                " LIMIT :batch",
                False,
            )
        )
    for query, by_rowid in queries:
        while True:
            rows = session.execute(text(query), {"after": watermark, "batch": batch}).all()
            if not rows:
                break
            if ranges is None:
                ranges = checklist_ranges(session)
            values = []
            amended: list[dict[str, Any]] = []
            for row in rows:
                rowid, signoff_id, job_id, version, digest, signed_at = row[:6]
                engineer_id, amends_id, signed_hash, is_amended, content_text = row[6:]
                content = _parse(content_text)
                if amends_id:
                    amended.append({"id": amends_id})
                values.append(
                    {
                        "id": signoff_id,
                        "job": job_id,
                        "version": version,
                        "digest": digest,
                        "signed_at": signed_at,
                        "engineer": engineer_id,
                        "amends": amends_id,
                        "hash": signed_hash,
                        "amended": int(bool(is_amended)),
                        "flags": rules.flag_bits(rules.content_flags(content, ranges)),
                        "warranty": rules.warranty_share(content).value,
                        "amount": int(content.get("amount_cents") or 0),
                    }
                )
                if by_rowid:
                    watermark = max(watermark, int(rowid))
            session.execute(
                text(
                    f"INSERT OR REPLACE INTO {FACTS_TABLE} (signoff_id, job_id, version,"
                    " digest, signed_at, engineer_id, amends_id, report_hash, amended, flags,"
                    " warranty, amount_cents) VALUES (:id, :job, :version, :digest,"
                    " :signed_at, :engineer, :amends, :hash, :amended, :flags, :warranty,"
                    " :amount)"
                ),
                values,
            )
            if amended:  # the revisions these amend are no longer the last of their chain
                session.execute(
                    text(f"UPDATE {FACTS_TABLE} SET amended = 1 WHERE signoff_id = :id"), amended
                )
            done += len(values)
    # An upsert: two refreshes (the page's and the counts') may run at once.
    session.execute(
        text(
            "INSERT INTO local_setting (key, value) VALUES (:key, :value)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"key": WATERMARK, "value": str(watermark)},
    )
    return done


# --- the queue --------------------------------------------------------------------------

# A sign-off a manager returned (the rule of fieldapp.signoffs, in SQL).
_RETURNED = (
    "EXISTS (SELECT 1 FROM review r JOIN user u ON u.id = r.reviewer_id"
    " WHERE r.signoff_id = {s} AND r.decision = 'returned' AND r.deleted_at IS NULL"
    " AND u.role IN ('supervisor', 'admin'))"
)
# In force: live, a first signature or the amendment of a returned one, and not itself
# returned and amended since (HQ refuses sign-offs outside the chain).
_IN_FORCE = (
    "(f.amends_id IS NULL OR " + _RETURNED.format(s="f.amends_id") + ")"
    " AND NOT (f.amended = 1 AND " + _RETURNED.format(s="f.signoff_id") + ")"
)
_CONFLICT_JOBS = (
    "SELECT row_id FROM syncconflict WHERE table_name = 'job'"
    " AND resolved_at IS NULL AND deleted_at IS NULL"
    + "".join(
        f" UNION SELECT x.job_id FROM syncconflict c JOIN {table} x ON x.id = c.row_id"
        f" WHERE c.table_name = '{table}' AND c.resolved_at IS NULL AND c.deleted_at IS NULL"
        for table in ("fault", "partusage", "timeentry", "checklistrun", "attachment", "jobevent")
    )
)
_FOLLOW_UP = (
    "EXISTS (SELECT 1 FROM job c WHERE c.parent_job_id = j.id AND c.deleted_at IS NULL"
    " AND c.status != 'cancelled')"
)
_BITS = rules.FLAG_BITS
_FLAGS_SQL = (
    f"((f.flags & ~(CASE WHEN (f.flags & {_BITS[rules.Flag.FAULT_NOT_FIXED]}) != 0"
    f" AND {_FOLLOW_UP} THEN {_BITS[rules.Flag.FAULT_NOT_FIXED]} ELSE 0 END))"
    f" | (CASE WHEN j.needs_attention OR j.id IN ({_CONFLICT_JOBS})"
    f" THEN {_BITS[rules.Flag.SYNC_CONFLICT]} ELSE 0 END))"
)
_STATUS_SQL = (
    "(CASE WHEN j.status IN ('approved', 'closed') THEN 'approved'"
    " WHEN j.status = 'returned' THEN 'returned'"
    " WHEN f.amends_id IS NOT NULL THEN 'resubmitted' ELSE 'waiting' END)"
)
_DEADLINE_SQL = (
    "(CASE WHEN j.on_site_due_at IS NULL THEN 'none'"
    " WHEN j.arrived_at IS NOT NULL AND j.arrived_at <= j.on_site_due_at THEN 'met'"
    " ELSE 'missed' END)"
)
_ENGINEER_SQL = "f.engineer_id"
# CROSS JOIN fixes SQLite's join order: the index walks the reports newest first and
# each one's job is looked up by key, so a page reads about as many rows as it shows,
# whatever the store holds ("+" keeps the status index out of it). The sign-offs' wide
# rows (their content) are not read at all: what the queue needs of them is in the index.
_FROM = (
    f" FROM {FACTS_TABLE} f CROSS JOIN job j ON j.id = f.job_id"
    " WHERE +j.status IN ('signed', 'returned', 'approved', 'closed')"
    " AND j.deleted_at IS NULL AND " + _IN_FORCE
)


def _scope(reviewer: User, params: dict[str, Any]) -> str:
    """The reviewer's team: the store also holds other teams' finished jobs of the same
    customers (service history), which are not theirs to review."""
    if reviewer.team_id is None or Role(reviewer.role) == Role.ADMIN:
        return ""
    params["team"] = reviewer.team_id
    return (
        " AND (j.team_id = :team OR j.assignee_id IN (SELECT id FROM user WHERE team_id = :team))"
    )


def _db_time(moment: datetime) -> str:
    """A time as the store writes it (naive UTC, microseconds always): raw SQL compares
    the text, and Python's default binding drops ".000000"."""
    return as_utc(moment).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _day_start(day: date) -> str:
    return _db_time(datetime.combine(day, time.min, tzinfo=UTC))


def _where(filters: QueueFilter, params: dict[str, Any], skip: str = "") -> str:
    """The SQL conditions of ``filters`` (all but the one named ``skip``)."""
    parts: list[str] = []
    if filters.date_from is not None:
        params["date_from"] = _day_start(filters.date_from)
        parts.append("f.signed_at >= :date_from")
    if filters.date_to is not None:
        params["date_to"] = _day_start(filters.date_to + timedelta(days=1))
        parts.append("f.signed_at < :date_to")
    if filters.engineer_id and skip != "engineer":
        params["engineer"] = filters.engineer_id
        parts.append(f"{_ENGINEER_SQL} = :engineer")
    if filters.job_type and skip != "job_type":
        params["job_type"] = filters.job_type
        parts.append("j.job_type = :job_type")
    if filters.status and skip != "status":
        params["status"] = str(filters.status)
        parts.append(f"{_STATUS_SQL} = :status")
    if filters.deadline and skip != "deadline":
        params["deadline"] = str(filters.deadline)
        parts.append(f"{_DEADLINE_SQL} = :deadline")
    if filters.warranty and skip != "warranty":
        params["warranty"] = str(filters.warranty)
        parts.append("f.warranty = :warranty")
    if filters.flag and skip != "flag":
        if filters.flag == CLEAN:
            parts.append(f"{_FLAGS_SQL} = 0")
        else:
            parts.append(f"({_FLAGS_SQL} & {_BITS[rules.Flag(filters.flag)]}) != 0")
    return "".join(f" AND {part}" for part in parts)


def _cursor(after: str | None) -> tuple[datetime, str] | None:
    if not after:
        return None
    moment, _, signoff_id = after.partition("|")
    return as_utc(datetime.fromisoformat(moment)), signoff_id


def review_queue(
    session: Session,
    reviewer: User,
    filters: QueueFilter = QueueFilter(),
    *,
    after: str | None = None,
    limit: int = DEFAULT_PAGE,
) -> QueuePage:
    """The signed reports in force of the reviewer's team, newest signed first, one page
    after the cursor ``after``. Call :func:`refresh_index` first (after a sync)."""
    _ensure_index(session)
    params: dict[str, Any] = {"limit": limit + 1}
    where = _scope(reviewer, params) + _where(filters, params)
    position = _cursor(after)
    if position is not None:
        params["at"] = _db_time(position[0])
        params["after_id"] = position[1]
        where += " AND (f.signed_at < :at OR (f.signed_at = :at AND f.signoff_id < :after_id))"
    rows = session.execute(
        text(
            "SELECT f.signoff_id, j.id, j.number, j.job_type, COALESCE(cu.name, ''),"
            f" {_ENGINEER_SQL}, COALESCE(e.display_name, ''), f.signed_at, {_STATUS_SQL},"
            f" {_DEADLINE_SQL}, f.warranty, {_FLAGS_SQL}, f.amount_cents, f.report_hash"
            + _FROM.replace(
                " WHERE",
                " LEFT JOIN customer cu ON cu.id = j.customer_id"
                f" LEFT JOIN user e ON e.id = {_ENGINEER_SQL} WHERE",
                1,
            )
            + where
            + " ORDER BY f.signed_at DESC, f.signoff_id DESC LIMIT :limit"
        ),
        params,
    ).all()
    result = [
        QueueRow(
            signoff_id=row[0],
            job_id=row[1],
            job_number=row[2],
            job_type=row[3],
            customer_name=row[4],
            engineer_id=row[5] or None,
            engineer_name=row[6],
            signed_at=_as_datetime(row[7]),
            status=QueueStatus(row[8]),
            deadline=Deadline(row[9]),
            warranty=rules.WarrantyShare(row[10]),
            flags=rules.flags_of_bits(int(row[11])),
            amount_cents=int(row[12]),
            report_hash=row[13],
        )
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    return QueuePage(result, result[-1].cursor if more and result else None)


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.fromisoformat(str(value)))


def queue_counts(
    session: Session, reviewer: User, filters: QueueFilter = QueueFilter()
) -> QueueCounts:
    """Reports per value of each filter (with the other filters applied): one grouped
    query over the index, folded per filter here."""
    _ensure_index(session)
    params: dict[str, Any] = {}
    base = _scope(reviewer, params) + _where(
        replace(
            filters,
            engineer_id=None,
            job_type=None,
            status=None,
            deadline=None,
            warranty=None,
            flag=None,
        ),
        params,
    )
    # Computed once per report in a materialised CTE, then grouped (SQLite would
    # otherwise evaluate the expressions again for the grouping).
    groups = session.execute(
        text(
            f"WITH x AS MATERIALIZED (SELECT {_ENGINEER_SQL} AS engineer, j.job_type AS type,"
            f" {_STATUS_SQL} AS status, {_DEADLINE_SQL} AS deadline, f.warranty AS warranty,"
            f" {_FLAGS_SQL} AS flags"
            + _FROM
            + base
            + ") SELECT engineer, type, status, deadline, warranty, flags, COUNT(*) FROM x"
            " GROUP BY 1, 2, 3, 4, 5, 6"
        ),
        params,
    ).all()
    counts = QueueCounts()

    def passes(group: Sequence[Any], skip: str) -> bool:
        engineer, job_type, status, deadline, warranty, bits, _n = group
        checks = {
            "engineer": not filters.engineer_id or engineer == filters.engineer_id,
            "job_type": not filters.job_type or job_type == filters.job_type,
            "status": not filters.status or status == str(filters.status),
            "deadline": not filters.deadline or deadline == str(filters.deadline),
            "warranty": not filters.warranty or warranty == str(filters.warranty),
            "flag": _flag_matches(int(bits), filters.flag),
        }
        return all(ok for name, ok in checks.items() if name != skip)

    for group in groups:
        engineer, job_type, status, deadline, warranty, bits, number = group
        if passes(group, ""):
            counts.total += number
        for name, value, table in (
            ("engineer", engineer, counts.engineer),
            ("job_type", job_type, counts.job_type),
            ("status", status, counts.status),
            ("deadline", deadline, counts.deadline),
            ("warranty", warranty, counts.warranty),
        ):
            if passes(group, name):
                table[value] = table.get(value, 0) + number
        if passes(group, "flag"):
            flags = rules.flags_of_bits(int(bits))
            for flag in flags or {CLEAN}:
                counts.flag[str(flag)] = counts.flag.get(str(flag), 0) + number
    return counts


def _flag_matches(bits: int, wanted: rules.Flag | str | None) -> bool:
    if not wanted:
        return True
    if wanted == CLEAN:
        return bits == 0
    return bool(bits & _BITS[rules.Flag(wanted)])


def queue_engineers(session: Session, reviewer: User) -> list[User]:
    """The engineers of the reviewer's team (the engineer filter's choices)."""
    statement = select(User).where(User.role == Role.ENGINEER, col(User.deleted_at).is_(None))
    if reviewer.team_id is not None:
        statement = statement.where(User.team_id == reviewer.team_id)
    return list(session.exec(statement.order_by(User.display_name)).all())


# --- verification -----------------------------------------------------------------------


class BlobState(StrEnum):
    OK = "ok"
    MISSING = "missing"  # not arrived yet: the next sync brings it
    MISMATCH = "mismatch"  # the file here does not match its hash


@dataclass(frozen=True)
class BlobCheck:
    sha256: str
    role: str  # "signature", "engineer_signature", "photo", "answer_photo"
    state: BlobState


#: The parts of the signed content that the live rows must still agree with.
LIVE_SECTIONS = ("faults", "parts", "time", "checklists", "findings", "photos", "charges")


@dataclass(frozen=True)
class Verification:
    """Whether a signed report is the one the customer signed."""

    signoff_id: str
    hash_ok: bool  # the hash recomputed from the stored content is the signed one
    signature_ok: bool  # the sign-off row names the signature the content names
    blobs: tuple[BlobCheck, ...]
    live_checked: bool  # False while the report is being reworked (returned)
    differences: tuple[rules.Difference, ...]  # live rows against the signed content

    @property
    def missing(self) -> list[BlobCheck]:
        return [b for b in self.blobs if b.state == BlobState.MISSING]

    @property
    def mismatched(self) -> list[BlobCheck]:
        return [b for b in self.blobs if b.state == BlobState.MISMATCH]

    @property
    def failed(self) -> bool:
        """Something does not match: shown loudly, never approved."""
        return (
            not self.hash_ok or not self.signature_ok or bool(self.mismatched or self.differences)
        )

    @property
    def ok(self) -> bool:
        return not self.failed and not self.missing


def _named_blobs(content: dict[str, Any]) -> list[tuple[str, str]]:
    named: list[tuple[str, str]] = []
    sign_off = content.get("sign_off") or {}
    if sign_off.get("signature"):
        named.append((str(sign_off["signature"]), "signature"))
    engineer = content.get("engineer") or {}
    if engineer.get("signature"):
        named.append((str(engineer["signature"]), "engineer_signature"))
    for sha in content.get("photos") or []:
        named.append((str(sha), "photo"))
    for checklist in content.get("checklists") or []:
        for answer in checklist.get("answers") or []:
            if answer.get("photo"):
                named.append((str(answer["photo"]), "answer_photo"))
    seen: set[str] = set()
    return [(sha, role) for sha, role in named if not (sha in seen or seen.add(sha))]


def _blob_state(blobs: BlobStore, sha: str) -> BlobState:
    if not blobs.has(sha):
        return BlobState.MISSING
    return BlobState.OK if blobs.verify(sha) else BlobState.MISMATCH


def rebuilt_content(session: Session, job: Job, signed: dict[str, Any]) -> dict[str, Any]:
    """The report as the live rows would make it today, with the signed sign-off's own
    answers (signer, time...), so only the recorded work can differ."""
    sign_off = signed.get("sign_off") or {}
    engineer_part = signed.get("engineer") or {}
    engineer = session.get(User, engineer_part["id"]) if engineer_part.get("id") else None
    signed_at = _as_datetime(str(sign_off.get("signed_at") or signed.get("left_site_at")))
    return build_report_content(
        session,
        job,
        signer_name=str(sign_off.get("signer") or ""),
        opinion=str(sign_off.get("opinion") or ""),
        satisfaction=sign_off.get("satisfaction"),
        signature_sha256=str(sign_off.get("signature") or ""),
        signed_at=signed_at,
        engineer=engineer,
        amends_hash=sign_off.get("amends"),
        engineer_signature_sha256=engineer_part.get("signature"),
        open_items=signed.get("open_items"),
        letterhead=signed.get("letterhead"),
    )


def live_differences(session: Session, job: Job, signed: dict[str, Any]) -> list[rules.Difference]:
    """Where the live rows (faults, parts, time, checklist answers, photos, the job's
    amount) no longer agree with what was signed."""
    with session.no_autoflush:
        rebuilt = rebuilt_content(session, job, signed)
    before = {key: signed.get(key) for key in LIVE_SECTIONS}
    after = {key: rebuilt.get(key) for key in LIVE_SECTIONS}
    differences = rules.content_differences(before, after)
    if int(signed.get("amount_cents") or 0) != job.amount_cents:
        differences.append(
            rules.Difference("amount_cents", signed.get("amount_cents"), job.amount_cents)
        )
    return differences


def verify_report(session: Session, signoff: SignOff, blobs: BlobStore) -> Verification:
    """Recompute the hash from the stored content, check every blob the content names
    in the device's blob store, and compare the live rows with what was signed (not on
    a returned report: its engineer is reworking it, for a new revision)."""
    content = _parse(signoff.content)
    hash_ok = bool(content) and report_hash(content) == signoff.report_hash.lower()
    signature_ok = (content.get("sign_off") or {}).get("signature") == signoff.signature_sha256
    checks = tuple(
        BlobCheck(sha, role, _blob_state(blobs, sha)) for sha, role in _named_blobs(content)
    )
    job = session.get(Job, signoff.job_id)
    in_force = report_in_force(session, signoff.job_id)
    live = (
        job is not None
        and bool(content)
        and JobStatus(job.status) in FROZEN_STATUSES
        and in_force is not None
        and in_force.id == signoff.id
    )
    differences = tuple(live_differences(session, job, content)) if live and job else ()
    return Verification(signoff.id, hash_ok, signature_ok, checks, live, differences)


# --- decisions --------------------------------------------------------------------------


def _require_manager(reviewer: User) -> None:
    if Role(reviewer.role) not in MANAGERS:
        raise DomainError("forbidden_role", "Only a supervisor reviews reports.")


def _reviewable(session: Session, signoff: SignOff) -> Job:
    job = session.get(Job, signoff.job_id)
    if job is None:
        raise DomainError("job_unknown", "The report's job is not on this device.")
    current = report_in_force(session, job.id)
    if current is None or current.id != signoff.id:
        raise DomainError(
            "not_in_force", "This revision of the report is no longer the one in force."
        )
    if job.status != JobStatus.SIGNED:
        raise DomainError("not_waiting", "This report is not waiting for a review.")
    return job


def approve(
    session: Session,
    signoff: SignOff,
    reviewer: User,
    *,
    blobs: BlobStore,
    signature_sha256: str,
    now: datetime | None = None,
    device_id: str | None = None,
) -> Review:
    """The supervisor approves this revision: a review naming its hash (an approval of
    one hash never covers another), and the job moves to approved. Refused when the
    report fails its verification or its photos and signatures have not arrived."""
    now = now or utcnow()
    _require_manager(reviewer)
    job = _reviewable(session, signoff)
    if len(signature_sha256) != 64 or not blobs.verify(signature_sha256):
        raise DomainError("signature_required", "The supervisor's signature is required.")
    verification = verify_report(session, signoff, blobs)
    if verification.failed:
        raise DomainError("verification_failed", "The report does not match what was signed.")
    if verification.missing:
        raise DomainError("blobs_missing", "Photos or signatures have not arrived yet: sync.")
    review = Review(
        job_id=job.id,
        signoff_id=signoff.id,
        reviewer_id=reviewer.id,
        decision=ReviewDecision.APPROVED,
        report_hash=signoff.report_hash,
        signature_sha256=signature_sha256,
        reviewed_at=now,
    )
    session.add(review)
    transition(session, job, JobEventKind.APPROVED, reviewer, now=now, device_id=device_id)
    return review


def return_for_rework(
    session: Session,
    signoff: SignOff,
    reviewer: User,
    *,
    reason: ReturnReason | str,
    comment: str,
    now: datetime | None = None,
    device_id: str | None = None,
) -> Review:
    """Send the report back to its engineer with why (a reason from the list and a
    comment); the engineer's correction is signed as a new revision amending this one."""
    now = now or utcnow()
    _require_manager(reviewer)
    try:
        reason = ReturnReason(reason)
    except ValueError as error:
        raise DomainError("reason_required", "Pick why the report goes back.") from error
    if not comment.strip():
        raise DomainError("comment_required", "Say what the engineer must correct.")
    job = _reviewable(session, signoff)
    review = Review(
        job_id=job.id,
        signoff_id=signoff.id,
        reviewer_id=reviewer.id,
        decision=ReviewDecision.RETURNED,
        reason=reason,
        comment=comment.strip(),
        report_hash=signoff.report_hash,
        reviewed_at=now,
    )
    session.add(review)
    transition(
        session,
        job,
        JobEventKind.RETURNED,
        reviewer,
        reason=comment.strip(),
        now=now,
        device_id=device_id,
    )
    return review


# --- history and revisions --------------------------------------------------------------


class HistoryKind(StrEnum):
    SIGNED = "signed"
    RESUBMITTED = "resubmitted"
    RETURNED = "returned"
    APPROVED = "approved"


@dataclass(frozen=True)
class HistoryEntry:
    kind: HistoryKind
    at: datetime
    who: str  # the display name of the engineer or the reviewer
    report_hash: str
    signoff_id: str | None
    reason: str = ""  # ReturnReason of a return
    comment: str = ""
    signature_sha256: str | None = None  # the reviewer's, on an approval


def _names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {u.id: u.display_name for u in users}


def report_history(session: Session, job_id: str) -> list[HistoryEntry]:
    """Signed, returned with why, resubmitted, approved: from the sign-offs and the
    append-only reviews, oldest first."""
    sign_offs = session.exec(
        select(SignOff).where(SignOff.job_id == job_id, col(SignOff.deleted_at).is_(None))
    ).all()
    reviews = session.exec(
        select(Review).where(Review.job_id == job_id, col(Review.deleted_at).is_(None))
    ).all()
    names = _names(session, [s.engineer_id for s in sign_offs] + [r.reviewer_id for r in reviews])
    entries = [
        HistoryEntry(
            HistoryKind.RESUBMITTED if s.amends_id else HistoryKind.SIGNED,
            as_utc(s.signed_at),
            names.get(s.engineer_id or "", ""),
            s.report_hash,
            s.id,
        )
        for s in sign_offs
    ]
    entries += [
        HistoryEntry(
            HistoryKind(r.decision),
            as_utc(r.reviewed_at),
            names.get(r.reviewer_id, ""),
            r.report_hash,
            r.signoff_id,
            r.reason,
            r.comment,
            r.signature_sha256,
        )
        for r in reviews
        if r.decision in {d.value for d in ReviewDecision}
    ]
    return sorted(entries, key=lambda e: e.at)


def latest_return(session: Session, job_id: str) -> Review | None:
    """The supervisor's latest return of the job's report (its reason and comment)."""
    return session.exec(
        select(Review)
        .where(
            Review.job_id == job_id,
            Review.decision == ReviewDecision.RETURNED,
            col(Review.deleted_at).is_(None),
        )
        .order_by(col(Review.reviewed_at).desc())
    ).first()


def approval_of(session: Session, signoff: SignOff) -> Review | None:
    """The approval that names this sign-off's hash, if any."""
    return session.exec(
        select(Review).where(
            Review.signoff_id == signoff.id,
            Review.report_hash == signoff.report_hash,
            Review.decision == ReviewDecision.APPROVED,
            col(Review.deleted_at).is_(None),
        )
    ).first()


#: What every amendment changes by being signed again: not worth a reviewer's look.
SIGNING_PATHS = frozenset({"left_site_at", "sign_off.signed_at", "sign_off.amends"})


def revision_differences(session: Session, signoff: SignOff) -> list[rules.Difference]:
    """What this revision changed from the one it amends ([] for a first signature),
    without the new signing time and the reference to the amended report."""
    if signoff.amends_id is None:
        return []
    previous = session.get(SignOff, signoff.amends_id)
    if previous is None:
        return []
    differences = rules.content_differences(_parse(previous.content), _parse(signoff.content))
    return [d for d in differences if d.path not in SIGNING_PATHS]


# --- bulk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanSelection:
    signoff_ids: list[str]
    count: int
    total_cents: int


def clean_reports(
    session: Session, reviewer: User, filters: QueueFilter = QueueFilter()
) -> CleanSelection:
    """The reports waiting for a review (first or resubmitted) with no flag, within
    ``filters``: their ids, exact count and total amount."""
    _ensure_index(session)
    params: dict[str, Any] = {}
    where = _scope(reviewer, params) + _where(replace(filters, status=None, flag=None), params)
    if filters.status in (QueueStatus.WAITING, QueueStatus.RESUBMITTED):
        params["status"] = str(filters.status)
        where += f" AND {_STATUS_SQL} = :status"
    rows = session.execute(
        text(
            "SELECT f.signoff_id, f.amount_cents"
            + _FROM
            + where
            + f" AND j.status = 'signed' AND {_FLAGS_SQL} = 0"
            " ORDER BY f.signed_at DESC, f.signoff_id DESC"
        ),
        params,
    ).all()
    return CleanSelection([r[0] for r in rows], len(rows), sum(int(r[1]) for r in rows))


def bulk_approve(
    session: Session,
    signoff_ids: Sequence[str],
    reviewer: User,
    *,
    blobs: BlobStore,
    signature_sha256: str,
    now: datetime | None = None,
    device_id: str | None = None,
) -> list[Review]:
    """Approve every report of the selection in the caller's one transaction, or none:
    a report that fails (changed, blobs missing, no longer in force) refuses the lot,
    so the count the supervisor confirmed is the count approved."""
    now = now or utcnow()
    reviews: list[Review] = []
    for signoff_id in signoff_ids:
        signoff = session.get(SignOff, signoff_id)
        if signoff is None:
            raise DomainError("not_in_force", "A report of the selection is not here any more.")
        try:
            reviews.append(
                approve(
                    session,
                    signoff,
                    reviewer,
                    blobs=blobs,
                    signature_sha256=signature_sha256,
                    now=now,
                    device_id=device_id,
                )
            )
        except DomainError as error:
            job = session.get(Job, signoff.job_id)
            number = job.number if job else signoff.job_id
            raise DomainError(error.code, f"{number}: {error}") from error
    return reviews


# --- the supervisor's signature ---------------------------------------------------------

SIGNATURE_SETTING = "review.signature_sha256"


def reusable_signature(sha256: str, blobs: BlobStore) -> str | None:
    """The supervisor's kept signature, if its picture is still here and whole."""
    return sha256 if sha256 and blobs.verify(sha256) else None


__all__ = [
    "CLEAN",
    "LIVE_SECTIONS",
    "SIGNATURE_SETTING",
    "BlobCheck",
    "BlobState",
    "CleanSelection",
    "Deadline",
    "HistoryEntry",
    "HistoryKind",
    "QueueCounts",
    "QueueFilter",
    "QueuePage",
    "QueueRow",
    "QueueStatus",
    "Verification",
    "approval_of",
    "approve",
    "bulk_approve",
    "clean_reports",
    "latest_return",
    "live_differences",
    "queue_counts",
    "queue_engineers",
    "rebuilt_content",
    "refresh_index",
    "report_history",
    "return_for_rework",
    "reusable_signature",
    "review_queue",
    "revision_differences",
    "verify_report",
]
