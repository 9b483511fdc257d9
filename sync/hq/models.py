"""Tables only HQ has: credentials, enrollment, the row log that pull pages follow,
idempotency records, checksums per bucket, blobs, the audit trail and rate limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Double, Index, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

from fieldapp.models.base import utc_field


class Credential(SQLModel, table=True):
    __tablename__ = "hq_credential"

    user_id: str = Field(primary_key=True, max_length=36, foreign_key="user.id")
    password_hash: str = Field(max_length=200)


class Enrollment(SQLModel, table=True):
    """A one-time, expiring enrollment code (stored hashed) for one user's device."""

    __tablename__ = "hq_enrollment"

    code_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=36, foreign_key="user.id", index=True)
    created_at: datetime = utc_field(nullable=False)
    expires_at: datetime = utc_field(nullable=False)
    used_at: datetime | None = utc_field()
    device_id: str | None = Field(default=None, max_length=36)


class DeviceToken(SQLModel, table=True):
    __tablename__ = "hq_device_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    device_id: str = Field(max_length=36, foreign_key="device.id", index=True)
    user_id: str = Field(max_length=36, foreign_key="user.id")
    created_at: datetime = utc_field(nullable=False)
    revoked_at: datetime | None = utc_field()


class RowLog(SQLModel, table=True):
    """One entry per (row, bucket): the row's latest server sequence number.

    Every change of a row moves its entry to a new, higher ``seq``; a pull follows
    ``seq``. ``removed`` marks a row that left the bucket (a tombstone for devices).
    """

    __tablename__ = "hq_row"
    __table_args__ = (
        Index("ix_hq_row_bucket_seq", "bucket", "seq"),
        Index("ix_hq_row_table_row", "table_name", "row_id"),
    )

    table_name: str = Field(primary_key=True, max_length=40)
    row_id: str = Field(primary_key=True, max_length=36)
    bucket: str = Field(primary_key=True, max_length=48)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    version: int = 1
    digest: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    removed: bool = False
    removed_at: datetime | None = utc_field()  # when it left the bucket (for pruning)


class Revision(SQLModel, table=True):
    """Which fields each version of a row changed: the base of field-level merges."""

    __tablename__ = "hq_revision"

    table_name: str = Field(primary_key=True, max_length=40)
    row_id: str = Field(primary_key=True, max_length=36)
    version: int = Field(primary_key=True)
    fields: str = Field(default="", sa_type=Text)  # space-separated names
    device_id: str | None = Field(default=None, max_length=36)


class BucketSum(SQLModel, table=True):
    """Running checksum of a bucket: the count and the sum of its rows' digests."""

    __tablename__ = "hq_bucket"

    bucket: str = Field(primary_key=True, max_length=48)
    rows: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    total: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # The newest change in the bucket: a device whose cursor is past it can compare.
    last_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class Counter(SQLModel, table=True):
    """The server sequence. Its row lock serialises writers, so sequence numbers are
    handed out in commit order and a pull cursor never skips a late commit."""

    __tablename__ = "hq_counter"

    name: str = Field(primary_key=True, max_length=16)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class AppliedMutation(SQLModel, table=True):
    """The answer given to a mutation, stored in the transaction that applied it."""

    __tablename__ = "hq_mutation"

    mutation_id: str = Field(primary_key=True, max_length=36)
    device_id: str = Field(max_length=36, index=True)
    result: str = Field(sa_type=Text)  # JSON
    applied_at: datetime = utc_field(nullable=False)


class Blob(SQLModel, table=True):
    __tablename__ = "hq_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = utc_field(nullable=False)


class BlobPart(SQLModel, table=True):
    """A chunk of a blob being uploaded; the upload resumes after the last chunk."""

    __tablename__ = "hq_blob_part"

    sha256: str = Field(primary_key=True, max_length=64)
    offset: int = Field(sa_column=Column(BigInteger, primary_key=True))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class AuditRecord(SQLModel, table=True):
    """Who changed what at HQ: one record per row change, written by :class:`HQSession`
    in the transaction of the change (so no write path skips it)."""

    __tablename__ = "hq_audit"
    __table_args__ = (
        Index("ix_hq_audit_bucket", "bucket", "id"),
        Index("ix_hq_audit_user", "user_id", "id"),
        Index("ix_hq_audit_row", "table_name", "row_id"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    at: datetime = utc_field(nullable=False)
    user_id: str | None = Field(default=None, max_length=36)  # None: HQ itself (CLI, import)
    device_id: str | None = Field(default=None, max_length=36)
    table_name: str = Field(max_length=40)
    row_id: str = Field(max_length=36)
    bucket: str = Field(max_length=48)
    op: str = Field(max_length=8)  # insert, update, delete (a soft delete)
    version: int = 1
    fields: str = Field(default="", sa_type=Text)  # space-separated names


class RateLimit(SQLModel, table=True):
    """Attempts per key (an address, an enrollment code, a login) in a fixed window:
    in the database, so every worker process sees the same count."""

    __tablename__ = "hq_rate_limit"

    key: str = Field(primary_key=True, max_length=100)
    window_start: float = Field(sa_column=Column(Double, nullable=False))  # epoch seconds
    hits: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class Meta(SQLModel, table=True):
    __tablename__ = "hq_meta"

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(default="", sa_type=Text)


class JobNumberBlock(SQLModel, table=True):
    """Job numbers ``first..last`` of ``year`` reserved for one device, which hands them
    out offline (docs/sync-protocol.md §8.6). A job pushed with one of them is accepted
    from that device only."""

    __tablename__ = "hq_number_block"
    __table_args__ = (
        Index("ix_hq_number_block_year_first", "year", "first"),
        Index("ix_hq_number_block_device_year", "device_id", "year"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    device_id: str = Field(max_length=36, foreign_key="device.id")
    year: int
    first: int
    last: int
    reserved_at: datetime = utc_field(nullable=False)


class CustomerCreator(SQLModel, table=True):
    """Who added a customer from a device (a supervisor, offline, with its first job):
    until a job names the customer, it is theirs to write and read (sync/hq/scope.py)."""

    __tablename__ = "hq_customer_creator"

    customer_id: str = Field(primary_key=True, max_length=36, foreign_key="customer.id")
    user_id: str = Field(max_length=36, foreign_key="user.id", index=True)
    created_at: datetime = utc_field(nullable=False)


class Snapshot(SQLModel, table=True):
    """The shared buckets (catalogue, org) as one compressed SQLite file up to ``seq``,
    for first syncs (sync/hq/snapshots.py). Derived: rebuilt after any change of those
    buckets; the newest few are kept."""

    __tablename__ = "hq_snapshot"

    sha256: str = Field(primary_key=True, max_length=64)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    buckets: str = Field(max_length=200)  # space-separated
    rows: int = Field(sa_column=Column(BigInteger, nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    schema_revision: str = Field(max_length=32)
    format: int = 1
    built_at: datetime = utc_field(nullable=False)
    build_seconds: float = Field(default=0.0, sa_column=Column(Double, nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
