"""The wire schemas of the sync protocol (see docs/sync-protocol.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
MIN_PROTOCOL_VERSION = 1  # HQ refuses older clients with 426 "update_required"
MAX_PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-Fieldapp-Protocol"
API = "/api/v1"
MAX_BATCH = 500
MAX_PAGE = 5000
CHUNK_SIZE = 256 * 1024


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    code: str
    message: str
    detail: Any = None


class EnrollRequest(Strict):
    code: str = Field(min_length=4, max_length=64)
    device_name: str = Field(default="", max_length=64)
    platform: str = Field(default="", max_length=32)


class EnrollResponse(BaseModel):
    device_id: str
    token: str
    user_id: str
    login: str
    display_name: str
    role: str


class Mutation(Strict):
    mutation_id: str = Field(min_length=8, max_length=36)
    table: str = Field(max_length=40)
    row_id: str = Field(min_length=8, max_length=36)
    op: Literal["insert", "update", "delete"]
    fields: dict[str, Any]
    base_version: int = Field(ge=0)


class PushRequest(Strict):
    batch_id: str = Field(min_length=8, max_length=36)
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

    buckets: list[str] = Field(max_length=100_000)
    upto: int = Field(ge=0)
    after: int = Field(ge=0)


class PullRequest(Strict):
    cursor: int = Field(ge=0)
    scope_digest: str = ""
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


class PullResponse(BaseModel):
    scope: list[str] | None = None  # set when the device's scope digest is stale
    scope_digest: str
    changes: list[Change] = []
    next_after: int  # backfill: the next ``after``; incremental: the next cursor
    has_more: bool
    server_seq: int


class ChecksumRequest(Strict):
    buckets: list[str] = Field(max_length=100_000)


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
