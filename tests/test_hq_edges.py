"""HQ at its edges: input no client should send is refused with a 4xx and a reason,
never a 500; one bad mutation is rejected alone; job numbers hold under concurrency;
and HQ commits before it answers. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlmodel import select

from fieldapp.models import Job
from sync import protocol as p
from sync.hq.db import session_scope
from sync.hq.models import AppliedMutation, RowLog
from tests.factories import World
from tests.sync_support import HQ

HQWorld = tuple[HQ, World]
BIG = 2**63
PROTOCOL = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION)}


def enroll_token(server: HQ, login: str) -> str:
    answer = requests.post(
        f"{server.base}{p.API}/enroll",
        json={"code": server.code_for(login), "device_name": f"edge-{login}"},
        headers=PROTOCOL,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **PROTOCOL}


def post(server: HQ, path: str, body: Any, token: str | None = None) -> requests.Response:
    headers = auth(token) if token else PROTOCOL
    return requests.post(f"{server.base}{path}", json=body, headers=headers, timeout=60)


def assert_refused(answer: requests.Response, status: int = 422) -> dict[str, Any]:
    """A refusal in HQ's documented error body: a code and a plain reason."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    body: dict[str, Any] = answer.json()
    assert body["code"] and body["message"]
    return body


def fields_of(body: dict[str, Any]) -> set[str]:
    return {problem["field"] for problem in body["detail"]}


def wire_mutation(n: int, table: str, row_id: str, fields: dict[str, Any], base: int = 1) -> Any:
    return {
        "mutation_id": f"ed000000-0000-0000-0000-{n:012d}",
        "table": table,
        "row_id": row_id,
        "op": "update",
        "fields": fields,
        "base_version": base,
    }


def push_body(*mutations: Any) -> dict[str, Any]:
    return {"batch_id": str(uuid.uuid4()), "mutations": list(mutations)}


def new_job(customer: str = "C001", **extra: Any) -> dict[str, Any]:
    return {"customer_code": customer, "job_type": "repair", **extra}


# --- bounds: numbers no column can hold ------------------------------------------------


def test_cursors_and_backfill_positions_beyond_64_bits_are_refused(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    token = enroll_token(server, "zhang.wei")
    pull = f"{p.API}/sync/pull"
    body = assert_refused(post(server, pull, {"cursor": BIG}, token))
    assert fields_of(body) == {"body.cursor"}
    for key in ("upto", "after"):
        backfill = {"buckets": ["job:x"], "upto": 5, "after": 0, key: BIG}
        body = assert_refused(post(server, pull, {"cursor": 0, "backfill": backfill}, token))
        assert fields_of(body) == {f"body.backfill.{key}"}
    # The largest position is still a position.
    assert post(server, pull, {"cursor": BIG - 1}, token).status_code == 200


def test_a_push_with_numbers_beyond_64_bits_is_refused_with_the_field(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    token = enroll_token(server, "zhang.wei")
    push = f"{p.API}/sync/push"
    body = assert_refused(
        post(server, push, push_body(wire_mutation(1, "job", world.job_id, {}, base=BIG)), token)
    )
    assert fields_of(body) == {"body.mutations.0.base_version"}
    huge = wire_mutation(2, "job", world.job_id, {"amount_cents": 2**70})
    body = assert_refused(post(server, push, push_body(huge), token))
    assert fields_of(body) == {"body.mutations.0.fields"}
    assert "amount_cents" in body["detail"][0]["message"]
    with session_scope(server.db()) as session:
        assert session.get(Job, world.job_id).amount_cents == 0  # type: ignore[union-attr]


def test_a_number_too_big_for_its_column_rejects_that_mutation_alone(
    hq: HQWorld, tmp_path: Path
) -> None:
    """2⁴⁰ fits the wire but not PostgreSQL's integer column: the statement fails in the
    mutation's savepoint, which leaves nothing behind; the next mutation applies."""
    server, world = hq
    token = enroll_token(server, "zhang.wei")
    with session_scope(server.db()) as session:
        before = session.get(Job, world.job_id)
        assert before is not None
        version = before.version
        log_before = session.get(RowLog, ("job", world.job_id, f"job:{world.job_id}"))
        assert log_before is not None
        seq_before = log_before.seq
    too_big = 2**40 if server.url.startswith("postgresql") else 2**62
    bad = {"amount_cents": too_big, "note": "nothing of this may remain"}
    if not server.url.startswith("postgresql"):
        bad = {"appointment_at": "9999-12-31T23:00:00-05:00", "note": "nothing of this"}
    answer = post(
        server,
        f"{p.API}/sync/push",
        push_body(
            wire_mutation(1, "job", world.job_id, bad, base=version),
            wire_mutation(2, "machine", world.machine_id, {"notes": "液压油已换"}),
        ),
        token,
    )
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["results"]
    assert first["status"] == "rejected" and first["code"] in {"invalid_value", "integrity"}
    assert first["reason"]
    assert second["status"] == "applied", second
    with session_scope(server.db()) as session:
        job = session.get(Job, world.job_id)
        assert job is not None and job.version == version and job.note == ""
        entry = session.get(RowLog, ("job", world.job_id, f"job:{world.job_id}"))
        assert entry is not None and entry.seq == seq_before and entry.version == version
        # The rejection itself is stored, as every answer is.
        assert session.get(AppliedMutation, first["mutation_id"]) is not None


# --- bounds: dates no calendar can hold --------------------------------------------------


def test_a_job_requested_at_the_ends_of_the_calendar_is_refused(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    token = enroll_token(server, "wang.min")
    for edge in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"):
        body = assert_refused(post(server, "/api/v1/jobs", new_job(requested_at=edge), token))
        assert fields_of(body) == {"body.requested_at"}
    answer = post(server, "/api/v1/jobs", new_job(requested_at="2026-12-01T08:00:00+08:00"), token)
    assert answer.status_code == 201, answer.text


def test_a_pushed_date_outside_the_calendar_is_rejected_not_a_500(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, world = hq
    token = enroll_token(server, "zhang.wei")
    answer = post(
        server,
        f"{p.API}/sync/push",
        push_body(
            wire_mutation(1, "job", world.job_id, {"appointment_at": "0001-01-01T00:00+01:00"})
        ),
        token,
    )
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "invalid_value")


# --- NUL bytes: PostgreSQL cannot store them ---------------------------------------------


def test_nul_bytes_are_refused_in_every_door(hq: HQWorld, tmp_path: Path) -> None:
    server, world = hq
    token = enroll_token(server, "wang.min")
    body = assert_refused(post(server, "/api/v1/jobs", new_job(number="FW-\x00-1"), token))
    assert fields_of(body) == {"body.number"}
    body = assert_refused(
        post(server, "/api/v1/jobs", new_job(reported_symptom="漏油\x00"), token)
    )
    assert fields_of(body) == {"body.reported_symptom"}
    body = assert_refused(post(server, "/api/v1/jobs", new_job(customer="C\x00"), token))
    assert fields_of(body) == {"body.customer_code"}
    body = assert_refused(
        post(server, "/api/v1/jobs/FW-2026-000001/assign", {"engineer_login": "zh\x00"}, token)
    )
    assert fields_of(body) == {"body.engineer_login"}
    headers = auth(token)
    for path in (
        "/api/v1/jobs/FW%00/report",
        "/api/v1/verify/FW%00/" + "0" * 64,
        "/api/v1/verify/FW-2026-000001/ab%00cd",
    ):
        answer = requests.get(f"{server.base}{path}", headers=headers, timeout=30)
        assert_refused(answer)
    assert_refused(
        requests.post(
            f"{server.base}/api/v1/jobs/FW%00/assign",
            json={"engineer_login": "zhang.wei"},
            headers=headers,
            timeout=30,
        )
    )
    engineer = enroll_token(server, "zhang.wei")
    body = assert_refused(
        post(
            server,
            f"{p.API}/sync/push",
            push_body(wire_mutation(1, "job", world.job_id, {"note": "a\x00b"})),
            engineer,
        )
    )
    assert fields_of(body) == {"body.mutations.0.fields"}
    assert "note" in body["detail"][0]["message"]
    body = assert_refused(post(server, f"{p.API}/enroll", {"code": "ABCD\x00EFGH"}))
    assert fields_of(body) == {"body.code"}
    body = assert_refused(
        post(server, f"{p.API}/sync/checksums", {"buckets": ["job:\x00"]}, engineer)
    )
    assert fields_of(body) == {"body.buckets.0"}


# --- numbering under concurrency -----------------------------------------------------------


def test_ten_concurrent_jobs_without_a_number_get_ten_numbers(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    token = enroll_token(server, "wang.min")
    # A number given by another system continues the series (no number is handed out twice).
    taken = post(server, "/api/v1/jobs", new_job(number="FW-2026-000041"), token)
    assert taken.status_code == 201, taken.text
    answers: list[requests.Response] = []
    lock = threading.Lock()
    start = threading.Barrier(10)

    def create() -> None:
        start.wait()
        answer = post(server, "/api/v1/jobs", new_job(reported_symptom="动臂无力"), token)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=create) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(a.status_code for a in answers) == [201] * 10, [a.text for a in answers]
    numbers = sorted(a.json()["number"] for a in answers)
    assert len(set(numbers)) == 10
    year = numbers[0][3:7]
    assert all(n.startswith(f"FW-{year}-") for n in numbers)
    with session_scope(server.db()) as session:
        stored = set(session.exec(select(Job.number)).all())
    assert set(numbers) <= stored
    # A number taken by hand is refused with a reason, not a 500.
    again = post(server, "/api/v1/jobs", new_job(number=numbers[0]), token)
    assert assert_refused(again, 409)["code"] == "number_taken"


# --- commit, then answer ------------------------------------------------------------------


def test_enroll_create_and_assign_are_committed_when_hq_answers(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    # A separate connection, as another worker of HQ would see the database.
    observer = create_engine(server.url)
    try:
        manager = enroll_token(server, "wang.min")
        codes = [server.code_for("zhang.wei") for _ in range(20)]
        for code in codes:
            answer = post(server, f"{p.API}/enroll", {"code": code, "device_name": "t"})
            assert answer.status_code == 200, answer.text
            device_id = answer.json()["device_id"]
            with observer.connect() as connection:
                row = connection.execute(
                    text("SELECT id FROM device WHERE id = :id"), {"id": device_id}
                ).first()
            assert row is not None, "HQ answered before the enrollment was committed"
        for _ in range(20):
            answer = post(server, "/api/v1/jobs", new_job(), manager)
            assert answer.status_code == 201, answer.text
            number = answer.json()["number"]
            with observer.connect() as connection:
                row = connection.execute(
                    text("SELECT status FROM job WHERE number = :n"), {"n": number}
                ).first()
            assert row is not None, "HQ answered before the job was committed"
            answer = post(
                server, f"/api/v1/jobs/{number}/assign", {"engineer_login": "zhang.wei"}, manager
            )
            assert answer.status_code == 200, answer.text
            with observer.connect() as connection:
                status = connection.execute(
                    text("SELECT status, assignee_id FROM job WHERE number = :n"), {"n": number}
                ).one()
            assert status[0] == "assigned" and status[1], "answered before the assignment"
    finally:
        observer.dispose()


def test_bodies_that_are_not_json_and_unknown_routes_get_hqs_error_body(
    hq: HQWorld, tmp_path: Path
) -> None:
    server, _world = hq
    token = enroll_token(server, "wang.min")
    for body, content_type in (
        (b"\xff\xfe", "application/json"),
        (b"{", "application/json"),
        (b"code=ABCD", "application/x-www-form-urlencoded"),
        (b"--x\r\n", "multipart/form-data; boundary=x"),
    ):
        answer = requests.post(
            f"{server.base}/api/v1/jobs",
            data=body,
            headers={**auth(token), "Content-Type": content_type},
            timeout=30,
        )
        assert 400 <= answer.status_code < 500, (content_type, answer.status_code, answer.text)
        assert_refused(answer, answer.status_code)
    assert assert_refused(requests.get(f"{server.base}/nowhere", timeout=30), 404)["code"]
    answer = requests.delete(f"{server.base}/api/v1/jobs", timeout=30)
    assert assert_refused(answer, 405)["code"] == "method_not_allowed"
