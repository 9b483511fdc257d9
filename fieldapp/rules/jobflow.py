"""The job's state machine: which transitions are legal, and for which role."""

from __future__ import annotations

from dataclasses import dataclass

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
    Transition(E.ACCEPTED, frozenset({S.ASSIGNED}), S.ACCEPTED, ENGINEER, assignee_only=True),
    # Hand the job back to the dispatcher when it cannot be done as promised (seed 002).
    Transition(
        E.HANDED_BACK, _OPEN_BEFORE_SITE, S.NEW, ENGINEER, assignee_only=True, needs_reason=True
    ),
    Transition(E.DEPARTED, frozenset({S.ACCEPTED}), S.EN_ROUTE, ENGINEER, assignee_only=True),
    Transition(E.ARRIVED, frozenset({S.EN_ROUTE}), S.ON_SITE, ENGINEER, assignee_only=True),
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

#: Statuses in which the signed report may no longer change.
FROZEN_STATUSES: frozenset[JobStatus] = frozenset({S.SIGNED, S.RETURNED, S.APPROVED, S.CLOSED})
#: Statuses in which the engineer records work (checklists, faults, parts, photos).
WORK_STATUSES: frozenset[JobStatus] = frozenset({S.ON_SITE})
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
    """The actions a user may take on a job now (for the buttons the UI shows)."""
    actions: list[JobEventKind] = []
    for transition in TRANSITIONS:
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
