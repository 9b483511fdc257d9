"""One scope check at every door of HQ (sync/hq/scope.py): push, pull, checksums, blobs
and the JSON API. Each test is a hole found when HQ was tried as an attacker would;
each fails without the check. On SQLite and PostgreSQL (the ``hq`` fixture)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from sqlmodel import select

from fieldapp import services
from fieldapp.blobs import BlobStore
from fieldapp.delivery import sign_off_in_force
from fieldapp.models import (
    Attachment,
    Complaint,
    Customer,
    Job,
    JobEvent,
    Machine,
    Part,
    Review,
    SignOff,
    StockMovement,
    Team,
    User,
)
from fieldapp.models.enums import JobEventKind as E
from fieldapp.rules.report_hash import canonical_bytes, report_hash
from fieldapp.wire import row_to_wire
from sync import protocol as p
from sync.hq.db import session_scope
from tests.factories import NOW, World
from tests.sync_support import HQ, DeviceUnderTest, enroll_device, mutation, push

HQWorld = tuple[HQ, World]
TEAM_B_CUSTOMER = "C200"


def image(colour: tuple[int, int, int], kind: str = "JPEG") -> bytes:
    """A small, decodable picture (HQ checks that a photo is an image)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, kind)
    return out.getvalue()


def auth(device: DeviceUnderTest) -> dict[str, str]:
    client = device.client()
    try:
        return {"Authorization": str(client.hq.http.headers["Authorization"])}
    finally:
        client.close()


def add_team_b(server: HQ, world: World) -> dict[str, str]:
    """A second service centre (its supervisor, engineer, customer, machine and job), an
    administrator, a job of team A's li.qiang at that customer and a job with no team."""
    with session_scope(server.db()) as session:
        team = Team(name_zh="芜湖服务站", name_en="Wuhu service centre", region_id=world.region_id)
        session.add(team)
        session.flush()
        supervisor = User(login="zhao.lei", display_name="赵磊", role="supervisor", team_id=team.id)
        engineer = User(login="sun.li", display_name="孙立", role="engineer", team_id=team.id)
        admin = User(login="admin", display_name="管理员", role="admin")
        customer = Customer(code=TEAM_B_CUSTOMER, name="芜湖港务", region_id=world.region_id)
        session.add_all([supervisor, engineer, admin, customer])
        session.flush()
        machine = session.get(Machine, world.machine_id)
        li = session.get(User, world.other_engineer_id)
        assert machine and li
        team_a = li.team_id
        other_machine = Machine(
            customer_id=customer.id, model_id=machine.model_id, serial="ZY2102025B0001"
        )
        b_job = Job(
            number="FW-2026-000200",
            job_type="repair",
            status="assigned",
            customer_id=customer.id,
            team_id=team.id,
            assignee_id=engineer.id,
            received_at=NOW,
        )
        # li.qiang (team A) works at team B's customer too: his own job there.
        li_job = Job(
            number="FW-2026-000201",
            job_type="repair",
            status="on_site",
            customer_id=customer.id,
            team_id=team_a,
            assignee_id=world.other_engineer_id,
            received_at=NOW,
        )
        orphan = Job(
            number="FW-2026-000202",
            job_type="repair",
            status="new",
            customer_id=customer.id,
            received_at=NOW,
        )
        session.add_all([other_machine, b_job, li_job, orphan])
        session.flush()
        return {
            "team": team.id,
            "supervisor": supervisor.id,
            "engineer": engineer.id,
            "customer": customer.id,
            "machine": other_machine.id,
            "b_job": b_job.id,
            "li_job": li_job.id,
        }


def sign_at_site(device: DeviceUnderTest, world: World) -> SignOff:
    """The engineer's visit: a part used, the customer signs."""
    blobs = BlobStore(device.data_dir / "blobs")
    signature = blobs.put(image((10, 10, 10), "PNG"))
    with device.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        part = session.get(Part, world.filter_id)
        assert job and engineer and part
        for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
            services.transition(session, job, action, engineer, now=NOW)
        services.use_part(session, job, part, 1, engineer, location_id=world.van_id, now=NOW)
    with device.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        sign_off = services.sign_job(
            session,
            job,
            engineer,
            signer_name="刘建国",
            signature_sha256=signature,
            opinion="满意",
            now=NOW + timedelta(hours=2),
        )
        session.flush()
        return SignOff.model_validate(row_to_wire(sign_off))


def forged_amendment(signed: SignOff, amount_cents: int, *, amends: bool = True) -> SignOff:
    """What a device can send: the same report with another amount, "amending" the
    signed one (or posing as a first signature), its hash recomputed."""
    content: dict[str, Any] = json.loads(signed.content)
    content["amount_cents"] = amount_cents
    content["charges"]["total_cents"] = amount_cents
    content["sign_off"]["amends"] = signed.report_hash if amends else None
    content["sign_off"]["signed_at"] = "2026-11-23T05:00:00.000000Z"
    return SignOff(
        job_id=signed.job_id,
        signer_name=signed.signer_name,
        opinion=signed.opinion,
        signature_sha256=signed.signature_sha256,
        report_hash=report_hash(content),
        content=canonical_bytes(content).decode("utf-8"),
        signed_at=NOW + timedelta(hours=4),
        engineer_id=signed.engineer_id,
        amends_id=signed.id if amends else None,
    )


def insert(n: int, row: Any) -> Any:
    fields = row_to_wire(row)
    return mutation(n, row.__tablename__, row.id, "insert", fields, base=0)


def test_a_signed_report_is_replaced_only_after_the_supervisor_returned_it(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    engineer = enroll_device(server, "zhang.wei", tmp_path / "zw")
    supervisor = enroll_device(server, "wang.min", tmp_path / "wm")
    engineer.sync()
    signed = sign_at_site(engineer, world)
    assert engineer.sync().rejected == 0
    original = json.loads(signed.content)["amount_cents"]
    assert original >= 28000  # at least the oil filter's ¥280.00

    # The engineer "amends" the signed report to ¥0.01 without a return: refused, and a
    # second first signature is refused too.
    cheaper = forged_amendment(signed, 1)
    second = forged_amendment(signed, 1, amends=False)
    results = push(engineer, insert(1, cheaper), insert(2, second))
    assert [r["code"] for r in results] == ["amendment_not_returned", "already_signed"]
    base = server.base
    report = requests.get(
        f"{base}/api/v1/jobs/FW-2026-000123/report", headers=auth(supervisor), timeout=10
    ).json()
    assert report["report_hash"] == signed.report_hash
    assert report["content"]["amount_cents"] == original

    # The supervisor returns the report (as the supervisor's desk will write it).
    with session_scope(server.db()) as session:
        session.add(
            Review(
                job_id=world.job_id,
                signoff_id=signed.id,
                reviewer_id=world.supervisor_id,
                decision="returned",
                comment="金额有误，请与客户重新确认",
                reviewed_at=NOW + timedelta(hours=3),
            )
        )
        job = session.get(Job, world.job_id)
        assert job
        job.status = "returned"
    amended = forged_amendment(signed, 1)
    assert [r["code"] for r in push(engineer, insert(3, amended), batch_id="batch-0002")] == [""]
    report = requests.get(
        f"{base}/api/v1/jobs/FW-2026-000123/report", headers=auth(supervisor), timeout=10
    ).json()
    assert report["report_hash"] == amended.report_hash
    assert report["amends_hash"] == signed.report_hash
    assert report["content"]["amount_cents"] == 1

    # The customer's paper copy still verifies: as a genuine report, superseded.
    old = requests.get(
        f"{base}/api/v1/verify/FW-2026-000123/{signed.report_hash}", timeout=10
    ).json()
    assert old["matches"] is True and old["status"] == "superseded"
    assert old["in_force"] is False and old["in_force_hash"] == amended.report_hash
    new = requests.get(
        f"{base}/api/v1/verify/FW-2026-000123/{amended.report_hash}", timeout=10
    ).json()
    assert new["matches"] is True and new["in_force"] is True and new["in_force_hash"] is None

    # A second amendment of the same, now replaced, report is refused.
    again = forged_amendment(signed, 2)
    assert (
        push(engineer, insert(4, again), batch_id="batch-0003")[0]["code"]
        == "amendment_not_in_force"
    )

    # The device, from the rows HQ sent, names the same report in force (one definition).
    engineer.sync()
    with engineer.store.reader() as session:
        job = session.get(Job, world.job_id)
        assert job
        in_force = sign_off_in_force(session, job)
        assert in_force is not None and in_force.report_hash == amended.report_hash


def test_supervisors_act_only_on_their_teams_jobs_through_the_json_api(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    team_b = add_team_b(server, world)
    wang = enroll_device(server, "wang.min", tmp_path / "wm")  # team A
    zhao = enroll_device(server, "zhao.lei", tmp_path / "zl")  # team B
    admin = enroll_device(server, "admin", tmp_path / "admin")
    engineer = enroll_device(server, "zhang.wei", tmp_path / "zw")
    engineer.sync()
    sign_at_site(engineer, world)
    engineer.sync()
    base = server.base

    # Team B's supervisor reads team A's signed report (team B does not serve C001).
    peek = requests.get(f"{base}/api/v1/jobs/FW-2026-000123/report", headers=auth(zhao), timeout=10)
    assert peek.status_code == 403 and peek.json()["code"] == "out_of_scope"
    own = requests.get(f"{base}/api/v1/jobs/FW-2026-000123/report", headers=auth(wang), timeout=10)
    assert own.status_code == 200

    # ... or takes team B's job for team A, or team A's job for team B.
    take = requests.post(
        f"{base}/api/v1/jobs/FW-2026-000200/assign",
        headers=auth(wang),
        json={"engineer_login": "li.qiang"},
        timeout=10,
    )
    assert take.status_code == 403 and take.json()["code"] == "forbidden"
    give = requests.post(
        f"{base}/api/v1/jobs/FW-2026-000200/assign",
        headers=auth(zhao),
        json={"engineer_login": "li.qiang"},
        timeout=10,
    )
    assert give.status_code == 403
    # A job without a team: an administrator's only.
    orphan = requests.post(
        f"{base}/api/v1/jobs/FW-2026-000202/assign",
        headers=auth(wang),
        json={"engineer_login": "li.qiang"},
        timeout=10,
    )
    assert orphan.status_code == 403
    by_admin = requests.post(
        f"{base}/api/v1/jobs/FW-2026-000202/assign",
        headers=auth(admin),
        json={"engineer_login": "sun.li"},
        timeout=10,
    )
    assert by_admin.status_code == 200 and by_admin.json()["assignee_id"] == team_b["engineer"]
    # The push door says the same about the same change.
    with session_scope(server.db()) as session:
        b_job = session.get(Job, team_b["b_job"])
        assert b_job
        version = b_job.version
    wang.sync()
    pushed = push(
        wang,
        mutation(
            1, "job", team_b["b_job"], "update", {"assignee_id": world.other_engineer_id}, version
        ),
    )
    assert pushed[0]["code"] == "forbidden"

    # A supervisor's new job is their team's, so the other team cannot take it.
    created = requests.post(
        f"{base}/api/v1/jobs",
        headers=auth(zhao),
        json={"customer_code": TEAM_B_CUSTOMER, "job_type": "repair"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    with session_scope(server.db()) as session:
        job = session.exec(select(Job).where(Job.number == number)).one()
        assert job.team_id == team_b["team"]
    steal = requests.post(
        f"{base}/api/v1/jobs/{number}/assign",
        headers=auth(wang),
        json={"engineer_login": "li.qiang"},
        timeout=10,
    )
    assert steal.status_code == 403
    mine = requests.post(
        f"{base}/api/v1/jobs/{number}/assign",
        headers=auth(zhao),
        json={"engineer_login": "sun.li"},
        timeout=10,
    )
    assert mine.status_code == 200


def test_rows_without_a_job_are_written_only_in_their_owners_scope(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    team_b = add_team_b(server, world)
    zhao = enroll_device(server, "zhao.lei", tmp_path / "zl")  # team B
    li = enroll_device(server, "li.qiang", tmp_path / "lq")  # team A, one job at C200
    zhao.sync()
    li.sync()
    with session_scope(server.db()) as session:
        customer = session.get(Customer, world.customer_id)
        assert customer
        version = customer.version

    movement = StockMovement(
        part_id=world.filter_id,
        location_id=world.van_id,
        quantity=50,
        kind="transfer_in",
        moved_at=NOW,
    )
    results = push(
        zhao,
        # Team B's supervisor edits team A's customer and fills team A's engineer's van.
        mutation(1, "customer", world.customer_id, "update", {"phone": "13800000000"}, version),
        insert(2, movement),
    )
    assert [r["code"] for r in results] == ["forbidden", "forbidden"]

    # li.qiang names his own job, but a customer and a machine he does not serve.
    complaint = Complaint(
        customer_id=world.customer_id, job_id=team_b["li_job"], received_at=NOW, description="投诉"
    )
    reading = _reading(world.machine_id, team_b["li_job"])
    own_complaint = Complaint(
        customer_id=team_b["customer"],
        job_id=team_b["li_job"],
        received_at=NOW,
        description="等待配件",
    )
    own_reading = _reading(team_b["machine"], team_b["li_job"])
    # A photo row without a job would sit in the organisation's bucket: everyone's.
    loose = Attachment(sha256="0" * 64, kind="photo", size=10)
    results = push(
        li,
        insert(3, complaint),
        insert(4, reading),
        insert(5, own_complaint),
        insert(6, own_reading),
        insert(7, loose),
        batch_id="batch-li-01",
    )
    assert [r["code"] for r in results] == ["forbidden", "forbidden", "", "", "forbidden"]
    with session_scope(server.db()) as session:
        customer = session.get(Customer, world.customer_id)
        assert customer and customer.phone == "13905510001"
        assert session.get(StockMovement, movement.id) is None
        assert session.get(Complaint, complaint.id) is None
        assert session.get(Complaint, own_complaint.id) is not None


def _reading(machine_id: str, job_id: str) -> Any:
    from fieldapp.models import HourMeterReading

    return HourMeterReading(machine_id=machine_id, job_id=job_id, hours=1250.0, read_at=NOW)


def test_naming_another_engineers_photo_hash_gives_no_access_to_the_photo(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    team_b = add_team_b(server, world)
    zhang = enroll_device(server, "zhang.wei", tmp_path / "zw")
    li = enroll_device(server, "li.qiang", tmp_path / "lq")
    wang = enroll_device(server, "wang.min", tmp_path / "wm")
    zhang.sync()
    li.sync()
    photo = image((200, 30, 30))
    sha = BlobStore(zhang.data_dir / "blobs").put(photo)
    with zhang.store.action() as session:
        job = session.get(Job, world.job_id)
        engineer = session.get(User, world.engineer_id)
        assert job and engineer
        for action in (E.ACCEPTED, E.DEPARTED, E.ARRIVED):
            services.transition(session, job, action, engineer, now=NOW)
        session.add(Attachment(sha256=sha, kind="photo", job_id=job.id, size=len(photo)))
    assert zhang.sync().rejected == 0
    base = server.base
    url = f"{base}/api/v1/sync/blobs/{sha}"
    headers = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)}
    assert requests.get(url, headers=auth(wang) | headers, timeout=10).content == photo

    # li.qiang names the hash in a row of his own job, re-"uploads" it (a no-op), then asks.
    claim = Attachment(sha256=sha, kind="photo", job_id=team_b["li_job"], size=len(photo))
    assert push(li, insert(1, claim))[0]["code"] == "blob_forbidden"
    put = requests.put(
        url, params={"offset": 0, "total": 3}, data=b"abc", headers=auth(li) | headers, timeout=10
    )
    assert put.status_code == 200 and put.json()["complete"] is True
    fetch = requests.get(url, headers=auth(li) | headers, timeout=10)
    # 404, not 403: the same answer as for a blob HQ lacks; its bytes stay unreadable.
    assert fetch.status_code == 404 and fetch.json()["code"] == "blob_unknown"
    with session_scope(server.db()) as session:
        assert session.get(Attachment, claim.id) is None
        assert session.exec(select(JobEvent).where(JobEvent.job_id == team_b["li_job"])).all() == []
