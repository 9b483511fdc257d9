"""The job's state machine: which transitions are legal, and for which role."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from fieldapp.clock import as_utc
from fieldapp.models.enums import JobEventKind, JobStatus, Role

S = JobStatus
E = JobEventKind

ENGINEER = frozenset({Role.ENGINEER})
MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Transition:
    action: JobEventKind
    source: frozenset[JobStatus]
    target: JobStatus
    roles: frozenset[Role]
    assignee_only: bool = False  # an engineer may act only on a job assigned to them
    needs_reason: bool = False


_OPEN_BEFORE_SITE = frozenset({S.ASSIGNED, S.ACCEPTED})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(E.ASSIGNED, frozenset({S.NEW, S.ASSIGNED, S.ACCEPTED}), S.ASSIGNED, MANAGERS),
    # The dispatcher takes a job back to the unassigned tray before anyone set off.
    Transition(E.UNASSIGNED, _OPEN_BEFORE_SITE, S.NEW, MANAGERS),
    Transition(E.ACCEPTED, frozenset({S.ASSIGNED}), S.ACCEPTED, ENGINEER, assignee_only=True),
    # Hand the job back to the dispatcher when it cannot be done as promised (seed 002).
    Transition(
        E.HANDED_BACK, _OPEN_BEFORE_SITE, S.NEW, ENGINEER, assignee_only=True, needs_reason=True
    ),
    Transition(E.DEPARTED, frozenset({S.ACCEPTED}), S.EN_ROUTE, ENGINEER, assignee_only=True),
    Transition(E.ARRIVED, frozenset({S.EN_ROUTE}), S.ON_SITE, ENGINEER, assignee_only=True),
    # A departure or an arrival tapped by mistake is undone by a correcting event, for a
    # short time only (see undo_offer); the register keeps both.
    Transition(
        E.DEPARTURE_UNDONE, frozenset({S.EN_ROUTE}), S.ACCEPTED, ENGINEER, assignee_only=True
    ),
    Transition(E.ARRIVAL_UNDONE, frozenset({S.ON_SITE}), S.EN_ROUTE, ENGINEER, assignee_only=True),
    # Leave the site unfinished (waiting for parts, next day); the job stays accepted.
    Transition(
        E.SUSPENDED,
        frozenset({S.ON_SITE, S.EN_ROUTE}),
        S.ACCEPTED,
        ENGINEER,
        assignee_only=True,
        needs_reason=True,
    ),
    Transition(E.SIGNED, frozenset({S.ON_SITE}), S.SIGNED, ENGINEER, assignee_only=True),
    # A returned report is corrected by an amendment that the customer signs again.
    Transition(E.SIGNED, frozenset({S.RETURNED}), S.SIGNED, ENGINEER, assignee_only=True),
    Transition(E.APPROVED, frozenset({S.SIGNED}), S.APPROVED, MANAGERS),
    Transition(E.RETURNED, frozenset({S.SIGNED}), S.RETURNED, MANAGERS, needs_reason=True),
    Transition(E.CLOSED, frozenset({S.APPROVED}), S.CLOSED, frozenset({*MANAGERS, Role.CLERK})),
    Transition(
        E.CANCELLED,
        frozenset({S.NEW, S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE}),
        S.CANCELLED,
        MANAGERS,
        needs_reason=True,
    ),
)

#: Statuses in which a job has a signed report (its history, the review queue).
REPORTED_STATUSES: frozenset[JobStatus] = frozenset({S.SIGNED, S.RETURNED, S.APPROVED, S.CLOSED})
#: Statuses in which the signed report may no longer change. A returned report is not
#: frozen: its engineer reworks it, and the correction is signed as a new revision (the
#: revision the customer signed first stays as it was, in its sign-off's content).
FROZEN_STATUSES: frozenset[JobStatus] = frozenset({S.SIGNED, S.APPROVED, S.CLOSED})
#: Statuses in which the engineer records work (checklists, faults, parts, photos):
#: on site, and on a report returned for rework.
WORK_STATUSES: frozenset[JobStatus] = frozenset({S.ON_SITE, S.RETURNED})
#: Statuses of a job that is still to be done.
OPEN_STATUSES: frozenset[JobStatus] = frozenset(
    {S.NEW, S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE}
)
#: Statuses where the customer may still be waiting for the engineer.
NOT_YET_ON_SITE: frozenset[JobStatus] = frozenset({S.NEW, S.ASSIGNED, S.ACCEPTED, S.EN_ROUTE})


class TransitionError(ValueError):
    """A transition that the rules do not allow, with the reason why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def is_frozen(status: str) -> bool:
    return JobStatus(status) in FROZEN_STATUSES


def can_record_work(status: str) -> bool:
    return JobStatus(status) in WORK_STATUSES


def find_transition(action: str, status: str) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.action == action and JobStatus(status) in transition.source:
            return transition
    return None


def check_transition(
    action: str,
    status: str,
    role: str,
    *,
    is_assignee: bool = False,
    reason: str = "",
) -> JobStatus:
    """Return the status the job moves to, or raise :class:`TransitionError`."""
    transition = find_transition(action, status)
    if transition is None:
        raise TransitionError("illegal_transition", f"A job that is {status} cannot be {action}.")
    if Role(role) not in transition.roles:
        raise TransitionError("forbidden_role", f"A {role} may not do '{action}'.")
    if transition.assignee_only and not is_assignee:
        raise TransitionError("not_assignee", "Only the assigned engineer may do this.")
    if transition.needs_reason and not reason.strip():
        raise TransitionError("reason_required", f"'{action}' needs a reason.")
    return transition.target


def allowed_actions(status: str, role: str, *, is_assignee: bool) -> list[JobEventKind]:
    """The actions a user may take on a job now (for the buttons the UI shows); the
    corrections of the register are offered by :func:`undo_offer`, for a short time."""
    actions: list[JobEventKind] = []
    for transition in TRANSITIONS:
        if transition.action in CORRECTIONS:
            continue
        if JobStatus(status) not in transition.source or Role(role) not in transition.roles:
            continue
        if transition.assignee_only and not is_assignee:
            continue
        if transition.action not in actions:
            actions.append(transition.action)
    return actions


def can_reschedule(status: str, role: str, *, is_assignee: bool) -> bool:
    """Propose a new time agreed with the customer (seed 002) before reaching the site."""
    if JobStatus(status) not in NOT_YET_ON_SITE:
        return False
    if Role(role) in MANAGERS:
        return True
    return Role(role) == Role.ENGINEER and is_assignee and JobStatus(status) != S.NEW


def reachable(source: str, target: str, role: str) -> bool:
    """Whether ``role`` can take a job from ``source`` to ``target`` in one or more
    legal steps (a device offline may send several steps as one change of status)."""
    start, goal = JobStatus(source), JobStatus(target)
    seen = {start}
    frontier = [start]
    while frontier:
        status = frontier.pop()
        for transition in TRANSITIONS:
            if status in transition.source and Role(role) in transition.roles:
                if transition.target == goal:
                    return True
                if transition.target not in seen:
                    seen.add(transition.target)
                    frontier.append(transition.target)
    return False


#: The engineer's next step on a job of each status (the job list's card button):
#: the action that moves it on, or "sign" for the customer's signature.
NEXT_STEP: dict[JobStatus, str] = {
    S.ASSIGNED: E.ACCEPTED.value,
    S.ACCEPTED: E.DEPARTED.value,
    S.EN_ROUTE: E.ARRIVED.value,
    S.ON_SITE: "sign",
    S.RETURNED: "sign",  # the amendment the customer signs again
}
#: Steps a card does at once through :func:`check_transition`; the others open a screen.
DIRECT_STEPS: frozenset[str] = frozenset({E.ACCEPTED.value, E.DEPARTED.value, E.ARRIVED.value})


def next_step(status: str, *, has_rejected_changes: bool = False) -> str | None:
    """What the engineer does next on a job: "resend" first when HQ refused one of its
    changes (it must be looked at and sent again), else the step its status calls for
    (accepted, departed, arrived, sign), None when nothing is left to do on the device."""
    if has_rejected_changes:
        return "resend"
    return NEXT_STEP.get(JobStatus(status))


# --- undoing a departure or an arrival ---------------------------------------------------

#: How long a departure or an arrival can be undone after it was registered.
UNDO_WINDOW = timedelta(minutes=5)
#: The correcting event of each register entry that may be undone.
UNDOES: dict[JobEventKind, JobEventKind] = {
    E.DEPARTED: E.DEPARTURE_UNDONE,
    E.ARRIVED: E.ARRIVAL_UNDONE,
}
CORRECTIONS: frozenset[JobEventKind] = frozenset(UNDOES.values())
#: Events that change the job's status (a rescheduling or a dispatch correction do not).
STATUS_EVENTS: frozenset[JobEventKind] = frozenset(t.action for t in TRANSITIONS)


class RegisterEntry(Protocol):
    """What the rules read of a job event (a JobEvent row or its wire form)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def data(self) -> str: ...


@dataclass(frozen=True)
class UndoOffer:
    action: JobEventKind  # the correcting event to record
    corrects: str  # the id of the departure or arrival it cancels
    until: datetime  # aware UTC: the offer ends then

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.until - as_utc(now)).total_seconds()))


def undo_offer(status: str, events: Iterable[RegisterEntry], now: datetime) -> UndoOffer | None:
    """The undo the engineer may tap now: the job's latest change of status was a
    departure or an arrival, registered less than :data:`UNDO_WINDOW` ago.

    The window is measured with the device's wall clock. That is acceptable because the
    clock that stamped the departure is the same one that reads it now (only the
    assigned engineer's device registers and undoes), so an offset cancels out; a clock
    set back makes the offer end at once rather than last (now before the departure is
    not "within" the window). HQ does not check the window, since wall clocks decide
    nothing in the sync: it checks the step of the state machine, and the correction is
    itself an event of the register, so nothing is hidden by it."""
    latest = None
    for event in sorted(events, key=lambda e: as_utc(e.occurred_at)):
        if event.kind in STATUS_EVENTS:
            latest = event
    if latest is None:
        return None
    action = UNDOES.get(JobEventKind(latest.kind))
    if action is None or find_transition(action, status) is None:
        return None
    registered = as_utc(latest.occurred_at)
    elapsed = as_utc(now) - registered
    if elapsed < timedelta(0) or elapsed >= UNDO_WINDOW:
        return None
    return UndoOffer(action, latest.id, registered + UNDO_WINDOW)


def standing_register(events: Sequence[RegisterEntry]) -> list[RegisterEntry]:
    """The register without the departures and arrivals that were undone, nor their
    corrections: what travel time and the report's register are computed from."""
    cancelled: set[str] = set()
    for event in events:
        if event.kind in CORRECTIONS:
            cancelled.add(event.id)
            try:
                corrects = json.loads(event.data or "{}").get("corrects")
            except (ValueError, AttributeError):
                corrects = None
            if corrects:
                cancelled.add(str(corrects))
    return [e for e in events if e.id not in cancelled]
