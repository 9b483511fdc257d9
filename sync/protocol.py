"""The wire schemas of the sync protocol (see docs/sync-protocol.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

# 2: a bucket's checksum covers each row's content (its canonical wire form), not only
# (id, version); a protocol-1 app would see every bucket differ, so HQ refuses it.
# 3: a new synced table (reminderdismissal) and column (companyprofile.
# follow_up_sample_percent); a protocol-2 app would see the catalogue's checksum differ
# forever and could not dismiss a reminder the new way, so HQ refuses it.
PROTOCOL_VERSION = 3
MIN_PROTOCOL_VERSION = 3  # HQ refuses older clients with 426 "update_required"
MAX_PROTOCOL_VERSION = 3
PROTOCOL_HEADER = "X-Fieldapp-Protocol"
API = "/api/v1"
MAX_BATCH = 500
MAX_PAGE = 5000
CHUNK_SIZE = 256 * 1024

# Bounds of what HQ's columns hold: integers are signed 64-bit, text has no NUL byte
# (PostgreSQL cannot store one), and a moment lies in years 1900-9998 in UTC.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
NO_NUL = r"^[^\x00]*$"
FIRST_YEAR = 1900
LAST_YEAR = 9998

Position = Annotated[int, Field(ge=0, le=INT64_MAX)]
Bucket = Annotated[str, Field(min_length=1, max_length=100, pattern=NO_NUL)]


def _in_calendar(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC) if value.tzinfo is not None else value
    except OverflowError:
        utc = None
    if utc is None or not FIRST_YEAR <= utc.year <= LAST_YEAR:
        raise ValueError(f"a moment between the years {FIRST_YEAR} and {LAST_YEAR} (UTC)")
    return value


Moment = Annotated[datetime, AfterValidator(_in_calendar)]


def wire_value_problem(name: str, value: Any) -> str | None:
    """Why a wire value cannot be stored (an integer beyond 64 bits, a NUL byte in
    text), or None; looks into lists and objects."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return f"{name}: the integer is out of range (signed 64-bit)"
    if isinstance(value, str) and "\x00" in value:
        return f"{name}: text may not contain a NUL byte"
    if isinstance(value, list):
        return next(
            (p for i, v in enumerate(value) if (p := wire_value_problem(f"{name}[{i}]", v))),
            None,
        )
    if isinstance(value, dict):
        return next(
            (
                p
                for k, v in value.items()
                if (p := wire_value_problem(str(k), k) or wire_value_problem(f"{name}.{k}", v))
            ),
            None,
        )
    return None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every refusal's body: a stable ``code``, a plain ``message`` and, for some codes,
    a ``detail``."""

    code: str
    message: str
    detail: Any = None


class FieldProblem(BaseModel):
    field: str  # where, e.g. "body.mutations.0.base_version"
    message: str


class ValidationErrorBody(BaseModel):
    """The 422 body: ``code`` "invalid_request" when the request does not match its
    schema (``detail`` lists up to 20 problems), or the code of a refused value."""

    code: str
    message: str
    detail: list[FieldProblem] | None = None


class EnrollRequest(Strict):
    code: str = Field(min_length=4, max_length=64, pattern=NO_NUL)
    device_name: str = Field(default="", max_length=64, pattern=NO_NUL)
    platform: str = Field(default="", max_length=32, pattern=NO_NUL)


class EnrollResponse(BaseModel):
    device_id: str
    token: str
    user_id: str
    login: str
    display_name: str
    role: str


class Mutation(Strict):
    mutation_id: str = Field(min_length=8, max_length=36, pattern=NO_NUL)
    table: str = Field(max_length=40, pattern=NO_NUL)
    row_id: str = Field(min_length=8, max_length=36, pattern=NO_NUL)
    op: Literal["insert", "update", "delete"]
    fields: dict[str, Any]
    base_version: Position

    @field_validator("fields")
    @classmethod
    def _storable(cls, fields: dict[str, Any]) -> dict[str, Any]:
        for name, value in fields.items():
            problem = wire_value_problem(name, name) or wire_value_problem(name, value)
            if problem:
                raise ValueError(problem)
        return fields


class PushRequest(Strict):
    batch_id: str = Field(min_length=8, max_length=36, pattern=NO_NUL)
    mutations: list[Mutation] = Field(max_length=MAX_BATCH)


class MutationResult(BaseModel):
    mutation_id: str
    status: Literal["applied", "rejected"]
    code: str = ""
    reason: str = ""
    version: int | None = None
    conflicts: list[str] = []  # fields where the other side's value was kept
    row: dict[str, Any] | None = None  # HQ's row after the mutation (or as it stands)


class PushResponse(BaseModel):
    batch_id: str
    results: list[MutationResult]


class Backfill(Strict):
    """Fetch the rows of buckets that just entered the device's scope, up to ``upto``
    (the cursor the device had when it began), in pages after ``after``."""

    buckets: list[Bucket] = Field(max_length=100_000)
    upto: Position
    after: Position


class PullRequest(Strict):
    cursor: Position
    scope_digest: str = Field(default="", max_length=128, pattern=NO_NUL)
    backfill: Backfill | None = None
    limit: int = Field(default=1000, ge=1, le=MAX_PAGE)


class Change(BaseModel):
    seq: int
    table: str
    row_id: str
    bucket: str
    version: int
    removed: bool = False
    row: dict[str, Any] | None = None


class JobNumberBlock(BaseModel):
    """Job numbers ``FW-<year>-<first>`` to ``FW-<year>-<last>`` reserved for this device
    (docs/sync-protocol.md §8.6)."""

    year: int
    first: int
    last: int


class PullResponse(BaseModel):
    scope: list[str] | None = None  # set when the device's scope digest is stale
    scope_digest: str
    changes: list[Change] = []
    next_after: int  # backfill: the next ``after``; incremental: the next cursor
    has_more: bool
    server_seq: int
    # Added within version 2: answers ignore unknown fields, so an older app reads on.
    job_number_blocks: list[JobNumberBlock] = []
    # The app version IT deploys now (FIELDAPP_HQ_CURRENT_APP_VERSION; "" unset): an
    # older app says "an update is available"; IT delivers it, the app never replaces
    # itself.
    current_app_version: str = ""


class ChecksumRequest(Strict):
    buckets: list[Bucket] = Field(max_length=100_000)


class BucketChecksum(BaseModel):
    rows: int
    total: int
    last_seq: int = 0  # the bucket's newest change; compare only once the cursor is past it


class ChecksumResponse(BaseModel):
    checksums: dict[str, BucketChecksum]
    server_seq: int


class BlobStatus(BaseModel):
    sha256: str
    complete: bool
    received: int  # bytes HQ holds of an unfinished upload


# The snapshot file (docs/sync-protocol.md §13), written by HQ and read by the device: its
# layout version, and the table of its facts (seq, schema, buckets, rows). Each row's
# bucket and digest go in a table named as the device's own (``local_synced_row``).
SNAPSHOT_FORMAT = 1
SNAPSHOT_INFO_TABLE = "snapshot_info"


class SnapshotInfo(BaseModel):
    """The shared buckets (the catalogue, the org) as one compressed SQLite file, built
    at HQ once per change: a first sync downloads it instead of pulling those rows one by
    one, then pulls what changed after ``seq`` (docs/sync-protocol.md §13)."""

    sha256: str  # of the compressed file, as downloaded
    size: int  # bytes of the compressed file
    seq: int  # the file holds every row of ``buckets`` up to this server sequence
    buckets: list[str]
    rows: int
    schema_revision: str  # the device schema its tables have (fieldapp's SCHEMA_HEAD)
    format: int = SNAPSHOT_FORMAT
    built_at: datetime


class SnapshotOffer(BaseModel):
    snapshot: SnapshotInfo | None = None
    # Why there is none: "scope_all" (the device holds everything: it pulls row by row),
    # "none_built" (none yet, or the shared buckets are too small to be worth a file).
    reason: str = ""
