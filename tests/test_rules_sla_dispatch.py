from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.rules.dispatch import DispatchInfo, IssueKind, check_dispatch, is_valid_phone
from fieldapp.rules.sla import (
    DeadlineState,
    RegionReach,
    deadline_state,
    dispatch_priority,
    job_deadlines,
    region_reach,
)

CALL = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Hefei


@pytest.mark.parametrize(
    ("reach", "on_site_within"),
    [
        (RegionReach.HOME, timedelta(hours=2)),
        (RegionReach.ELSEWHERE, timedelta(hours=24)),
        (RegionReach.REMOTE, timedelta(days=5)),
    ],
)
def test_urgent_breakdown_deadlines_by_region(
    reach: RegionReach, on_site_within: timedelta
) -> None:
    deadlines = job_deadlines(CALL, "urgent", reach)
    assert deadlines.answer_by == CALL + timedelta(hours=4)
    assert deadlines.on_site_by == CALL + on_site_within


def test_non_urgent_job_is_due_at_the_agreed_time() -> None:
    appointment = CALL + timedelta(days=2, hours=1)
    assert (
        job_deadlines(CALL, "normal", RegionReach.HOME, appointment_at=appointment).on_site_by
        == appointment
    )
    # The urgent promise holds even if a later appointment was written down.
    assert job_deadlines(
        CALL, "urgent", RegionReach.HOME, appointment_at=appointment
    ).on_site_by == CALL + timedelta(hours=2)
    assert job_deadlines(CALL, "low", RegionReach.REMOTE).on_site_by == CALL + timedelta(days=3)


def test_region_reach() -> None:
    assert region_reach(True, False) == RegionReach.HOME
    assert region_reach(False, False) == RegionReach.ELSEWHERE
    assert region_reach(False, True) == RegionReach.REMOTE


def test_deadline_met_exactly_on_time_and_missed_a_minute_late() -> None:
    due = CALL + timedelta(hours=2)
    assert deadline_state(due, due, due + timedelta(days=1)) == DeadlineState.MET
    assert deadline_state(due, due + timedelta(minutes=1), due) == DeadlineState.MISSED
    assert deadline_state(due, None, due) == DeadlineState.PENDING
    assert deadline_state(due, None, due + timedelta(seconds=1)) == DeadlineState.OVERDUE


def test_dispatch_priority_urgent_then_key_account_then_deadline() -> None:
    now = CALL
    later = CALL + timedelta(hours=5)
    keys = [
        (
            "normal key",
            dispatch_priority(urgency="normal", is_key_account=True, on_site_by=CALL, now=now),
        ),
        (
            "urgent late",
            dispatch_priority(urgency="urgent", is_key_account=False, on_site_by=later, now=now),
        ),
        (
            "urgent key",
            dispatch_priority(urgency="urgent", is_key_account=True, on_site_by=later, now=now),
        ),
        (
            "urgent soon",
            dispatch_priority(urgency="urgent", is_key_account=False, on_site_by=CALL, now=now),
        ),
    ]
    assert [name for name, _ in sorted(keys, key=lambda k: k[1])] == [
        "urgent key",
        "urgent soon",
        "urgent late",
        "normal key",
    ]


COMPLETE = DispatchInfo(
    job_type="repair",
    customer_name="合肥城建集团",
    address="安徽省合肥市蜀山区长江西路 688 号工地",
    phone="13905510001",
    model="ZY210",
    serial="ZY2102023A0157",
    purchase_date=date(2024, 5, 6),
    symptom="动臂提升无力，液压油温高",
    request="明天上午到场",
    known_models=frozenset({"ZY210", "ZY150"}),
    machine_on_file_model="ZY210",
)
TODAY = date(2026, 11, 23)


def test_complete_dispatch_has_no_issues() -> None:
    assert check_dispatch(COMPLETE, TODAY) == []


def replace(**changes: object) -> DispatchInfo:
    from dataclasses import replace as dc_replace

    return dc_replace(COMPLETE, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field", "kind", "code"),
    [
        ({"customer_name": ""}, "customer_name", IssueKind.MISSING, "customer_name_missing"),
        ({"address": " "}, "address", IssueKind.MISSING, "address_missing"),
        ({"address": "合肥"}, "address", IssueKind.SUSPICIOUS, "address_too_vague"),
        ({"phone": ""}, "phone", IssueKind.MISSING, "phone_missing"),
        ({"phone": "1390551"}, "phone", IssueKind.SUSPICIOUS, "phone_invalid"),
        ({"model": ""}, "model", IssueKind.MISSING, "model_missing"),
        ({"model": "ZX999"}, "model", IssueKind.SUSPICIOUS, "model_unknown"),
        ({"model": "ZY150"}, "model", IssueKind.SUSPICIOUS, "model_differs_from_file"),
        ({"serial": ""}, "serial", IssueKind.MISSING, "serial_missing"),
        ({"serial": "编号?"}, "serial", IssueKind.SUSPICIOUS, "serial_malformed"),
        ({"purchase_date": None}, "purchase_date", IssueKind.MISSING, "purchase_date_missing"),
        (
            {"purchase_date": date(2027, 1, 1)},
            "purchase_date",
            IssueKind.SUSPICIOUS,
            "purchase_date_in_future",
        ),
        ({"symptom": ""}, "symptom", IssueKind.MISSING, "symptom_missing"),
        ({"symptom": "坏了"}, "symptom", IssueKind.SUSPICIOUS, "symptom_too_short"),
        ({"request": ""}, "request", IssueKind.MISSING, "request_missing"),
    ],
)
def test_each_missing_or_suspicious_field_is_named(
    changes: dict[str, object], field: str, kind: IssueKind, code: str
) -> None:
    issues = check_dispatch(replace(**changes), TODAY)
    assert [(i.field, i.kind, i.code) for i in issues] == [(field, kind, code)]


def test_training_job_needs_no_machine_or_symptom() -> None:
    info = replace(job_type="training", model="", serial="", purchase_date=None, symptom="")
    assert check_dispatch(info, TODAY) == []


@pytest.mark.parametrize(
    ("phone", "valid"),
    [
        ("13905510001", True),
        ("+86 13905510001", True),
        ("0551-62345678", True),
        ("055162345678", True),
        ("010-8888 8888", True),
        ("010-888", False),
        ("12905510001", False),
        ("1390551000", False),
        ("abc", False),
    ],
)
def test_phone_numbers(phone: str, valid: bool) -> None:
    assert is_valid_phone(phone) == valid
