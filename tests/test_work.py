"""Recording the work on site: checklists validated as filled, corrections that
supersede, entries taken back (stock returns), time under warranty, parts requests,
photos, and what is incomplete before the customer signs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import Session, select

from fieldapp import services
from fieldapp.blobs import BlobStore
from fieldapp.models import (
    ChecklistAnswer,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Job,
    Part,
    PartsRequestLine,
    PartUsage,
    TimeEntry,
    User,
)
from fieldapp.photos import PhotoError, prepare_photo, thumbnail
from fieldapp.rules.checklist import (
    AnswerValue,
    ItemProblem,
    ItemSpec,
    check_item,
    parse_number,
    range_text,
)
from fieldapp.services import work
from fieldapp.services.common import DomainError
from fieldapp.store import Store
from tests.factories import NOW, World
from tests.test_services import on_site


def repair_checklist(session: Session) -> ChecklistTemplate:
    template = ChecklistTemplate(code="REPAIR", name_zh="维修后检查", job_type="repair")
    session.add(template)
    session.flush()
    session.add_all(
        [
            ChecklistTemplateItem(
                template_id=template.id, position=1, kind="check", label_zh="试机"
            ),
            ChecklistTemplateItem(
                template_id=template.id,
                position=2,
                kind="number",
                label_zh="油温",
                min_value=30,
                max_value=80,
            ),
            ChecklistTemplateItem(
                template_id=template.id, position=3, kind="photo", label_zh="铭牌"
            ),
            ChecklistTemplateItem(
                template_id=template.id, position=4, kind="text", label_zh="备注", required=False
            ),
        ]
    )
    return template


# --- rules ---------------------------------------------------------------------------------


def test_numbers_as_typed() -> None:
    assert parse_number(" 12,5 ") == 12.5
    assert parse_number("") is None
    for bad in ("abc", "nan", "inf", "1.2.3"):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_item_problems() -> None:
    number = ItemSpec(kind="number", required=True, min_value=30, max_value=80)
    assert check_item(number, None) == [ItemProblem.UNANSWERED]
    assert check_item(number, AnswerValue(number=95)) == [ItemProblem.OUT_OF_RANGE]
    assert check_item(number, AnswerValue(number=29.9)) == [ItemProblem.OUT_OF_RANGE]
    assert check_item(number, AnswerValue(number=30)) == []
    assert check_item(number, AnswerValue(result="na")) == []
    photo = ItemSpec(kind="photo", required=True)
    assert check_item(photo, AnswerValue()) == [ItemProblem.PHOTO_MISSING]
    assert check_item(photo, AnswerValue(has_photo=True)) == []
    check = ItemSpec(kind="check", required=True)
    assert check_item(check, AnswerValue(result="fail")) == [ItemProblem.FAILED]
    assert check_item(ItemSpec(kind="text", required=False), None) == []
    assert range_text(number) == "30–80"
    assert range_text(ItemSpec(kind="number", required=True, min_value=1)) == "≥ 1"
    assert range_text(ItemSpec(kind="number", required=True, max_value=2)) == "≤ 2"


# --- checklists ----------------------------------------------------------------------------


def test_a_checklist_filled_corrected_and_validated(store: Store, world: World) -> None:
    with store.action() as session:
        template = repair_checklist(session)
        job, _ = on_site(session, world)
        assert [t.code for t in work.templates_for_job(session, job)] == ["REPAIR"]
        run = work.start_checklist(session, job, template, now=NOW)
        assert work.start_checklist(session, job, template, now=NOW).id == run.id  # one run
        items = {s.item.position: s.item for s in work.run_items(session, run)}
        work.answer_item(session, job, run, items[1], result="pass", now=NOW)
        _, problems = work.answer_item(session, job, run, items[2], number=95, now=NOW)
        assert problems == [ItemProblem.OUT_OF_RANGE]
        _, problems = work.answer_item(session, job, run, items[2], number=65, now=NOW)
        assert problems == []
        with pytest.raises(DomainError):
            work.answer_item(session, job, run, items[1], result="maybe", now=NOW)
    with store.reader() as session:
        answers = session.exec(select(ChecklistAnswer)).all()
        # The correction superseded the out-of-range answer; both are kept.
        assert sorted(a.number_value for a in answers if a.number_value) == [65, 95]
        job = session.get(Job, world.job_id)
        assert job is not None
        states = {
            s.item.position: s.problems
            for s in work.run_items(session, work.job_runs(session, job)[0])
        }
        assert states == {1: (), 2: (), 3: (ItemProblem.PHOTO_MISSING,), 4: ()}


def test_no_work_before_the_arrival(store: Store, world: World) -> None:
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        with pytest.raises(DomainError) as refused:
            work.add_time(session, job, engineer, "labour", 30)
        assert refused.value.code == "not_on_site"


# --- faults, time, parts ---------------------------------------------------------------------


def test_faults_recorded_and_corrected(store: Store, world: World) -> None:
    with store.action() as session:
        job, _ = on_site(session, world)
        fault = work.save_fault(session, job, {"assembly": "hydraulic_pump", "symptom": "无力"})
        work.save_fault(session, job, {"cause": "内泄", "fixed": True}, fault.id)
        assert (fault.cause, fault.fixed) == ("内泄", True)
        with pytest.raises(DomainError):
            work.save_fault(session, job, {"symptom": " "})
        with pytest.raises(DomainError):
            work.save_fault(session, job, {"colour": "red", "symptom": "x"})
        with pytest.raises(DomainError):
            work.save_fault(session, job, {"assembly": "wings", "symptom": "x"})


def test_a_part_taken_back_returns_to_the_van(store: Store, world: World) -> None:
    with store.action() as session:
        job, engineer = on_site(session, world)
        pump = session.get(Part, world.pump_id)
        assert pump is not None
        usage = services.use_part(session, job, pump, 2, engineer, location_id=world.van_id)
        session.flush()
        assert services.stock_on_hand(session, world.van_id)[pump.id] == 2
        work.remove_entry(session, job, PartUsage, usage.id, engineer)
        session.flush()
        assert services.stock_on_hand(session, world.van_id)[pump.id] == 4
        assert usage.deleted_at is not None
        with pytest.raises(DomainError):
            work.remove_entry(session, job, PartUsage, "not-a-row", engineer)


def test_labour_is_free_under_warranty_travel_is_never_charged(store: Store, world: World) -> None:
    with store.action() as session:
        job, engineer = on_site(session, world)
        labour = work.add_time(session, job, engineer, "labour", 90, now=NOW)
        travel = work.add_time(session, job, engineer, "travel", 40, now=NOW)
        assert labour.warranty is True  # the machine is in its two-year warranty
        assert travel.warranty is True
        with pytest.raises(DomainError):
            work.add_time(session, job, engineer, "labour", 0, now=NOW)
        with pytest.raises(DomainError):
            work.add_time(session, job, engineer, "coffee", 10, now=NOW)
        later = NOW + timedelta(days=3 * 365)
        assert work.add_time(session, job, engineer, "labour", 30, now=later).warranty is False
    with store.reader() as session:
        assert len(session.exec(select(TimeEntry)).all()) == 3


def test_a_parts_request_goes_to_the_van(store: Store, world: World) -> None:
    with store.action() as session:
        job, engineer = on_site(session, world)
        pump = session.get(Part, world.pump_id)
        oil_filter = session.get(Part, world.filter_id)
        assert pump and oil_filter
        request = work.request_parts(session, job, engineer, [(pump, 1), (oil_filter, 2)], now=NOW)
        assert request.to_location_id == world.van_id
        assert request.warranty is True  # the pump is a warranty part: shipped first
        with pytest.raises(DomainError):
            work.request_parts(session, job, engineer, [(pump, 0)])
    with store.reader() as session:
        assert len(session.exec(select(PartsRequestLine)).all()) == 2


# --- photos -------------------------------------------------------------------------------------


def jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        exif.get_ifd(0x8769)[36867] = "2026:11:20 10:30:00"
        image.save(out, "JPEG", exif=exif.tobytes())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def test_photos_are_turned_upright_and_downscaled() -> None:
    photo = prepare_photo(jpeg(4000, 3000, orientation=6))
    assert (photo.width, photo.height) == (1536, 2048)
    assert photo.taken_at is not None and photo.taken_at.year == 2026
    again = Image.open(io.BytesIO(photo.data))
    assert again.size == (1536, 2048) and again.getexif().get(0x0112) in (None, 1)
    small = prepare_photo(jpeg(800, 600))
    assert (small.width, small.height) == (800, 600) and small.taken_at is None
    assert max(Image.open(io.BytesIO(thumbnail(photo.data))).size) == 320
    with pytest.raises(PhotoError):
        prepare_photo(b"not a picture")


def test_a_photo_is_stored_by_its_hash(store: Store, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    blobs = BlobStore(tmp_path / "blobs")
    with store.action() as session:
        job, _ = on_site(session, world)
        attachment = work.add_photo(session, blobs, job, jpeg(3000, 2000), caption=" 铭牌 ")
        assert blobs.verify(attachment.sha256)
        assert (attachment.width, attachment.caption, attachment.kind) == (2048, "铭牌", "photo")


# --- before the signature -------------------------------------------------------------------------


def test_what_is_incomplete_comes_first(store: Store, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with store.action() as session:
        template = repair_checklist(session)
        job, engineer = on_site(session, world)
        codes = [g.code for g in work.report_gaps(session, job)]
        assert codes == ["checklist_missing", "no_fault", "no_labour"]
        run = work.start_checklist(session, job, template, now=NOW)
        items = {s.item.position: s.item for s in work.run_items(session, run)}
        work.answer_item(session, job, run, items[2], number=120, now=NOW)
        work.save_fault(session, job, {"assembly": "engine", "symptom": "冒黑烟"})
        work.add_time(session, job, engineer, "labour", 60, now=NOW)
        gaps = work.report_gaps(session, job)
        assert [g.code for g in gaps] == [
            "unanswered",
            "photo_missing",
            "out_of_range",
            "fault_not_fixed",
        ]
        assert gaps[0].subject == "试机"
        blobs = BlobStore(tmp_path / "blobs")
        sign_off = work.sign_with_signature(
            session, blobs, job, engineer, b"\x89PNG signature", signer_name="刘建国", now=NOW
        )
        assert blobs.has(sign_off.signature_sha256)
        assert job.status == "signed"


# --- the work tabs' rules: travel from the register, assemblies, yes/no, the timer -------


def test_travel_is_offered_from_the_register_rounded_and_once(store: Store, world: World) -> None:
    from fieldapp.models.enums import JobEventKind as E

    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        services.transition(session, job, E.ACCEPTED, engineer, now=NOW)
        assert work.travel_from_register(session, job) is None  # no trip yet
        services.transition(session, job, E.DEPARTED, engineer, now=NOW)
        assert work.travel_from_register(session, job) is None  # on the road
        services.transition(session, job, E.ARRIVED, engineer, now=NOW + timedelta(minutes=47))
        offer = work.travel_from_register(session, job)
        assert offer is not None and offer.minutes == 45  # 47 min, to the nearest 5
        assert (offer.departed_at, offer.arrived_at) == (NOW, NOW + timedelta(minutes=47))
        entry = work.record_travel_from_register(session, job, engineer)
        assert (entry.kind, entry.minutes, entry.started_at) == ("travel", 45, NOW)
        session.flush()
        assert work.travel_from_register(session, job) is None  # not offered twice
        with pytest.raises(DomainError):
            work.record_travel_from_register(session, job, engineer)
        # Taken back, it is offered again.
        work.remove_entry(session, job, TimeEntry, entry.id, engineer)
        session.flush()
        offer = work.travel_from_register(session, job)
        assert offer is not None and offer.minutes == 45


def test_assemblies_follow_the_product_family() -> None:
    from fieldapp.rules.assemblies import assemblies_for

    excavator = assemblies_for("crawler_excavator")
    assert "boom_crane" not in excavator and "work_equipment" in excavator
    assert "drive_axle" not in excavator and "undercarriage" in excavator
    wheeled = assemblies_for("wheeled_excavator")
    assert "drive_axle" in wheeled and "gearbox" in wheeled and "boom_crane" not in wheeled
    crane = assemblies_for("crawler_crane")
    assert "boom_crane" in crane and "work_equipment" not in crane
    assert len(assemblies_for(None)) == len(assemblies_for("unknown")) == 14


def test_a_yes_no_item_takes_yes_or_no() -> None:
    from fieldapp.rules.checklist import results_for

    spec = ItemSpec(kind="yes_no", required=True)
    assert results_for("yes_no") == ("yes", "no")
    assert results_for("check") == ("pass", "fail", "na")
    assert check_item(spec, AnswerValue(result="yes")) == []
    assert check_item(spec, AnswerValue(result="no")) == [ItemProblem.FAILED]
    assert check_item(spec, AnswerValue(result="pass")) == [ItemProblem.UNANSWERED]
    check = ItemSpec(kind="check", required=True)
    assert check_item(check, AnswerValue(result="yes")) == [ItemProblem.UNANSWERED]


def test_a_yes_answer_is_stored_as_yes(store: Store, world: World) -> None:
    with store.action() as session:
        job, _engineer = on_site(session, world)
        template = ChecklistTemplate(code="CONDUCT", name_zh="现场服务规范", job_type="repair")
        session.add(template)
        session.flush()
        item = ChecklistTemplateItem(
            template_id=template.id, position=1, kind="yes_no", label_zh="穿着统一工作服"
        )
        session.add(item)
        session.flush()
        run = work.start_checklist(session, job, template, now=NOW)
        session.flush()
        answer, problems = work.answer_item(session, job, run, item, result="yes", now=NOW)
        assert (answer.result, problems) == ("yes", [])


def test_the_labour_timer_counts_pauses_out_and_rounds_to_the_minute() -> None:
    from fieldapp.timer import LabourTimer

    timer = LabourTimer.started(NOW)
    timer = timer.pause(NOW + timedelta(minutes=10, seconds=20))
    assert not timer.running and timer.minutes(NOW + timedelta(hours=3)) == 10
    timer = timer.resume(NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=1, minutes=5, seconds=15)
    assert timer.elapsed_seconds(later) == 15 * 60 + 35
    assert timer.minutes(later) == 16
    again = LabourTimer.from_json(timer.to_json())
    assert again == timer and again.first_started == NOW
    assert LabourTimer.from_json("") is None and LabourTimer.from_json("{broken") is None


def test_the_newest_camera_pictures_come_first(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from fieldapp.photos import newest_pictures, thumbnail_file

    (tmp_path / "Camera").mkdir()
    (tmp_path / ".thumbnails").mkdir()
    for n, name in enumerate(["Camera/a.jpg", "b.png", "Camera/c.JPG", ".thumbnails/t.jpg"]):
        Image.new("RGB", (800, 600), "red").save(
            tmp_path / name, "PNG" if "png" in name else "JPEG"
        )
        os.utime(tmp_path / name, (1_700_000_000 + n, 1_700_000_000 + n))
    (tmp_path / "notes.txt").write_text("not a picture")
    found = newest_pictures(tmp_path)
    assert [p.name for p in found] == ["c.JPG", "b.png", "a.jpg"]
    assert newest_pictures(tmp_path / "missing") == []
    with Image.open(io.BytesIO(thumbnail_file(found[0], 160))) as thumb:
        assert max(thumb.size) == 160
    with pytest.raises(PhotoError):
        thumbnail_file(tmp_path / "notes.txt")
