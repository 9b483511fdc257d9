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
    assert jobflow.is_frozen(status) == (status in {S.SIGNED, S.RETURNED, S.APPROVED, S.CLOSED})
    assert jobflow.can_record_work(status) == (status == S.ON_SITE)


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
