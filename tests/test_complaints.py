"""Complaints: the 4-hour answer clock, open → answered → closed, and the licence points
(written by a supervisor, proposed by a clerk and decided by the supervisor)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from fieldapp.models import Complaint, JobEvent, LicenceEvent, User
from fieldapp.models.enums import LicenceEventKind
from fieldapp.rules import follow_up as rules
from fieldapp.services import complaints as svc
from fieldapp.services.common import DomainError
from fieldapp.store import Store
from tests.factories import NOW, World
from tests.test_follow_up import add_clerk


@pytest.mark.parametrize(
    ("after", "state"),
    [
        (timedelta(hours=3, minutes=59), rules.AnswerState.ON_TIME),
        (timedelta(hours=4), rules.AnswerState.ON_TIME),
        (timedelta(hours=4, minutes=1), rules.AnswerState.LATE),
    ],
)
def test_answered_within_four_hours_is_on_time(after: timedelta, state: str) -> None:
    clock = rules.answer_clock("answered", NOW, NOW + after, NOW + timedelta(days=1))
    assert clock.state == state
    assert clock.red == (state == rules.AnswerState.LATE)


def test_the_countdown_of_an_open_complaint() -> None:
    waiting = rules.answer_clock("open", NOW, None, NOW + timedelta(hours=1))
    assert waiting.state == rules.AnswerState.WAITING and waiting.seconds_left == 3 * 3600
    urgent = rules.answer_clock("open", NOW, None, NOW + timedelta(hours=3, minutes=30))
    assert urgent.state == rules.AnswerState.URGENT and not urgent.red
    overdue = rules.answer_clock("open", NOW, None, NOW + timedelta(hours=4, seconds=1))
    assert overdue.state == rules.AnswerState.OVERDUE and overdue.red
    assert overdue.seconds_left == -1
    assert overdue.due_at == NOW + timedelta(hours=4)


def test_a_complaint_from_open_to_answered_to_closed(store: Store, world: World) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        complaint = svc.open_complaint(
            session,
            customer_id=world.customer_id,
            description="收费太高",
            actor=clerk,
            now=NOW,
            job_id=world.job_id,
            channel="letter",
        )
        assert complaint.owner_id == clerk.id
        with pytest.raises(DomainError) as refused:
            svc.answer_complaint(session, complaint, clerk, now=NOW, answer=" ")
        assert refused.value.code == "answer_required"
        clock = svc.answer_complaint(
            session, complaint, clerk, now=NOW + timedelta(hours=4, minutes=1), answer="将核对账单"
        )
        assert clock.state == rules.AnswerState.LATE
        with pytest.raises(DomainError):
            svc.answer_complaint(session, complaint, clerk, now=NOW, answer="again")
        svc.set_owner(session, complaint, world.supervisor_id, clerk)
        svc.close_complaint(
            session, complaint, clerk, now=NOW + timedelta(days=1), resolution="退还多收的工时费"
        )
        with pytest.raises(DomainError) as refused:
            svc.close_complaint(session, complaint, clerk, now=NOW, resolution="x")
        assert refused.value.code == "complaint_closed"
    with store.reader() as session:
        stored = session.exec(select(Complaint)).one()
        assert stored.status == "closed" and stored.owner_id == world.supervisor_id
        assert stored.resolution == "将核对账单\n退还多收的工时费"
        assert stored.closed_at is not None and stored.answered_at is not None


def test_closing_an_open_complaint_answers_it_and_needs_what_was_done(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        complaint = svc.open_complaint(
            session, customer_id=world.customer_id, description="电话没人接", actor=clerk, now=NOW
        )
        with pytest.raises(DomainError) as refused:
            svc.close_complaint(session, complaint, clerk, now=NOW, resolution="")
        assert refused.value.code == "resolution_required"
        svc.close_complaint(
            session, complaint, clerk, now=NOW + timedelta(hours=1), resolution="已回电解释"
        )
        assert complaint.answered_at == NOW + timedelta(hours=1)
        assert svc.clock(complaint, NOW + timedelta(days=1)).state == rules.AnswerState.ON_TIME


def test_the_list_puts_the_least_time_left_first(store: Store, world: World) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        for n, hours in enumerate((1, 5, 3.5)):
            svc.open_complaint(
                session,
                customer_id=world.customer_id,
                description=f"投诉{n}",
                actor=clerk,
                now=NOW - timedelta(hours=hours),
            )
    with store.reader() as session:
        rows = svc.complaint_rows(session, NOW)
        assert [r.complaint.description for r in rows] == ["投诉1", "投诉2", "投诉0"]
        assert [r.clock.state for r in rows] == [
            rules.AnswerState.OVERDUE,
            rules.AnswerState.URGENT,
            rules.AnswerState.WAITING,
        ]
        assert rows[0].owner is not None and rows[0].owner.login == "chen.jing"


def test_a_supervisor_writes_licence_points_a_clerk_proposes_them(
    store: Store, world: World
) -> None:
    with store.action() as session:
        clerk = add_clerk(session)
        supervisor = session.get(User, world.supervisor_id)
        assert supervisor is not None
        from fieldapp.models import Job

        job = session.get(Job, world.job_id)
        assert job is not None
        written = svc.record_licence(
            session,
            supervisor,
            job=job,
            kind=LicenceEventKind.CUSTOMER_DELIGHT,
            reason="客户来信表扬",
            now=NOW,
        )
        assert isinstance(written, LicenceEvent) and written.engineer_id == world.engineer_id
        proposed = svc.record_licence(
            session,
            clerk,
            job=job,
            kind=LicenceEventKind.OVERCHARGING,
            reason="多收工时费",
            now=NOW,
        )
        assert isinstance(proposed, JobEvent) and proposed.kind == "licence_proposed"
        with pytest.raises(DomainError) as refused:
            svc.record_licence(
                session, clerk, job=job, kind=LicenceEventKind.BROKEN_PROMISE, reason="", now=NOW
            )
        assert refused.value.code == "reason_required"
    with store.action() as session:
        [pending] = svc.pending_proposals(session)
        assert pending.kind == LicenceEventKind.OVERCHARGING
        assert pending.engineer_id == world.engineer_id and pending.reason == "多收工时费"
        with pytest.raises(DomainError) as refused:
            svc.decide_proposal(session, pending, session.get(User, clerk.id), accept=True, now=NOW)  # type: ignore[arg-type]
        assert refused.value.code == "forbidden_role"
        supervisor = session.get(User, world.supervisor_id)
        with pytest.raises(DomainError):
            svc.decide_proposal(session, pending, supervisor, accept=False, now=NOW)  # type: ignore[arg-type]
        licence = svc.decide_proposal(session, pending, supervisor, accept=True, now=NOW)  # type: ignore[arg-type]
        assert licence is not None and licence.kind == "overcharging"
        assert svc.pending_proposals(session) == []
        with pytest.raises(DomainError) as refused:
            svc.decide_proposal(session, pending, supervisor, accept=True, now=NOW)  # type: ignore[arg-type]
        assert refused.value.code == "already_decided"
    with store.reader() as session:
        kinds = sorted(e.kind for e in session.exec(select(LicenceEvent)))
        assert kinds == ["customer_delight", "overcharging"]
        decided = session.exec(select(JobEvent).where(JobEvent.kind == "licence_decided")).one()
        assert pending.event.id in decided.data and '"accepted": true' in decided.data
