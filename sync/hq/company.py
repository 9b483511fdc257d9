"""HQ sets the company's letterhead: the profile row (versioned, so it syncs to every
device in the catalogue bucket) and its logo, stored as a blob like photos."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from fieldapp.company import apply_profile, logo_kind
from fieldapp.models.company import CompanyProfile
from sync.hq import blobstore
from sync.hq.models import Blob


def store_blob(session: Session, data: bytes) -> str:
    """Keep ``data`` among HQ's blobs (once per content); returns its SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    if session.get(Blob, sha256) is None:
        blobstore.save(session, sha256, data)  # on the storage path, if HQ has one
    return sha256


def set_company_profile(
    session: Session,
    changes: dict[str, str | None],
    *,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> CompanyProfile:
    """Set the letterhead through HQ's versioned writes (the caller's HQSession)."""
    logo_sha256: str | None = None
    if logo is not None:
        logo_kind(logo)
        logo_sha256 = store_blob(session, logo)
    elif remove_logo:
        logo_sha256 = ""
    return apply_profile(session, changes, logo_sha256=logo_sha256)
