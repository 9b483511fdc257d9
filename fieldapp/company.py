"""The company's letterhead as HQ set it (synced to every device in the catalogue)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from fieldapp.delivery import normalise_email
from fieldapp.models.company import COMPANY_PROFILE_ID, CompanyProfile
from fieldapp.services.common import DomainError

#: The fields of a letterhead, in print order.
LETTERHEAD_FIELDS = ("name", "address", "hotline", "email", "website", "logo_sha256")


def company_profile(session: Session) -> CompanyProfile | None:
    """The live company profile: HQ's fixed row, else any live one (None before the
    first sync or when HQ has not set one)."""
    profile = session.get(CompanyProfile, COMPANY_PROFILE_ID)
    if profile is not None and profile.deleted_at is None:
        return profile
    return session.exec(
        select(CompanyProfile)
        .where(col(CompanyProfile.deleted_at).is_(None))
        .order_by(col(CompanyProfile.updated_at).desc())
    ).first()


def letterhead(profile: CompanyProfile | None, language: str) -> dict[str, str]:
    """What the report prints at its head, in ``language`` ("zh" or "en"); a text
    missing in that language falls back to the other one. Without a profile every
    value is empty, so a report still prints before the first sync."""
    if profile is None:
        return dict.fromkeys(LETTERHEAD_FIELDS, "")
    english = language.lower().startswith("en")

    def pick(zh: str, en: str) -> str:
        first, second = (en, zh) if english else (zh, en)
        return (first or "").strip() or (second or "").strip()

    return {
        "name": pick(profile.name_zh, profile.name_en),
        "address": pick(profile.address_zh, profile.address_en),
        "hotline": profile.hotline.strip(),
        "email": profile.email.strip(),
        "website": profile.website.strip(),
        "logo_sha256": profile.logo_sha256 or "",
    }


#: The largest logo HQ accepts: it is printed small and synced to every device.
MAX_LOGO_BYTES = 512 * 1024
PROFILE_TEXT_FIELDS = (
    "name_zh",
    "name_en",
    "address_zh",
    "address_en",
    "hotline",
    "email",
    "website",
)


class ProfileError(ValueError):
    """A letterhead HQ refuses to set."""


def logo_kind(data: bytes) -> str:
    """ "png" or "jpeg" for a logo HQ accepts; a :class:`ProfileError` otherwise."""
    if len(data) > MAX_LOGO_BYTES:
        raise ProfileError(f"The logo is larger than {MAX_LOGO_BYTES // 1024} kB.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    raise ProfileError("The logo must be a PNG or a JPEG picture.")


def apply_profile(
    session: Session, changes: dict[str, str | None], *, logo_sha256: str | None = None
) -> CompanyProfile:
    """Set the given fields of the company's one live profile (made on first use);
    fields not named keep their value. ``logo_sha256`` replaces the logo when given,
    "" removes it. Returns the row (added to ``session``)."""
    unknown = set(changes) - set(PROFILE_TEXT_FIELDS)
    if unknown:
        raise ProfileError(f"No such letterhead field: {', '.join(sorted(unknown))}.")
    values = {name: (value or "").strip() for name, value in changes.items() if value is not None}
    if values.get("email"):
        try:
            values["email"] = normalise_email(values["email"])
        except DomainError as error:
            raise ProfileError(str(error)) from error
    profile = session.get(CompanyProfile, COMPANY_PROFILE_ID)
    if profile is None:
        if not values.get("name_zh"):
            raise ProfileError("The company's Chinese name (--name-zh) is required.")
        profile = CompanyProfile(id=COMPANY_PROFILE_ID, **values)
    else:
        if "name_zh" in values and not values["name_zh"]:
            raise ProfileError("The company's Chinese name cannot be empty.")
        for name, value in values.items():
            if getattr(profile, name) != value:
                setattr(profile, name, value)
        if profile.deleted_at is not None:
            profile.deleted_at = None
    if logo_sha256 is not None and (profile.logo_sha256 or "") != logo_sha256:
        profile.logo_sha256 = logo_sha256 or None
    session.add(profile)
    return profile
