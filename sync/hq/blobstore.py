"""Where HQ keeps the bytes of attachments, signatures and report PDFs.

``hq_blob`` always holds a row per blob (hash, size): uploads, scope checks and the mailer
find blobs there. The bytes live either in that row (the default: one database to back
up) or, with ``FIELDAPP_HQ_BLOB_DIR`` set, in a file named by the hash on a storage path,
written to a temporary file, fsynced, renamed and the folder fsynced, before the row is
committed: a blob HQ has acknowledged survives a power cut. Such a row's ``data`` is
empty. Blobs never change and are never deleted, so copying the folder after a database
dump always gives a superset of what the dump names.

S3-compatible storage is the next step behind the same :class:`BlobBackend` interface
(``put`` once per hash, ``get`` by hash; docs/operations.md).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

from sqlmodel import Session

from fieldapp.clock import utcnow
from sync.hq.models import Blob

log = logging.getLogger(__name__)
BLOB_DIR_ENV = "FIELDAPP_HQ_BLOB_DIR"


class BlobMissing(Exception):
    """A blob's row names a file the storage path does not hold (or holds damaged)."""


class BlobBackend(Protocol):
    def put(self, sha256: str, data: bytes) -> None: ...

    def get(self, sha256: str) -> bytes | None: ...


class FileBlobs:
    """Blobs as files ``root/ab/cd/<sha256>``, written durably."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        target = self.path(sha256)
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            return  # content-addressed: the same bytes are there already
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)

    def get(self, sha256: str) -> bytes | None:
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None
        if hashlib.sha256(data).hexdigest() != sha256:
            log.error("Blob file %s does not match its hash", sha256)
            return None
        return data


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def configured() -> FileBlobs | None:
    """The storage path of this node, or None: bytes in the database."""
    folder = os.environ.get(BLOB_DIR_ENV)
    return FileBlobs(Path(folder)) if folder else None


def save(session: Session, sha256: str, content: bytes) -> Blob:
    """Store a complete, checked blob: its bytes on the storage path (durable before the
    row is committed) or in the row."""
    files = configured()
    if files is not None and content:
        files.put(sha256, content)
        blob = Blob(sha256=sha256, size=len(content), data=b"", created_at=utcnow())
    else:
        blob = Blob(sha256=sha256, size=len(content), data=content, created_at=utcnow())
    session.add(blob)
    return blob


def read(blob: Blob) -> bytes:
    """A blob's bytes, wherever they are kept."""
    if blob.data or blob.size == 0:
        return bytes(blob.data)
    files = configured()
    data = files.get(blob.sha256) if files is not None else None
    if data is None:
        raise BlobMissing(f"Blob {blob.sha256} is not on the storage path.")
    return data
