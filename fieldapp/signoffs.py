"""Which customer signature is in force on a job's report, and when an amendment may
replace it. One definition for the device and HQ: HQ decides from the rows it holds
(the supervisor's returns), never from a device's clock or a device's choice.

The first signature of a job is in force until an amendment is legitimately signed:
an amendment (a sign-off whose ``amends_id`` names another) takes over only if it
amends the sign-off in force *and* a supervisor (or an administrator) returned that
very sign-off for rework (a ``review`` with decision ``returned`` whose ``signoff_id``
names it, written after it since it names it). Sign-offs that do not take part in the
chain (a second "first" signature, an amendment of a report nobody returned) never
are in force; HQ refuses them on push (:func:`sign_off_refusal`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from fieldapp.models import Job, Review, SignOff, User
from fieldapp.models.enums import JobStatus, ReviewDecision, Role
from fieldapp.rules.jobflow import REPORTED_STATUSES

#: Roles whose "returned" review opens a report for an amendment.
RETURNING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def _first(sign_offs: Iterable[SignOff]) -> SignOff | None:
    # Ties (never made by HQ, which refuses a second first signature) go to the
    # earliest, then the smallest id: the same answer everywhere.
    ordered = sorted(sign_offs, key=lambda s: (s.signed_at, s.id))
    return ordered[0] if ordered else None


def chain_in_force(sign_offs: Sequence[SignOff], returned: set[str]) -> SignOff | None:
    """The sign-off in force among a job's live ``sign_offs``, given the ids of the
    sign-offs a manager ``returned``: follow the amendments from the first signature,
    each only past a returned sign-off."""
    live = [s for s in sign_offs if s.deleted_at is None]
    current = _first(s for s in live if s.amends_id is None)
    seen: set[str] = set()
    while current is not None and current.id in returned and current.id not in seen:
        seen.add(current.id)
        successor = _first(s for s in live if s.amends_id == current.id)
        if successor is None:
            break
        current = successor
    return current


def returned_sign_offs(session: Session, job_id: str) -> set[str]:
    """Ids of the job's sign-offs that a supervisor or an administrator returned."""
    rows = session.exec(
        select(Review.signoff_id, User.role)
        .join(User, col(User.id) == col(Review.reviewer_id))
        .where(
            Review.job_id == job_id,
            Review.decision == ReviewDecision.RETURNED,
            col(Review.signoff_id).is_not(None),
            col(Review.deleted_at).is_(None),
        )
    ).all()
    return {str(signoff_id) for signoff_id, role in rows if role in RETURNING_ROLES}


def _sign_offs(session: Session, job_id: str) -> list[SignOff]:
    return list(
        session.exec(
            select(SignOff).where(SignOff.job_id == job_id, col(SignOff.deleted_at).is_(None))
        ).all()
    )


def report_in_force(session: Session, job_id: str) -> SignOff | None:
    """The sign-off in force on the job's report, whatever the job's status."""
    with session.no_autoflush:
        return chain_in_force(_sign_offs(session, job_id), returned_sign_offs(session, job_id))


def sign_off_in_force(session: Session, job: Job) -> SignOff | None:
    """The customer's signature in force on the job's report; None while not signed."""
    if JobStatus(job.status) not in REPORTED_STATUSES:
        return None
    return report_in_force(session, job.id)


def sign_off_refusal(session: Session, new: SignOff) -> tuple[str, str] | None:
    """Why HQ refuses the new sign-off ``new`` (a stable code and a plain reason), or
    None when it may be added: a job's first signature, or an amendment of the
    report in force after a manager returned it."""
    with session.no_autoflush:
        existing = [s for s in _sign_offs(session, new.job_id) if s.id != new.id]
        current = chain_in_force(existing, returned_sign_offs(session, new.job_id))
    if new.amends_id is None:
        if current is not None:
            return (
                "already_signed",
                "This report is already signed; only an amendment after a return replaces it.",
            )
        return None
    if current is None or new.amends_id != current.id:
        return (
            "amendment_not_in_force",
            "An amendment must amend the report in force of the same job.",
        )
    if current.id not in returned_sign_offs(session, new.job_id):
        return (
            "amendment_not_returned",
            "The signed report was not returned by the supervisor: it cannot be amended.",
        )
    return None


def superseding(session: Session, sign_off: SignOff) -> SignOff | None:
    """The report in force that replaced ``sign_off``, or None if it is itself in force
    (or its job has no report in force)."""
    current = report_in_force(session, sign_off.job_id)
    if current is None or current.id == sign_off.id:
        return None
    return current
