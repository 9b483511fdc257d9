"""Which value wins when HQ and a device changed the same field of the same row.

Wall clocks decide nothing: the rules look at who changed what, never at when. Every
decision where both sides changed a field is logged as a conflict with both values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fieldapp.models.enums import JobEventKind, JobStatus, Role
from fieldapp.rules import jobflow


class Winner(StrEnum):
    DEVICE = "device"
    SERVER = "server"


@dataclass(frozen=True)
class Resolution:
    winner: Winner
    rule: str
    flag_for_supervisor: bool = False


# Fields the engineer verifies in person: the customer's contact details and the
# dispatch information (seed 002: check it, correct it, the correction syncs back).
VERIFIED_ON_SITE = frozenset(
    {
        ("customer", "phone"),
        ("customer", "contact_name"),
        ("customer", "address"),
        ("customersite", "contact_name"),
        ("customersite", "contact_phone"),
        ("customersite", "address"),
        ("contact", "phone"),
        ("contact", "email"),
        ("contact", "title"),
        ("contact", "name"),
        ("job", "contact_name"),
        ("job", "contact_phone"),
        ("job", "address"),
        ("job", "reported_model"),
        ("job", "reported_serial"),
        ("job", "reported_purchase_date"),
        ("job", "reported_symptom"),
        ("job", "customer_request"),
        # The time the engineer agreed with the customer (seed 002).
        ("job", "appointment_at"),
        # Readings taken at the machine.
        ("machine", "hour_meter"),
        ("machine", "hour_meter_read_at"),
    }
)
# Fields the dispatcher owns: who does the job and how urgent it is.
DISPATCHER_OWNS = frozenset(
    {
        ("job", "assignee_id"),
        ("job", "team_id"),
        ("job", "urgency"),
        ("job", "answer_due_at"),
        ("job", "on_site_due_at"),
    }
)
# A signed report is never undone by a status set elsewhere.
DONE_ON_SITE = frozenset({JobStatus.SIGNED})


def resolve_job_status(
    device_status: str, server_status: str, device_role: str, *, device_is_assignee: bool = True
) -> Resolution:
    """The engineer moved the job offline while HQ moved it too."""
    device = JobStatus(device_status)
    server = JobStatus(server_status)
    if device in DONE_ON_SITE and server not in jobflow.FROZEN_STATUSES:
        # e.g. cancelled at HQ while the engineer completed and the customer signed:
        # the signed work is kept and the supervisor is told (design.md promise 4).
        return Resolution(Winner.DEVICE, "signed_work_kept", flag_for_supervisor=True)
    if server in jobflow.FROZEN_STATUSES or server == JobStatus.CANCELLED:
        return Resolution(Winner.SERVER, "server_final_status", flag_for_supervisor=True)
    if not device_is_assignee:
        # Re-assigned while the engineer was offline: the new engineer's job now.
        return Resolution(Winner.SERVER, "reassigned", flag_for_supervisor=True)
    # The device's step must still be a legal step from where HQ has the job now.
    for transition in jobflow.TRANSITIONS:
        if (
            transition.target == device
            and server in transition.source
            and Role(device_role) in transition.roles
            and transition.action != JobEventKind.SIGNED
        ):
            return Resolution(Winner.DEVICE, "legal_from_server_status")
    return Resolution(Winner.SERVER, "illegal_from_server_status", flag_for_supervisor=True)


def resolve_field(
    table: str,
    field: str,
    device_value: object,
    server_value: object,
    device_role: str,
    *,
    device_is_assignee: bool = True,
) -> Resolution:
    """Precedence for one field changed on both sides (values already differ)."""
    if (table, field) == ("job", "status"):
        return resolve_job_status(
            str(device_value),
            str(server_value),
            device_role,
            device_is_assignee=device_is_assignee,
        )
    if (table, field) == ("job", "appointment_at") and not device_is_assignee:
        return Resolution(Winner.SERVER, "reassigned", flag_for_supervisor=True)
    if (table, field) == ("job", "needs_attention"):
        return Resolution(Winner.DEVICE if device_value else Winner.SERVER, "attention_is_sticky")
    if (table, field) in VERIFIED_ON_SITE and Role(device_role) == Role.ENGINEER:
        return Resolution(Winner.DEVICE, "verified_on_site", flag_for_supervisor=True)
    if (table, field) in DISPATCHER_OWNS:
        return Resolution(Winner.SERVER, "dispatcher_owns")
    return Resolution(Winner.SERVER, "server_wins_by_default")
