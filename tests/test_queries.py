"""Paged job list and parts search of the local store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldapp.models import Job, Part
from fieldapp.queries import JobFilter, job_count, job_page, search_parts
from fieldapp.search import pinyin_initials
from fieldapp.store import Store
from tests.factories import NOW, World

PARTS = [
    ("ZY210-6021-03", "液压油回油滤芯", "Hydraulic return filter element"),
    ("ZY210-6012-01", "柴油滤芯", "Fuel filter element"),
    ("ZY210-7101-02", "动臂油缸密封包", "Boom cylinder seal kit"),
    ("ZY80-2205-00", "斗齿", "Bucket tooth"),
    ("QUY50-9001-01", "力矩限制器", "Load moment indicator"),
]


@pytest.fixture
def catalogue(store: Store, world: World) -> Store:
    with store.action(track=False) as session:
        for part_no, zh, en in PARTS:
            session.add(Part(part_no=part_no, name_zh=zh, name_en=en))
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The world's 液压油滤芯 (ZY210-6011-03) and 主泵 come first in the index.
        ("滤芯", ["ZY210-6011-03", "ZY210-6021-03", "ZY210-6012-01"]),  # a name fragment
        ("回油滤", ["ZY210-6021-03"]),
        ("油", ["ZY210-6011-03", "ZY210-6021-03", "ZY210-6012-01", "ZY210-7101-02"]),
        ("filter", ["ZY210-6011-03", "ZY210-6021-03", "ZY210-6012-01"]),
        ("FILT elem", ["ZY210-6011-03", "ZY210-6021-03", "ZY210-6012-01"]),
        ("seal", ["ZY210-7101-02"]),
        ("dbyg", ["ZY210-7101-02"]),  # pinyin initials of 动臂油缸
        ("zy210-60", ["ZY210-6011-03", "ZY210-6012-01", "ZY210-6021-03"]),  # number prefix
        ("ZY210-6011-03", ["ZY210-6011-03"]),  # what a barcode scanner types
        ("6012", ["ZY210-6012-01"]),  # a piece of the number
        ("滤芯 fuel", ["ZY210-6012-01"]),
        ("齿轮泵", []),
        ("  ", ["QUY50-9001-01", "ZY210-3101-01", "ZY210-6011-03"]),  # first page, by number
    ],
)
def test_search_parts(catalogue: Store, query: str, expected: list[str]) -> None:
    with catalogue.reader() as session:
        found = [
            p.part_no for p in search_parts(session, query, limit=3 if not query.strip() else 50)
        ]
    assert found == expected


def test_search_pages_and_skips_deleted_parts(catalogue: Store) -> None:
    with catalogue.action() as session:
        session.add(Part(part_no="ZY210-6013-01", name_zh="空气滤芯", name_en="Air filter"))
    with catalogue.reader() as session:
        first = [p.part_no for p in search_parts(session, "滤芯", limit=2)]
        second = [p.part_no for p in search_parts(session, "滤芯", limit=2, offset=2)]
        assert first + second == [
            "ZY210-6011-03",
            "ZY210-6021-03",
            "ZY210-6012-01",
            "ZY210-6013-01",
        ]
        part = search_parts(session, "柴油")[0]
    with catalogue.action() as session:
        row = session.get(Part, part.id)
        assert row
        row.deleted_at = NOW
        row.name_zh = "柴油滤芯（停用）"  # the index follows renames
    with catalogue.reader() as session:
        assert search_parts(session, "柴油") == []
        assert search_parts(session, "停用") == []


def test_pinyin_initials() -> None:
    assert pinyin_initials("液压油滤芯") == "yyylx"
    assert pinyin_initials("O形圈") == "xq"
    assert pinyin_initials("Seal") == ""


def test_job_page_filters_sorts_and_pages(store: Store, world: World) -> None:
    with store.action(track=False) as session:
        for n in range(12):
            session.add(
                Job(
                    number=f"FW-2026-{n + 500:06d}",
                    job_type="maintenance",
                    customer_id=world.customer_id,
                    assignee_id=world.engineer_id if n % 3 else world.other_engineer_id,
                    status="accepted" if n % 2 else "assigned",
                    received_at=NOW,
                    on_site_due_at=NOW + timedelta(hours=12 - n),
                    reported_symptom=f"保养{n}",
                )
            )
    mine = JobFilter(assignee_id=world.engineer_id, statuses=("accepted",))
    with store.reader() as session:
        rows = job_page(session, mine, limit=3)
        assert [r.number for r in rows] == ["FW-2026-000511", "FW-2026-000507", "FW-2026-000505"]
        assert all(r.customer_name == "合肥城建集团" and r.is_key_account for r in rows)
        assert job_count(session, mine) == 4
        rest = job_page(session, mine, offset=3, limit=3)
        assert [r.number for r in rest] == ["FW-2026-000501"]
        by_key = job_page(session, mine, after=rows[-1], limit=3)
        assert by_key == rest  # paging by the last row gives the same page as the offset
        assert job_page(session, mine, after=rest[-1]) == []
        key_only = JobFilter(key_accounts_only=True, statuses=("assigned",))
        assert job_count(session, key_only) == 7  # 6 of the 12 and the world's own job
        found = job_page(session, JobFilter(text="ZY2102025A0157"))
        assert [r.number for r in found] == ["FW-2026-000123"]  # by the machine's serial
        assert found[0].model == "ZY210"
        assert job_count(session, JobFilter(text="保养1")) == 3  # 保养1, 保养10, 保养11
        # Due at +12 h ... +1 h: only the last is due before +2 h, with the world's job,
        # which has no deadline (a job without one is due now).
        assert job_count(session, JobFilter(due_before=NOW + timedelta(hours=2))) == 2


def test_the_job_list_tabs(store: Store, world: World) -> None:
    """Done jobs newest first (paged by key backwards); jobs with unsent changes; the
    missing-information flag for a whole page."""
    from fieldapp.models import User
    from fieldapp.queries import jobs_missing_information
    from fieldapp.services.jobs import transition

    with store.action(track=False) as session:
        for n in range(7):
            session.add(
                Job(
                    number=f"FW-2026-{n + 700:06d}",
                    job_type="repair",
                    customer_id=world.customer_id,
                    assignee_id=world.engineer_id,
                    status="signed",
                    received_at=NOW,
                    on_site_due_at=NOW - timedelta(days=n),
                    reported_symptom="已完成",
                    address="安徽省合肥市蜀山区长江西路688号",
                    contact_phone="13905510001",
                )
            )
    done = JobFilter(assignee_id=world.engineer_id, statuses=("signed",), newest_first=True)
    with store.reader() as session:
        first = job_page(session, done, limit=4)
        assert [r.number[-3:] for r in first] == ["700", "701", "702", "703"]
        second = job_page(session, done, after=first[-1], limit=4)
        assert [r.number[-3:] for r in second] == ["704", "705", "706"]
        waiting = JobFilter(waiting_for_sync=True)
        assert job_count(session, waiting) == 0
    with store.action() as session:  # a local change: the job waits for the sync
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        transition(session, job, "accepted", engineer, now=NOW)  # type: ignore[arg-type]
    with store.reader() as session:
        assert [r.id for r in job_page(session, waiting)] == [world.job_id]
        ids = [r.id for r in job_page(session, JobFilter(assignee_id=world.engineer_id))]
        # The world's job is complete; the signed ones lack the model and serial.
        flagged = jobs_missing_information(session, ids, NOW.date())
        assert world.job_id not in flagged and len(flagged) == 7
        assert jobs_missing_information(session, [], NOW.date()) == set()


@pytest.mark.parametrize("newest_first", [False, True])
def test_jobs_without_a_deadline_are_not_lost_between_pages(
    store: Store, world: World, newest_first: bool
) -> None:
    with store.action(track=False) as session:
        for n in range(9):
            session.add(
                Job(
                    number=f"FW-2026-{n + 800:06d}",
                    job_type="repair",
                    customer_id=world.customer_id,
                    assignee_id=world.engineer_id,
                    status="accepted",
                    received_at=NOW,
                    on_site_due_at=None if n % 3 == 0 else NOW + timedelta(hours=n),
                )
            )
    flt = JobFilter(
        assignee_id=world.engineer_id, statuses=("accepted",), newest_first=newest_first
    )
    with store.reader() as session:
        seen: list[str] = []
        page = job_page(session, flt, limit=2)
        while page:
            seen += [r.number for r in page]
            page = job_page(session, flt, after=page[-1], limit=2)
        assert sorted(seen) == [f"FW-2026-{n + 800:06d}" for n in range(9)]
        assert len(seen) == len(set(seen)) == job_count(session, flt)
        today = JobFilter(assignee_id=world.engineer_id, due_before=NOW)
        assert job_count(session, today) == 3 + 1  # no deadline, and the world's own job


@pytest.fixture
def fitted(catalogue: Store, world: World) -> Store:
    """Main pumps of three models; only ZY210's is listed for the world's ZY210, and an
    old ZY210 filter number superseded by the current one."""
    from sqlmodel import select

    from fieldapp.models import PartCompatibility, ProductModel

    with catalogue.action(track=False) as session:
        small = session.exec(select(ProductModel).where(ProductModel.code == "ZY150")).one()
        pumps = [
            Part(part_no="ZY150-6011-01", name_zh="主泵总成", name_en="Main pump"),
            Part(part_no="ZY16-6011-01", name_zh="主泵总成", name_en="Main pump"),
            Part(part_no="ZY210-6011-01", name_zh="主泵总成", name_en="Main pump"),
            Part(
                part_no="ZY210-6021-01",
                name_zh="回油滤芯（旧）",
                name_en="Return filter (old)",
                superseded_by="ZY210-6021-03",
            ),
        ]
        session.add_all(pumps)
        session.flush()
        current = session.exec(select(Part).where(Part.part_no == "ZY210-6021-03")).one()
        session.add_all(
            [
                PartCompatibility(part_id=pumps[0].id, model_id=small.id),
                PartCompatibility(part_id=pumps[2].id, model_id=world.model_id),
                PartCompatibility(part_id=pumps[3].id, model_id=world.model_id),
                PartCompatibility(part_id=current.id, model_id=world.model_id),
            ]
        )
    return catalogue


def test_parts_that_fit_the_model_come_first(fitted: Store, world: World) -> None:
    from fieldapp.search import best_match, search_parts_for_model

    with fitted.reader() as session:
        page = search_parts_for_model(session, "zb", world.model_id)
        assert [(m.part.part_no, m.fits) for m in page.matches] == [
            ("ZY210-6011-01", True),
            ("ZY210-3101-01", False),  # the world's 主泵 has no compatibility row
            ("ZY150-6011-01", False),
            ("ZY16-6011-01", False),
        ]
        assert page.next is None
        best = best_match(page)
        assert best is not None and best.part.part_no == "ZY210-6011-01"
        # Without a model nothing is marked and the catalogue order stays.
        plain = search_parts_for_model(session, "zb", None)
        assert [m.fits for m in plain.matches] == [None] * 4
        # A number prefix: the fitting one first as well.
        numbers = search_parts_for_model(session, "zy2", world.model_id).matches
        assert numbers[0].part.part_no == "ZY210-6011-01" and numbers[0].fits
        # Nothing for the model: the scanner's Enter picks nothing.
        assert best_match(search_parts_for_model(session, "ZY16-6011", world.model_id)) is None


def test_a_superseded_part_leads_to_its_successor(fitted: Store, world: World) -> None:
    from fieldapp.search import search_parts_for_model

    with fitted.reader() as session:
        matches = search_parts_for_model(session, "ZY210-6021-01", world.model_id).matches
    assert [(m.part.part_no, m.replaces.part_no, m.fits) for m in matches] == [
        ("ZY210-6021-03", "ZY210-6021-01", True)
    ]


def test_the_model_search_pages_through_both_phases(fitted: Store, world: World) -> None:
    from fieldapp.search import search_parts_for_model

    with fitted.reader() as session:
        first = search_parts_for_model(session, "", world.model_id)
        whole = [m.part.part_no for m in first.matches]
        paged: list[str] = []
        page = search_parts_for_model(session, "", world.model_id, limit=2)
        while True:
            paged += [m.part.part_no for m in page.matches]
            if page.next is None:
                break
            page = search_parts_for_model(session, "", world.model_id, cursor=page.next, limit=2)
    assert paged == whole and len(whole) == len(set(whole))
    assert whole[:2] == ["ZY210-6011-01", "ZY210-6021-03"]


def test_each_row_says_the_next_step_and_when(store: Store, world: World) -> None:
    from datetime import UTC, datetime

    from fieldapp.models import RejectedChange
    from fieldapp.queries import day_plan
    from fieldapp.rules.jobflow import next_step

    assert [next_step(s) for s in ("assigned", "accepted", "en_route", "on_site")] == [
        "accepted",
        "departed",
        "arrived",
        "sign",
    ]
    assert next_step("closed") is None and next_step("accepted", has_rejected_changes=True) == (
        "resend"
    )
    base = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    with store.action(track=False) as session:
        for number, hour, agreed in (("FW-A", 9, None), ("FW-B", 15, 7), ("FW-C", 11, None)):
            session.add(
                Job(
                    number=number,
                    job_type="repair",
                    customer_id=world.customer_id,
                    assignee_id=world.engineer_id,
                    status="accepted",
                    received_at=NOW,
                    on_site_due_at=base + timedelta(hours=hour),
                    appointment_at=base + timedelta(hours=agreed) if agreed else None,
                    address="" if number == "FW-C" else "工地",
                )
            )
        session.add(
            RejectedChange(
                mutation_id="m-1",
                table_name="partusage",
                row_id="u-1",
                op="insert",
                fields=f'{{"job_id": "{world.job_id}"}}',
                code="stock",
                rejected_at=NOW,
            )
        )
    flt = JobFilter(assignee_id=world.engineer_id, statuses=("accepted", "assigned"))
    with store.reader() as session:
        rows = {r.number: r for r in job_page(session, flt)}
        plan = [r.number for r in day_plan(session, flt)]
        from_eight = [r.number for r in day_plan(session, flt, since=base + timedelta(hours=8))]
    # The world's job has a refused change: look at it and send again, first.
    assert rows["FW-2026-000123"].has_rejected_changes
    assert rows["FW-2026-000123"].next_step == "resend"
    assert rows["FW-A"].next_step == "departed" and not rows["FW-A"].has_rejected_changes
    # The address of the job, else the customer's; the agreed time leads the day.
    assert rows["FW-A"].address == "工地" and rows["FW-C"].address != ""
    assert rows["FW-B"].planned_at == base + timedelta(hours=7)
    assert plan == ["FW-B", "FW-A", "FW-C", "FW-2026-000123"]  # no time at all: last
    assert from_eight == ["FW-A", "FW-C"]  # the day from 08:00: no job without a time
