"""A report returned for rework, corrected and signed again as a new revision: by the
customer when what they pay for or had done changed, by the engineer alone when only
the company's own record changed (fieldapp.rules.review.customer_must_sign_again)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from fieldapp import services
from fieldapp.blobs import BlobStore
from fieldapp.models import Job, Part, PartUsage, Review, SignOff, User
from fieldapp.models.enums import JobEventKind, ReviewDecision
from fieldapp.rules.report_hash import report_hash
from fieldapp.services import work
from fieldapp.services.common import DomainError
from fieldapp.services.jobs import transition
from fieldapp.signoffs import report_in_force
from fieldapp.store import Store
from tests.factories import NOW, World
from tests.test_services import on_site
from tests.test_ui_signoff import demo  # noqa: F401  (the fixture)


def signed_then_returned(session: Session, world: World, blobs: BlobStore) -> tuple[Job, User]:
    job, engineer = on_site(session, world)
    pump = session.get(Part, world.pump_id)
    assert pump is not None
    services.use_part(session, job, pump, 1, engineer, location_id=world.van_id)
    work.save_fault(session, job, {"assembly": "hydraulic_pump", "symptom": "无力", "fixed": True})
    work.add_time(session, job, engineer, "labour", 60, now=NOW)
    acknowledged = [g.key for g in work.customer_gaps(work.report_gaps(session, job))]
    first = work.sign_with_signature(
        session,
        blobs,
        job,
        engineer,
        b"\x89PNG customer",
        signer_name="刘建国",
        now=NOW,
        engineer_signature_png=b"\x89PNG engineer",
        acknowledged=acknowledged,
        engineer_reason="",
    )
    session.flush()
    supervisor = session.get(User, world.supervisor_id)
    assert supervisor is not None
    session.add(
        Review(
            job_id=job.id,
            signoff_id=first.id,
            reviewer_id=supervisor.id,
            decision=ReviewDecision.RETURNED,
            reason="missing_photo",
            comment="铭牌照片",
            report_hash=first.report_hash,
            reviewed_at=NOW + timedelta(hours=2),
        )
    )
    transition(
        session,
        job,
        JobEventKind.RETURNED,
        supervisor,
        now=NOW + timedelta(hours=2),
        reason="缺铭牌照片",
    )
    session.flush()
    return job, engineer


def test_a_correction_of_the_company_record_is_signed_by_the_engineer_alone(
    store: Store, world: World, tmp_path: Path
) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    with store.action() as session:
        job, engineer = signed_then_returned(session, world, blobs)
        first = report_in_force(session, job.id)
        assert first is not None
        # The returned report is reworked: the missing photo is added.
        work.add_photo(session, blobs, job, _jpeg(), caption="铭牌")
        assert work.amendment_customer_changes(session, job, engineer) == []
        second = work.sign_amendment(
            session,
            blobs,
            job,
            engineer,
            engineer_signature_png=b"\x89PNG engineer again",
            now=NOW + timedelta(hours=3),
        )
        session.flush()
        content = json.loads(second.content)
        assert second.amends_id == first.id and job.status == "signed"
        assert content["sign_off"]["customer_signed"] == first.report_hash
        assert content["sign_off"]["amends"] == first.report_hash
        assert second.signature_sha256 == first.signature_sha256  # the customer's, carried
        assert second.report_hash == report_hash(content) != first.report_hash
        assert len(content["photos"]) == 1
        assert report_in_force(session, job.id).id == second.id  # type: ignore[union-attr]
        assert session.get(SignOff, first.id).content == first.content  # type: ignore[union-attr]


def test_a_correction_of_what_the_customer_pays_needs_their_signature_again(
    store: Store, world: World, tmp_path: Path
) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    with store.action() as session:
        job, engineer = signed_then_returned(session, world, blobs)
        usage = session.exec(select(PartUsage).where(PartUsage.job_id == job.id)).one()
        usage.quantity = 2  # the wrong quantity was charged
        session.flush()
        changes = work.amendment_customer_changes(session, job, engineer)
        assert changes and any("quantity" in change.path for change in changes)
        with pytest.raises(DomainError) as refused:
            work.sign_amendment(session, blobs, job, engineer, engineer_signature_png=b"\x89PNG e")
        assert refused.value.code == "customer_must_sign"
        acknowledged = [g.key for g in work.customer_gaps(work.report_gaps(session, job))]
        second = work.sign_with_signature(
            session,
            blobs,
            job,
            engineer,
            b"\x89PNG customer again",
            signer_name="刘建国",
            now=NOW + timedelta(hours=4),
            engineer_signature_png=b"\x89PNG engineer",
            acknowledged=acknowledged,
        )
        assert "customer_signed" not in json.loads(second.content)["sign_off"]
        assert second.amends_id is not None


def test_a_report_that_was_not_returned_is_not_amended(
    store: Store, world: World, tmp_path: Path
) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    with store.action() as session:
        job, engineer = on_site(session, world)
        assert work.amendment_customer_changes(session, job, engineer) is None
        with pytest.raises(DomainError) as refused:
            work.sign_amendment(session, blobs, job, engineer, engineer_signature_png=b"x")
        assert refused.value.code == "not_returned"


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(out, "JPEG")
    return out.getvalue()


# --- through the window ----------------------------------------------------------------------


def test_the_engineer_signs_a_correction_of_the_company_record_alone_in_the_window(
    qtbot: Any, demo: tuple[Store, Path]  # noqa: F811
) -> None:
    from tests.test_ui_signoff import draw, open_sign_off, the_job
    from tests.ui_support import button_named, tap

    store, folder = demo
    blobs = BlobStore(folder / "blobs")
    with store.action() as session:
        job = the_job(session)
        engineer = session.get(User, job.assignee_id)
        supervisor = session.exec(select(User).where(User.login == "wang.min")).one()
        assert engineer is not None
        gaps = work.report_gaps(session, job)
        first = work.sign_with_signature(
            session,
            blobs,
            job,
            engineer,
            b"\x89PNG customer",
            signer_name="汪德才",
            engineer_signature_png=b"\x89PNG engineer",
            acknowledged=[g.key for g in work.customer_gaps(gaps)],
            engineer_reason="回站补录",
        )
        session.flush()
        session.add(
            Review(
                job_id=job.id,
                signoff_id=first.id,
                reviewer_id=supervisor.id,
                decision=ReviewDecision.RETURNED,
                reason="missing_photo",
                comment="补铭牌照片",
                report_hash=first.report_hash,
                reviewed_at=first.signed_at + timedelta(hours=1),
            )
        )
        transition(session, job, JobEventKind.RETURNED, supervisor, reason="补铭牌照片")
        session.flush()
        work.add_photo(session, blobs, job, _jpeg(), caption="铭牌")
    _window, page = open_sign_off(qtbot, store, folder)
    signoff = page.signoff
    assert signoff.alone_card.isVisibleTo(signoff)
    assert not signoff.sign_card.isVisibleTo(signoff)  # no customer pad to fill
    assert "补铭牌照片" in signoff.returned_text.text()
    # The company's own open items still need the engineer's reason.
    tap(qtbot, button_named(signoff, "record_reason"))
    dialog = signoff.reason_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.text.setPlainText("回站补录")
    dialog._check()
    draw(qtbot, page, signoff.engineer_pad, wave=4)
    page.tabs.currentWidget().ensureWidgetVisible(signoff.sign_button)
    with qtbot.waitSignal(signoff.report_ready, timeout=60_000):
        tap(qtbot, signoff.sign_button)
    assert not signoff.sign_error.text(), signoff.sign_error.text()
    with store.reader() as session:
        second = report_in_force(session, the_job(session).id)
        assert second is not None and second.amends_id == first.id
        content = json.loads(second.content)
    assert content["sign_off"]["customer_signed"] == first.report_hash
    assert second.signature_sha256 == first.signature_sha256
