from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from fieldapp.models.enums import JobEventKind as E
from fieldapp.models.enums import JobStatus as S
from fieldapp.models.enums import Role
from fieldapp.rules import jobflow
from fieldapp.rules.jobflow import TransitionError, check_transition


def test_engineer_walks_a_job_from_assigned_to_signed() -> None:
    status = S.ASSIGNED
    for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED, E.SIGNED):
        status = check_transition(action, status, Role.ENGINEER, is_assignee=True)
    assert status == S.SIGNED


def test_supervisor_approves_or_returns_a_signed_report() -> None:
    assert check_transition(E.APPROVED, S.SIGNED, Role.SUPERVISOR) == S.APPROVED
    assert check_transition(E.RETURNED, S.SIGNED, Role.SUPERVISOR, reason="缺照片") == S.RETURNED
    # The amendment is signed again by the customer, through the engineer.
    assert check_transition(E.SIGNED, S.RETURNED, Role.ENGINEER, is_assignee=True) == S.SIGNED


@pytest.mark.parametrize(
    ("action", "status", "role", "assignee", "code"),
    [
        (E.APPROVED, S.SIGNED, Role.ENGINEER, True, "forbidden_role"),  # no self-approval
        (E.ACCEPTED, S.ASSIGNED, Role.ENGINEER, False, "not_assignee"),
        (E.ARRIVED, S.ACCEPTED, Role.ENGINEER, True, "illegal_transition"),  # depart first
        (E.SIGNED, S.EN_ROUTE, Role.ENGINEER, True, "illegal_transition"),  # sign on site
        (E.CANCELLED, S.SIGNED, Role.SUPERVISOR, False, "illegal_transition"),
        (E.ASSIGNED, S.NEW, Role.CLERK, False, "forbidden_role"),
    ],
)
def test_illegal_transitions_are_refused_with_a_reason(
    action: E, status: S, role: Role, assignee: bool, code: str
) -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(action, status, role, is_assignee=assignee, reason="x")
    assert caught.value.code == code


def test_hand_back_and_cancel_need_a_reason() -> None:
    with pytest.raises(TransitionError) as caught:
        check_transition(E.HANDED_BACK, S.ACCEPTED, Role.ENGINEER, is_assignee=True, reason=" ")
    assert caught.value.code == "reason_required"
    assert (
        check_transition(E.HANDED_BACK, S.ACCEPTED, Role.ENGINEER, is_assignee=True, reason="病假")
        == S.NEW
    )
    assert check_transition(E.CANCELLED, S.ON_SITE, Role.ADMIN, reason="客户取消") == S.CANCELLED


@pytest.mark.parametrize("status", list(S))
def test_signed_job_is_frozen_and_work_only_on_site(status: S) -> None:
    assert jobflow.is_frozen(status) == (status in {S.SIGNED, S.APPROVED, S.CLOSED})
    # A returned report is reworked by its engineer, then signed again.
    assert jobflow.can_record_work(status) == (status in {S.ON_SITE, S.RETURNED})


def test_allowed_actions_are_what_the_buttons_offer() -> None:
    assert jobflow.allowed_actions(S.ASSIGNED, Role.ENGINEER, is_assignee=True) == [
        E.ACCEPTED,
        E.HANDED_BACK,
    ]
    assert jobflow.allowed_actions(S.ASSIGNED, Role.ENGINEER, is_assignee=False) == []
    assert E.CANCELLED in jobflow.allowed_actions(S.ASSIGNED, Role.SUPERVISOR, is_assignee=False)
    assert jobflow.allowed_actions(S.CLOSED, Role.SUPERVISOR, is_assignee=False) == []


def test_reschedule_before_reaching_the_site_only() -> None:
    assert jobflow.can_reschedule(S.ACCEPTED, Role.ENGINEER, is_assignee=True)
    assert not jobflow.can_reschedule(S.ACCEPTED, Role.ENGINEER, is_assignee=False)
    assert not jobflow.can_reschedule(S.ON_SITE, Role.ENGINEER, is_assignee=True)
    assert not jobflow.can_reschedule(S.NEW, Role.ENGINEER, is_assignee=True)
    assert jobflow.can_reschedule(S.NEW, Role.SUPERVISOR, is_assignee=False)


def test_reachable_in_several_steps_for_the_role() -> None:
    assert jobflow.reachable(S.ASSIGNED, S.SIGNED, Role.ENGINEER)
    assert jobflow.reachable(S.ASSIGNED, S.ON_SITE, Role.ENGINEER)
    assert not jobflow.reachable(S.ASSIGNED, S.APPROVED, Role.ENGINEER)
    assert not jobflow.reachable(S.CANCELLED, S.ON_SITE, Role.ENGINEER)
    assert jobflow.reachable(S.SIGNED, S.CLOSED, Role.SUPERVISOR)


@dataclass
class Entry:
    id: str
    kind: str
    occurred_at: datetime
    data: str = ""


T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def test_a_departure_can_be_undone_for_five_minutes_only() -> None:
    events = [Entry("a", E.ACCEPTED, T0), Entry("d", E.DEPARTED, T0 + timedelta(minutes=10))]
    departed = T0 + timedelta(minutes=10)
    offer = jobflow.undo_offer(S.EN_ROUTE, events, departed + timedelta(minutes=4))
    assert offer is not None
    assert (offer.action, offer.corrects) == (E.DEPARTURE_UNDONE, "d")
    assert offer.seconds_left(departed + timedelta(minutes=4)) == 60
    assert jobflow.undo_offer(S.EN_ROUTE, events, departed + jobflow.UNDO_WINDOW) is None
    # A clock set back before the departure ends the offer rather than stretching it.
    assert jobflow.undo_offer(S.EN_ROUTE, events, departed - timedelta(minutes=1)) is None
    assert (
        check_transition(E.DEPARTURE_UNDONE, S.EN_ROUTE, Role.ENGINEER, is_assignee=True)
        == S.ACCEPTED
    )


def test_only_the_latest_step_is_undone_and_only_once() -> None:
    arrived = T0 + timedelta(minutes=30)
    events = [
        Entry("d", E.DEPARTED, T0),
        Entry("r", E.RESCHEDULED, arrived + timedelta(minutes=1)),  # not a change of status
        Entry("a", E.ARRIVED, arrived),
    ]
    offer = jobflow.undo_offer(S.ON_SITE, events, arrived + timedelta(minutes=2))
    assert offer is not None and (offer.action, offer.corrects) == (E.ARRIVAL_UNDONE, "a")
    undone = [*events, Entry("u", E.ARRIVAL_UNDONE, arrived + timedelta(minutes=3))]
    assert jobflow.undo_offer(S.EN_ROUTE, undone, arrived + timedelta(minutes=3)) is None
    # Accepting is not undone this way (hand back instead), nor is a status the job left.
    assert jobflow.undo_offer(S.ACCEPTED, [Entry("x", E.ACCEPTED, T0)], T0) is None
    assert jobflow.undo_offer(S.CANCELLED, events, arrived + timedelta(minutes=2)) is None


def test_corrections_are_not_ordinary_buttons_and_drop_out_of_the_register() -> None:
    assert E.DEPARTURE_UNDONE not in jobflow.allowed_actions(
        S.EN_ROUTE, Role.ENGINEER, is_assignee=True
    )
    assert jobflow.reachable(S.ON_SITE, S.EN_ROUTE, Role.ENGINEER)  # HQ accepts the step
    events = [
        Entry("d1", E.DEPARTED, T0),
        Entry("u", E.DEPARTURE_UNDONE, T0 + timedelta(minutes=1), '{"corrects": "d1"}'),
        Entry("d2", E.DEPARTED, T0 + timedelta(hours=1)),
    ]
    assert [e.id for e in jobflow.standing_register(events)] == ["d2"]
