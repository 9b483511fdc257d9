"""The company's letterhead set at HQ, and "send the report by e-mail": queued on the
device, sent by HQ to a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import email
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import select

from fieldapp import services
from fieldapp.blobs import BlobStore
from fieldapp.company import company_profile, letterhead
from fieldapp.delivery import deliveries_for, queue_report_email, sign_off_in_force
from fieldapp.demo_company import demo_logo_png
from fieldapp.models import Job, OutboxEntry, User
from fieldapp.models.company import COMPANY_PROFILE_ID, CompanyProfile, ReportDelivery
from fieldapp.models.enums import DeliveryStatus
from fieldapp.models.enums import JobEventKind as E
from fieldapp.services.common import DomainError
from fieldapp.store import Store
from sync import protocol as p
from sync.demo import free_port
from sync.hq.company import set_company_profile, store_blob
from sync.hq.db import make_hq_engine, migrate_hq, session_scope
from sync.hq.mail import MailConfigError, Mailer, MailSettings
from tests.conftest import BACKENDS, seed_world
from tests.factories import NOW, World
from tests.sync_support import (
    HQ,
    DeviceUnderTest,
    database,
    enroll_device,
    mutation,
    picture,
    push,
)

REPO = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% the customer's copy\n%%EOF\n"
CUSTOMER = "liu.jianguo@hefei-chengjian.example.com"


# --- a real SMTP server ----------------------------------------------------------------


class Inbox:
    """aiosmtpd handler: keeps every message; refuses mailboxes named ``nobody``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def smtp_env(port: int) -> dict[str, str]:
    return {
        "FIELDAPP_HQ_SMTP_HOST": "127.0.0.1",
        "FIELDAPP_HQ_SMTP_PORT": str(port),
        "FIELDAPP_HQ_SMTP_FROM": "reports@zhongyue-machinery.cn",
        "FIELDAPP_HQ_SMTP_STARTTLS": "0",
        "FIELDAPP_HQ_URL": "https://hq.zhongyue-machinery.cn",
    }


# --- HQ and devices ----------------------------------------------------------------------


def seed(session: Any) -> World:
    world = seed_world(session)
    set_company_profile(
        session,
        {
            "name_zh": "中岳重工机械有限公司售后服务中心",
            "name_en": "Zhongyue Heavy Machinery After-Sales Service",
            "address_zh": "安徽省合肥市繁华大道88号",
            "hotline": "400-820-6688",
            "email": "service@zhongyue-machinery.cn",
        },
    )
    return world


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def served(
    backend: str, tmp_path: Path, smtp: tuple[Inbox, int]
) -> Iterator[tuple[HQ, World, Inbox]]:
    """A real HQ on loopback, seeded, whose mailer talks to the test's SMTP server."""
    inbox, port = smtp
    with database(backend, tmp_path) as url:
        server = HQ(url=url, tmp=tmp_path, env=smtp_env(port))
        migrate_hq(server.db())
        with session_scope(server.db()) as session:
            world = seed(session)
        server.start()
        try:
            yield server, world, inbox
        finally:
            server.close()


def sign_offline(device: DeviceUnderTest, world: World) -> str:
    """The engineer arrives and the customer signs, with no network; the report hash."""
    blobs = BlobStore(device.data_dir / "blobs")
    signature = blobs.put(picture("the customer's signature strokes"))
    with device.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
            services.transition(session, job, action, engineer, now=NOW)
        sign_off = services.sign_job(
            session,
            job,
            engineer,
            signer_name="刘建国",
            signature_sha256=signature,
            now=NOW + timedelta(hours=2),
        )
        return sign_off.report_hash


def queue(device: DeviceUnderTest, world: World, address: str, language: str = "zh") -> str:
    blobs = BlobStore(device.data_dir / "blobs")
    with device.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        delivery = queue_report_email(
            session, blobs, job, engineer, email=address, language=language, pdf=PDF
        )
        return delivery.id


def outbox_body(store: Store, batch_id: str) -> dict[str, Any]:
    with store.reader() as session:
        entries = session.exec(select(OutboxEntry).order_by(OutboxEntry.seq)).all()  # type: ignore[arg-type]
    return p.PushRequest(
        batch_id=batch_id,
        mutations=[
            p.Mutation(
                mutation_id=e.mutation_id,
                table=e.table_name,
                row_id=e.row_id,
                op=e.op,  # type: ignore[arg-type]
                fields=json.loads(e.fields),
                base_version=e.base_version,
            )
            for e in entries
        ],
    ).model_dump(mode="json")


def delivery_at(engine: Engine, delivery_id: str) -> ReportDelivery:
    with session_scope(engine) as session:
        row = session.get(ReportDelivery, delivery_id)
        assert row is not None
        return row


def sent_delivery(engine: Engine, delivery_id: str, timeout: float = 10.0) -> ReportDelivery:
    """The delivery once HQ recorded an outcome of its attempt (or as it is at the end)."""
    deadline = time.monotonic() + timeout
    row = delivery_at(engine, delivery_id)
    while row.status == DeliveryStatus.QUEUED and time.monotonic() < deadline:
        time.sleep(0.05)
        row = delivery_at(engine, delivery_id)
    return row


# --- the letterhead ----------------------------------------------------------------------


def test_the_letterhead_falls_back_to_the_other_language() -> None:
    profile = CompanyProfile(
        name_zh="中岳重工", address_zh="合肥市繁华大道88号", address_en="88 Fanhua Ave, Hefei"
    )
    english = letterhead(profile, "en")
    assert english["name"] == "中岳重工"  # no English name: the Chinese one
    assert english["address"] == "88 Fanhua Ave, Hefei"
    assert letterhead(profile, "zh")["address"] == "合肥市繁华大道88号"
    assert letterhead(None, "zh") == dict.fromkeys(english, "")


def test_the_profile_set_at_hq_reaches_the_device_with_its_logo(
    backend: str, tmp_path: Path
) -> None:
    with database(backend, tmp_path) as url:
        server = HQ(url=url, tmp=tmp_path)
        migrate_hq(server.db())
        with session_scope(server.db()) as session:
            seed_world(session)
        logo = tmp_path / "logo.png"
        logo.write_bytes(demo_logo_png())
        env = dict(os.environ, PYTHONUTF8="1")
        command = [sys.executable, "-m", "sync.hq.cli", "--db", url, "company", "set"]
        done = subprocess.run(
            [
                *command,
                "--name-zh",
                "中岳重工机械有限公司售后服务中心",
                "--name-en",
                "Zhongyue Heavy Machinery After-Sales Service",
                "--address-zh",
                "安徽省合肥市繁华大道88号",
                "--hotline",
                "400-820-6688",
                "--email",
                "Service@Zhongyue-Machinery.CN",
                "--logo",
                str(logo),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        refused = subprocess.run(
            [*command, "--email", "service@"], capture_output=True, text=True, env=env, cwd=REPO
        )
        assert refused.returncode == 1 and "not a valid e-mail address" in refused.stderr
        assert "Traceback" not in refused.stderr
        server.start()
        try:
            device = enroll_device(server, "zhang.wei", tmp_path / "zw")
            device.sync()
            with device.store.reader() as session:
                head = letterhead(company_profile(session), "en")
            assert head["name"] == "Zhongyue Heavy Machinery After-Sales Service"
            assert head["address"] == "安徽省合肥市繁华大道88号"  # no English address yet
            assert head["hotline"] == "400-820-6688"
            assert head["email"] == "Service@zhongyue-machinery.cn"  # the domain normalised
            assert (
                BlobStore(device.data_dir / "blobs").get(head["logo_sha256"]) == logo.read_bytes()
            )
            # A change at HQ is a new version of the same row: the next sync brings it.
            with session_scope(server.db()) as session:
                set_company_profile(session, {"hotline": "400-820-8899"}, remove_logo=True)
            device.sync()
            with device.store.reader() as session:
                profile = company_profile(session)
                assert profile is not None and profile.id == COMPANY_PROFILE_ID
                assert profile.hotline == "400-820-8899" and profile.logo_sha256 is None
                assert profile.name_zh == "中岳重工机械有限公司售后服务中心"  # kept
        finally:
            server.close()


# --- queueing on the device ----------------------------------------------------------------


def test_queueing_refuses_a_malformed_address_an_unsigned_report_and_another_job(
    store: Store, world: World, tmp_path: Path
) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        other = session.get(User, world.other_engineer_id)
        assert job and engineer and other
        with pytest.raises(DomainError) as unsigned:
            queue_report_email(
                session, blobs, job, engineer, email=CUSTOMER, language="zh", pdf=PDF
            )
        assert unsigned.value.code == "not_signed"
        for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
            services.transition(session, job, action, engineer, now=NOW)
        signed = services.sign_job(
            session, job, engineer, signer_name="刘建国", signature_sha256="a" * 64, now=NOW
        )
    with store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        other = session.get(User, world.other_engineer_id)
        assert job and engineer and other
        for bad in ("liu.jianguo@", "liu jianguo@example.com", "liu@@example.com", "刘建国"):
            with pytest.raises(DomainError) as malformed:
                queue_report_email(session, blobs, job, engineer, email=bad, language="zh", pdf=PDF)
            assert malformed.value.code == "email_invalid"
            assert f"{bad} is not a valid e-mail address" in str(malformed.value)
        with pytest.raises(DomainError) as empty:
            queue_report_email(session, blobs, job, engineer, email="  ", language="zh", pdf=PDF)
        assert empty.value.code == "email_required"
        with pytest.raises(DomainError) as theirs:
            queue_report_email(session, blobs, job, other, email=CUSTOMER, language="zh", pdf=PDF)
        assert theirs.value.code == "not_your_job"
        first = queue_report_email(
            session, blobs, job, engineer, email=CUSTOMER, language="zh", pdf=PDF, now=NOW
        )
        second = queue_report_email(
            session,
            blobs,
            job,
            engineer,
            email=" Liu@Example.COM ",
            language="en",
            pdf=PDF,
            now=NOW + timedelta(minutes=5),
        )
    assert blobs.get(first.pdf_sha256) == PDF  # the PDF kept by its hash, for the sync
    with store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        shown = deliveries_for(session, job)
        assert [d.id for d in shown] == [second.id, first.id]  # newest first
        assert shown[0].email == "Liu@example.com" and shown[0].status == DeliveryStatus.QUEUED
        assert shown[1].report_hash == signed.report_hash and shown[1].sign_off_id == signed.id
        queued = session.exec(
            select(OutboxEntry).where(OutboxEntry.table_name == "reportdelivery")
        ).all()
        assert len(queued) == 2  # saved and waiting for the sync, with the action


# --- sending at HQ ---------------------------------------------------------------------------


def test_an_email_queued_offline_is_sent_once_with_the_pdf(
    served: tuple[HQ, World, Inbox], tmp_path: Path
) -> None:
    server, world, inbox = served
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    report_hash = sign_offline(device, world)
    delivery_id = queue(device, world, CUSTOMER)
    replay = outbox_body(device.store, "replay-mail-0001")
    report = device.sync()
    assert report.rejected == 0

    messages = inbox.wait_for(1)
    assert len(messages) == 1
    message = messages[0]
    assert message["Subject"] == "FW-2026-000123号工单服务报告（中岳重工机械有限公司售后服务中心）"
    assert message["To"] == CUSTOMER
    assert message["Reply-To"] == "service@zhongyue-machinery.cn"
    assert inbox.envelopes[0] == ("reports@zhongyue-machinery.cn", [CUSTOMER])
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert report_hash in text and "400-820-6688" in text
    assert f"https://hq.zhongyue-machinery.cn/api/v1/verify/FW-2026-000123/{report_hash}" in text
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["FW-2026-000123.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == PDF

    # The server has the message a moment before HQ commits what the server answered.
    sent = sent_delivery(server.db(), delivery_id)
    assert sent.status == DeliveryStatus.SENT and sent.attempts == 1 and sent.sent_at
    device.sync()  # HQ's status comes back to the device
    with device.store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        [shown] = deliveries_for(session, job)
        assert shown.status == DeliveryStatus.SENT and shown.sent_at is not None

    # The same push again, and HQ restarted (its startup pass): nothing is sent twice.
    client = device.client()
    try:
        again = client.hq.post(f"{p.API}/sync/push", replay)
    finally:
        client.close()
    assert {r["status"] for r in again["results"]} <= {"applied", "duplicate"}
    # A re-created outbox sends the same row under a new mutation id: the same request.
    [resent] = [m for m in replay["mutations"] if m["table"] == "reportdelivery"]
    renewed = {**resent, "mutation_id": "f0000000-0000-0000-0000-000000000001"}
    [answer] = push(device, p.Mutation.model_validate(renewed), batch_id="mail-resent-0001")
    assert answer["status"] == "applied", answer
    server.restart()
    time.sleep(1.5)
    assert len(inbox.messages) == 1
    assert delivery_at(server.db(), delivery_id).attempts == 1


def test_an_english_report_mail_is_in_english(
    served: tuple[HQ, World, Inbox], tmp_path: Path
) -> None:
    server, world, inbox = served
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    device.sync()
    sign_offline(device, world)
    queue(device, world, CUSTOMER, language="en")
    device.sync()
    [message] = inbox.wait_for(1)
    assert message["Subject"] == (
        "Service report FW-2026-000123 – Zhongyue Heavy Machinery After-Sales Service"
    )
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().startswith("Dear customer,")


def test_hq_refuses_an_email_on_another_engineers_job_or_a_forged_status(
    served: tuple[HQ, World, Inbox], tmp_path: Path
) -> None:
    server, world, inbox = served
    mine = enroll_device(server, "zhang.wei", tmp_path / "zw")
    mine.sync()
    report_hash = sign_offline(mine, world)
    mine.sync()
    with mine.store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        sign_off = sign_off_in_force(session, job)
        assert sign_off is not None
    fields: dict[str, object] = {
        "job_id": world.job_id,
        "sign_off_id": sign_off.id,
        "report_hash": report_hash,
        "language": "zh",
        "email": "someone@example.com",
        "pdf_sha256": "b" * 64,
        "requested_at": NOW.isoformat(),
        "status": "queued",
        "attempts": 0,
        "last_error": "",
    }
    theirs = enroll_device(server, "li.qiang", tmp_path / "lq")
    theirs.sync()
    row = "d0000000-0000-0000-0000-000000000001"
    [refused] = push(
        theirs,
        mutation(
            1, "reportdelivery", row, "insert", {**fields, "requested_by": world.other_engineer_id}
        ),
        batch_id="mail-forged-0001",
    )
    assert refused["status"] == "rejected" and refused["code"] == "forbidden"
    mine_fields = {**fields, "requested_by": world.engineer_id}
    faked, malformed, elsewhere = push(
        mine,
        mutation(2, "reportdelivery", row, "insert", {**mine_fields, "status": "sent"}),
        mutation(3, "reportdelivery", row, "insert", {**mine_fields, "email": "x@@example.com"}),
        mutation(4, "reportdelivery", row, "insert", {**mine_fields, "report_hash": "0" * 64}),
        batch_id="mail-forged-0002",
    )
    assert faked["status"] == "rejected" and faked["code"] == "forbidden"
    assert malformed["status"] == "rejected" and malformed["code"] == "invalid_value"
    assert "not a valid e-mail address" in str(malformed["reason"])
    assert elsewhere["status"] == "rejected" and elsewhere["code"] == "hash_mismatch"
    with session_scope(server.db()) as session:
        assert session.exec(select(ReportDelivery)).all() == []
    assert inbox.messages == []


# --- the mailer in process: retries, refusals, no settings ----------------------------------


@pytest.fixture
def hq_db(backend: str, tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    """HQ's database with a signed job, its PDF blob and one queued delivery."""
    with database(backend, tmp_path) as url:
        engine = make_hq_engine(url)
        migrate_hq(engine)
        with session_scope(engine) as session:
            world = seed(session)
            job = session.get(Job, world.job_id)
            engineer = session.get(User, world.engineer_id)
            assert job and engineer
            for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
                services.transition(session, job, action, engineer, now=NOW)
            sign_off = services.sign_job(
                session, job, engineer, signer_name="刘建国", signature_sha256="a" * 64, now=NOW
            )
            delivery = ReportDelivery(
                job_id=job.id,
                sign_off_id=sign_off.id,
                report_hash=sign_off.report_hash,
                email=CUSTOMER,
                pdf_sha256=store_blob(session, PDF),
                requested_by=engineer.id,
                requested_at=NOW,
            )
            session.add(delivery)
        try:
            yield engine, delivery.id
        finally:
            engine.dispose()


def test_a_failed_send_is_retried_after_its_backoff_and_bounded(
    hq_db: tuple[Engine, str], smtp: tuple[Inbox, int]
) -> None:
    engine, delivery_id = hq_db
    inbox, port = smtp
    dead = MailSettings(host="127.0.0.1", port=free_port(), sender="r@example.com", starttls=False)
    mailer = Mailer(engine, dead, backoff=(3600,), max_attempts=2)
    assert mailer.run_once() == 0
    first = delivery_at(engine, delivery_id)
    assert first.status == DeliveryStatus.QUEUED and first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert mailer.run_once() == 0  # not yet due: the back-off holds it
    assert delivery_at(engine, delivery_id).attempts == 1
    later = first.updated_at + timedelta(seconds=3601)
    live = MailSettings(host="127.0.0.1", port=port, sender="r@example.com", starttls=False)
    assert Mailer(engine, live, backoff=(3600,), max_attempts=2).run_once(now=later) == 1
    done = delivery_at(engine, delivery_id)
    assert done.status == DeliveryStatus.SENT and done.attempts == 2 and done.last_error == ""
    assert len(inbox.messages) == 1
    assert Mailer(engine, live).run_once(now=later + timedelta(days=1)) == 0  # sent is sent


def test_a_refused_mailbox_fails_at_once_and_attempts_are_bounded(
    hq_db: tuple[Engine, str], smtp: tuple[Inbox, int]
) -> None:
    engine, delivery_id = hq_db
    inbox, port = smtp
    with session_scope(engine) as session:
        row = session.get(ReportDelivery, delivery_id)
        assert row is not None
        row.email = "nobody@example.com"
    live = MailSettings(host="127.0.0.1", port=port, sender="r@example.com", starttls=False)
    assert Mailer(engine, live).run_once() == 0
    refused = delivery_at(engine, delivery_id)
    assert refused.status == DeliveryStatus.FAILED and refused.attempts == 1
    assert "No such mailbox" in refused.last_error
    assert inbox.messages == []


def test_without_smtp_settings_deliveries_stay_queued_and_hq_says_why_once(
    hq_db: tuple[Engine, str], caplog: pytest.LogCaptureFixture
) -> None:
    engine, delivery_id = hq_db
    assert MailSettings.from_env({}) is None
    with pytest.raises(MailConfigError, match="FIELDAPP_HQ_SMTP_FROM"):
        MailSettings.from_env({"FIELDAPP_HQ_SMTP_HOST": "smtp.example.com"})
    mailer = Mailer(engine, None)
    with caplog.at_level(logging.WARNING, logger="sync.hq.mail"):
        assert mailer.run_once() == 0
        assert mailer.run_once() == 0
    said = [r for r in caplog.records if "no SMTP settings" in r.getMessage()]
    assert len(said) == 1
    row = delivery_at(engine, delivery_id)
    assert row.status == DeliveryStatus.QUEUED and row.attempts == 0
    assert mailer.queued() == 1


def test_a_delivery_waits_for_its_pdf_to_arrive(
    hq_db: tuple[Engine, str], smtp: tuple[Inbox, int]
) -> None:
    engine, delivery_id = hq_db
    inbox, port = smtp
    with session_scope(engine) as session:
        row = session.get(ReportDelivery, delivery_id)
        assert row is not None
        row.pdf_sha256 = "c" * 64  # not (yet) uploaded
    live = MailSettings(host="127.0.0.1", port=port, sender="r@example.com", starttls=False)
    assert Mailer(engine, live).run_once() == 0
    assert delivery_at(engine, delivery_id).attempts == 0 and inbox.messages == []
