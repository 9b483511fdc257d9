"""``fieldapp-hq`` from the command line, run for real in a subprocess, on each backend.

Each test sets up what it needs in-process (schema, product models, customers, users),
then drives the CLI as an administrator would and checks the database afterwards.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import qrcode
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from PIL import Image
from sqlalchemy import Engine, func, inspect, text
from sqlmodel import Session, col, select

from fieldapp.clock import utcnow
from fieldapp.models import (
    Customer,
    Device,
    Job,
    JobEvent,
    Machine,
    Part,
    PartCompatibility,
    ProductModel,
    Region,
    Team,
    User,
)
from fieldapp.search import part_search_text
from sync.hq.cli import (
    DB_ENV,
    DEFAULT_PORT,
    DEMO_PASSWORD,
    SERVER_ENV,
    enrollment_payload,
)
from sync.hq.cli import add_user as add_cli_user
from sync.hq.db import current_seq, make_hq_engine, migrate_hq, session_scope
from sync.hq.imports import import_catalogue
from sync.hq.models import Credential, DeviceToken, Enrollment
from sync.hq.service import (
    ENROLLMENT_ALPHABET,
    ENROLLMENT_TTL,
    SyncError,
    authenticate,
    enroll,
    issue_enrollment,
)
from sync.protocol import EnrollRequest
from tests.conftest import BACKENDS
from tests.sync_support import database

REPO = Path(__file__).resolve().parent.parent
GROUP = f"[{ENROLLMENT_ALPHABET}]{{4}}"
CODE = re.compile(f"{GROUP}-{GROUP}-{GROUP}")
DEMO_LOGINS = {"zhang.wei", "li.qiang", "wang.min", "chen.jing", "admin"}
HQ_TABLES = {
    "alembic_version",
    "hq_credential",
    "hq_enrollment",
    "hq_device_token",
    "hq_row",
    "hq_revision",
    "hq_counter",
    "hq_bucket",
    "user",
    "team",
    "device",
    "part",
    "partcompatibility",
    "productmodel",
    "customer",
    "machine",
    "job",
    "jobevent",
}


@dataclass
class Cli:
    kind: str
    url: str
    tmp: Path
    engine: Engine

    def run(self, *args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PYTHONUTF8="1")
        env.pop(DB_ENV, None)
        env.pop(SERVER_ENV, None)
        return subprocess.run(
            [sys.executable, "-m", "sync.hq.cli", "--db", self.url, *map(str, args)],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            cwd=REPO,
            timeout=240,
        )

    def ok(self, *args: str | Path, stdin: str = "") -> str:
        done = self.run(*args, stdin=stdin)
        assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    def refused(self, *args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """A run that must fail cleanly: exit 1, a message, no traceback."""
        done = self.run(*args, stdin=stdin)
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode == 1, f"{args}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        assert done.stderr.strip(), "no message on stderr"
        return done

    def migrate(self) -> None:
        migrate_hq(self.engine)


@pytest.fixture(params=BACKENDS)
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    with database(request.param, tmp_path) as url:
        engine = make_hq_engine(url)
        try:
            yield Cli(kind=request.param, url=url, tmp=tmp_path, engine=engine)
        finally:
            engine.dispose()


# --- helpers -------------------------------------------------------------------------------


def read(engine: Engine, statement: Any) -> list[Any]:
    """Rows of one query, in a session closed at once (SQLite's write lock is released
    before the next subprocess runs)."""
    with Session(engine) as session:
        return list(session.exec(statement).all())


def seq_of(engine: Engine) -> int:
    with Session(engine) as session:
        return current_seq(session)


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def add_user(engine: Engine, login: str, role: str = "engineer") -> str:
    with session_scope(engine) as session:
        user = User(login=login, display_name=login.title(), role=role)
        session.add(user)
        session.flush()
        return user.id


def seed_models(engine: Engine, *codes: str) -> None:
    with session_scope(engine) as session:
        for code in codes:
            session.add(ProductModel(code=code, name_zh=f"{code} 履带式液压挖掘机"))


@dataclass
class Customers:
    home_id: str
    remote_id: str
    machine_id: str
    other_machine_serial: str


def seed_customers(engine: Engine) -> Customers:
    with session_scope(engine) as session:
        home = Region(code="AH", name_zh="安徽", grade="A", is_home=True)
        remote = Region(code="XZ", name_zh="西藏", grade="C", is_remote=True)
        model = ProductModel(code="ZY210", name_zh="ZY210 履带式液压挖掘机")
        session.add_all([home, remote, model])
        session.flush()
        near = Customer(
            code="C001",
            name="合肥城建集团",
            region_id=home.id,
            address="安徽省合肥市蜀山区长江西路688号",
            phone="13905510001",
            contact_name="刘建国",
        )
        far = Customer(code="C002", name="拉萨路桥公司", region_id=remote.id, phone="13908910002")
        session.add_all([near, far])
        session.flush()
        machine = Machine(
            customer_id=near.id,
            model_id=model.id,
            serial="ZY2102025A0157",
            purchase_date=date(2025, 6, 1),
        )
        other = Machine(customer_id=far.id, model_id=model.id, serial="ZY2102024B0042")
        session.add_all([machine, other])
        session.flush()
        return Customers(near.id, far.id, machine.id, other.serial)


def reported(stderr: str, path: Path) -> dict[int, str]:
    """``{line number: reason}`` of the lines the import reported as bad."""
    found: dict[int, str] = {}
    prefix = f"{path}:"
    for line in stderr.splitlines():
        if line.startswith(prefix):
            number, _, reason = line[len(prefix) :].partition(":")
            found[int(number)] = reason.strip()
    return found


def compatible(engine: Engine, part_no: str) -> set[str]:
    """The models a part fits, per the partcompatibility table (live links only)."""
    statement = (
        select(ProductModel.code)
        .join(PartCompatibility, col(PartCompatibility.model_id) == col(ProductModel.id))
        .join(Part, col(Part.id) == col(PartCompatibility.part_id))
        .where(Part.part_no == part_no, col(PartCompatibility.deleted_at).is_(None))
    )
    return set(read(engine, statement))


def parts(engine: Engine) -> dict[str, Part]:
    return {p.part_no: p for p in read(engine, select(Part))}


def qr_matrix(payload: str) -> list[list[bool]]:
    qr = qrcode.QRCode(border=2)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.get_matrix()


def all_text(engine: Engine) -> str:
    """Every value of every table, as text (to look for a leaked password)."""
    chunks: list[str] = []
    with engine.connect() as connection:
        for name in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


# --- init ----------------------------------------------------------------------------------


def test_init_creates_the_schema_and_a_second_init_is_a_noop(cli: Cli) -> None:
    assert inspect(cli.engine).get_table_names() == []

    first = cli.ok("init")
    assert "up to date" in first

    tables = set(inspect(cli.engine).get_table_names())
    assert tables >= HQ_TABLES, HQ_TABLES - tables
    with cli.engine.connect() as connection:
        heads = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        counters = connection.execute(text("SELECT name, value FROM hq_counter")).all()
    assert heads
    assert [tuple(c) for c in counters] == [("seq", 0)]

    second = cli.ok("init")
    assert second == first
    assert set(inspect(cli.engine).get_table_names()) == tables
    with cli.engine.connect() as connection:
        again = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        counters = connection.execute(text("SELECT name, value FROM hq_counter")).all()
    assert again == heads
    assert [tuple(c) for c in counters] == [("seq", 0)]


# --- users ---------------------------------------------------------------------------------


def test_user_add_stores_an_argon2_hash_and_refuses_a_taken_login_or_empty_password(
    cli: Cli,
) -> None:
    cli.migrate()
    password = "Correct horse 电池 staple 42"
    out = cli.ok(
        "user", "add", "zhao.lei", "--name", "赵磊", "--role", "engineer",
        "--team", "合肥服务站", "--password-stdin", stdin=password + "\n",
    )  # fmt: skip
    (user,) = read(cli.engine, select(User).where(User.login == "zhao.lei"))
    assert f"zhao.lei (engineer) added: {user.id}" in out
    assert (user.display_name, user.role, user.active) == ("赵磊", "engineer", True)
    (team,) = read(cli.engine, select(Team).where(Team.id == user.team_id))
    assert team.name_zh == "合肥服务站"

    (credential,) = read(cli.engine, select(Credential).where(Credential.user_id == user.id))
    stored = credential.password_hash
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, password)  # the newline is not part of it
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(stored, password + "\n")
    assert password not in all_text(cli.engine)
    if cli.kind == "sqlite":  # nor in the database file, its WAL or the log
        for path in cli.tmp.rglob("*"):
            if path.is_file():
                assert password.encode() not in path.read_bytes(), path

    # A second user of the same team joins the existing team.
    cli.ok(
        "user", "add", "sun.hao", "--name", "孙浩", "--role", "supervisor",
        "--team", "合肥服务站", "--password-stdin", stdin="another one\n",
    )  # fmt: skip
    (second,) = read(cli.engine, select(User).where(User.login == "sun.hao"))
    assert second.team_id == team.id
    assert count(cli.engine, Team) == 1

    # The same login again: refused, and the first account is untouched.
    taken = cli.refused(
        "user", "add", "zhao.lei", "--name", "Somebody Else", "--role", "admin",
        "--password-stdin", stdin="hijack\n",
    )  # fmt: skip
    assert "zhao.lei" in taken.stderr
    assert "exists" in taken.stderr
    assert taken.stdout == ""
    (still,) = read(cli.engine, select(User).where(User.login == "zhao.lei"))
    assert (still.id, still.display_name, still.role) == (user.id, "赵磊", "engineer")
    (kept,) = read(cli.engine, select(Credential).where(Credential.user_id == user.id))
    assert kept.password_hash == stored

    # An empty password on standard input (``echo | fieldapp-hq user add ...``): refused.
    empty = cli.refused(
        "user", "add", "qian.yu", "--name", "钱宇", "--role", "engineer",
        "--password-stdin", stdin="\n",
    )  # fmt: skip
    assert "empty" in empty.stderr
    assert {u.login for u in read(cli.engine, select(User))} == {"zhao.lei", "sun.hao"}
    assert count(cli.engine, Credential) == 2


# --- enrollment ----------------------------------------------------------------------------


def test_enroll_json_gives_a_one_time_code_and_a_qr_png(cli: Cli) -> None:
    cli.migrate()
    user_id = add_user(cli.engine, "zhang.wei")
    png = cli.tmp / "enroll.png"

    before = utcnow()
    out = cli.ok("enroll", "zhang.wei", "--json", "--qr", png, "--server", "http://127.0.0.1:9")
    after = utcnow()

    lines = out.splitlines()
    assert len(lines) == 1, out
    answer = json.loads(lines[0])
    assert isinstance(answer, dict)
    assert {"code", "server", "expires"} <= set(answer)
    assert CODE.fullmatch(answer["code"]), answer["code"]
    assert answer["server"] == "http://127.0.0.1:9"
    expires = datetime.fromisoformat(answer["expires"])
    assert expires.tzinfo is not None
    assert before + ENROLLMENT_TTL <= expires <= after + ENROLLMENT_TTL
    payload = json.loads(answer["payload"])
    assert payload == {"fieldapp": "enroll", "server": "http://127.0.0.1:9", "code": answer["code"]}

    # The PNG is an image, and its modules are the QR code of the payload.
    assert png.is_file()
    with Image.open(png) as image:
        image.verify()
    with Image.open(png) as image:
        assert image.format == "PNG"
        pixels = image.convert("L")
    expected = qr_matrix(answer["payload"])
    box = pixels.width // len(expected)
    assert pixels.size == (box * len(expected), box * len(expected))
    seen = [
        [pixels.getpixel((x * box + box // 2, y * box + box // 2)) < 128 for x in range(len(row))]
        for y, row in enumerate(expected)
    ]
    assert seen == expected

    # The code enrolls one device, once.
    (enrollment,) = read(cli.engine, select(Enrollment))
    assert enrollment.user_id == user_id
    assert answer["code"] not in all_text(cli.engine)  # stored hashed
    with session_scope(cli.engine) as session:
        response = enroll(
            session, EnrollRequest(code=answer["code"], device_name="平板-1", platform="android")
        )
    assert (response.user_id, response.login) == (user_id, "zhang.wei")
    assert response.token
    (device,) = read(cli.engine, select(Device))
    assert (device.id, device.user_id, device.name) == (response.device_id, user_id, "平板-1")
    (used,) = read(cli.engine, select(Enrollment))
    assert used.used_at is not None
    assert used.device_id == device.id

    with pytest.raises(SyncError) as again, session_scope(cli.engine) as session:
        enroll(session, EnrollRequest(code=answer["code"], device_name="平板-2"))
    assert again.value.code == "enrollment_code_used"

    # An expired code is refused.
    with session_scope(cli.engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        stale, stale_expiry = issue_enrollment(session, user, now=utcnow() - timedelta(hours=73))
    assert stale_expiry < utcnow()
    with pytest.raises(SyncError) as expired, session_scope(cli.engine) as session:
        enroll(session, EnrollRequest(code=stale, device_name="平板-3"))
    assert expired.value.code == "enrollment_code_expired"
    assert count(cli.engine, Device) == 1


def test_enroll_prints_the_code_and_an_ascii_qr_and_refuses_an_unknown_login(cli: Cli) -> None:
    cli.migrate()
    add_user(cli.engine, "li.qiang")

    out = cli.ok("enroll", "li.qiang")
    found = re.search(r"Enrollment code for li\.qiang: (\S+)", out)
    assert found, out
    code = found.group(1)
    assert CODE.fullmatch(code), code
    server = f"http://127.0.0.1:{DEFAULT_PORT}"
    assert server in out
    terminal = io.StringIO()
    qr = qrcode.QRCode(border=2)
    qr.add_data(enrollment_payload(server, code))
    qr.make(fit=True)
    qr.print_ascii(out=terminal, invert=True)
    drawing = terminal.getvalue()
    assert len(drawing.splitlines()) > 10
    assert set(drawing) <= set(" \xa0█▀▄\n")
    assert drawing in out  # the QR code of this very code
    with session_scope(cli.engine) as session:
        response = enroll(session, EnrollRequest(code=code, device_name="tablet"))
    assert response.login == "li.qiang"

    png = cli.tmp / "nobody.png"
    unknown = cli.refused("enroll", "nobody", "--json", "--qr", png)
    assert "nobody" in unknown.stderr
    assert unknown.stdout == ""
    assert not png.exists()
    assert count(cli.engine, Enrollment) == 1


# --- devices -------------------------------------------------------------------------------


def test_device_list_and_revoke(cli: Cli) -> None:
    cli.migrate()
    add_user(cli.engine, "zhang.wei")
    add_user(cli.engine, "li.qiang")
    enrolled: dict[str, tuple[str, str]] = {}  # login -> (device id, token)
    for login in ("zhang.wei", "li.qiang"):
        with session_scope(cli.engine) as session:
            user = session.exec(select(User).where(User.login == login)).one()
            code, _ = issue_enrollment(session, user)
        with session_scope(cli.engine) as session:
            response = enroll(session, EnrollRequest(code=code, device_name=f"pad-{login}"))
        enrolled[login] = (response.device_id, response.token)
    lost, lost_token = enrolled["zhang.wei"]
    kept, kept_token = enrolled["li.qiang"]

    out = cli.ok("device", "revoke", lost)
    assert lost in out
    assert "revoked" in out

    with pytest.raises(SyncError) as refused, session_scope(cli.engine) as session:
        authenticate(session, lost_token)
    assert refused.value.code == "device_revoked"
    with session_scope(cli.engine) as session:
        user, device = authenticate(session, kept_token)
    assert (user.login, device.id) == ("li.qiang", kept)
    (token,) = read(cli.engine, select(DeviceToken).where(DeviceToken.device_id == lost))
    assert token.revoked_at is not None

    listing = {line.split()[0]: line.split() for line in cli.ok("device", "list").splitlines()}
    assert listing == {
        lost: [lost, "pad-zhang.wei", "revoked"],
        kept: [kept, "pad-li.qiang", "active"],
    }

    missing = cli.refused("device", "revoke", "no-such-device")
    assert "no-such-device" in missing.stderr


# --- catalogue import ----------------------------------------------------------------------

CATALOGUE = """\
part_no,name_zh,name_en,unit,price,labour_minutes,category,warranty_eligible,superseded_by,models
zy16-6011-03,液压油滤芯,Hydraulic oil filter element,个,280.50,20,filter,否,zy16-6011-04,ZY16 ZY28
ZY16-6011-04,液压油滤芯（改进型）,Hydraulic oil filter element (improved),,0.29,20,filter,,,ZY16
ZY28-3101-01,主泵,Main pump,台,45800,240,pump,yes,,ZY28
"""

CATALOGUE_AGAIN = """\
part_no,name_zh,name_en,unit,price,labour_minutes,category,warranty_eligible,superseded_by,models
ZY16-6011-03,液压油滤芯,Hydraulic oil filter element,个,300,25,filter,否,ZY16-6011-04,ZY16 ZY28
ZY16-6011-04,回油滤芯,Return oil filter element,个,0.29,20,filter,,,ZY16 ZY35
ZY28-3101-01,主泵,Main pump,台,45800,240,pump,yes,,ZY28
ZY35-2001-02,先导滤芯,Pilot filter,个,35.5,10,filter,否,,ZY35
"""


def test_import_catalogue_creates_parts_and_a_second_import_updates_them(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16", "ZY28", "ZY35")
    first = cli.tmp / "catalogue.csv"
    first.write_text(CATALOGUE, encoding="utf-8-sig")  # as Excel saves it, with a BOM

    out = cli.ok("import", "catalogue", first)
    assert "3 created, 0 updated" in out
    found = parts(cli.engine)
    assert set(found) == {"ZY16-6011-03", "ZY16-6011-04", "ZY28-3101-01"}
    old, new, pump = found["ZY16-6011-03"], found["ZY16-6011-04"], found["ZY28-3101-01"]
    assert (old.price_cents, new.price_cents, pump.price_cents) == (28050, 29, 4_580_000)
    assert (old.labour_minutes, pump.labour_minutes) == (20, 240)
    assert (old.name_zh, old.name_en, old.unit, old.category) == (
        "液压油滤芯",
        "Hydraulic oil filter element",
        "个",
        "filter",
    )
    assert new.unit == "件"  # the default unit
    assert (old.warranty_eligible, new.warranty_eligible, pump.warranty_eligible) == (
        False,
        True,
        True,
    )
    assert old.superseded_by == "ZY16-6011-04"
    assert new.superseded_by is None
    assert compatible(cli.engine, "ZY16-6011-03") == {"ZY16", "ZY28"}
    assert compatible(cli.engine, "ZY16-6011-04") == {"ZY16"}
    assert compatible(cli.engine, "ZY28-3101-01") == {"ZY28"}
    assert all(p.version == 1 for p in found.values())

    again = cli.tmp / "catalogue-2.csv"
    again.write_text(CATALOGUE_AGAIN, encoding="utf-8")
    out = cli.ok("import", "catalogue", again)
    assert "1 created, 3 updated" in out
    updated = parts(cli.engine)
    assert set(updated) == set(found) | {"ZY35-2001-02"}
    assert count(cli.engine, Part) == 4
    assert {no: updated[no].id for no in found} == {no: p.id for no, p in found.items()}
    old, new = updated["ZY16-6011-03"], updated["ZY16-6011-04"]
    assert (old.price_cents, old.labour_minutes, old.version) == (30000, 25, 2)
    assert (new.name_zh, new.name_en, new.unit, new.version) == (
        "回油滤芯",
        "Return oil filter element",
        "个",
        2,
    )
    assert new.search_text == part_search_text(new.part_no, new.name_zh, new.name_en)
    assert updated["ZY35-2001-02"].price_cents == 3550
    assert compatible(cli.engine, "ZY16-6011-04") == {"ZY16", "ZY35"}
    assert compatible(cli.engine, "ZY35-2001-02") == {"ZY35"}
    assert compatible(cli.engine, "ZY16-6011-03") == {"ZY16", "ZY28"}
    assert len(read(cli.engine, select(PartCompatibility))) == 6  # no duplicate links


def test_reimporting_the_catalogue_drops_models_no_longer_listed(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16", "ZY28")
    header = "part_no,name_zh,name_en,unit,price,labour_minutes,models\n"
    first = cli.tmp / "catalogue.csv"
    first.write_text(header + "ZY16-6011-03,液压油滤芯,Filter,个,280,20,ZY16 ZY28\n", "utf-8")
    with session_scope(cli.engine) as session:
        import_catalogue(session, first)
    assert compatible(cli.engine, "ZY16-6011-03") == {"ZY16", "ZY28"}

    # The ERP now says the filter fits the ZY16 only: the ZY28 link must go.
    again = cli.tmp / "catalogue-2.csv"
    again.write_text(header + "ZY16-6011-03,液压油滤芯,Filter,个,280,20,ZY16\n", "utf-8")
    cli.ok("import", "catalogue", again)
    assert compatible(cli.engine, "ZY16-6011-03") == {"ZY16"}


BAD_CATALOGUE = """\
part_no,name_zh,name_en,unit,price,labour_minutes,superseded_by,models
A-2,液压油滤芯,Filter,个,28,20,,ZY16
A-3,,No Chinese name,个,28,20,,ZY16
A-4,主泵,Pump,台,-45800,240,,ZY16
A-5,先导滤芯,Pilot filter,个,35,10,,ZY16 NOPE
A-6,回油滤芯,Return filter,个,30,20,,ZY16
A-2,液压油滤芯,Filter again,个,28,20,,ZY16
A-8,空滤,Air filter,个,12,5,GHOST,ZY16
"""


def test_import_catalogue_with_bad_lines_imports_nothing_and_names_each_line(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16")
    with session_scope(cli.engine) as session:
        session.add(Part(part_no="OLD-1", name_zh="旧零件", price_cents=100))
    before = (seq_of(cli.engine), count(cli.engine, Part), count(cli.engine, PartCompatibility))

    bad = cli.tmp / "bad.csv"
    bad.write_text(BAD_CATALOGUE, encoding="utf-8")
    done = cli.refused("import", "catalogue", bad)
    lines = reported(done.stderr, bad)
    assert set(lines) == {3, 4, 5, 7, 8}, done.stderr
    assert "name_zh" in lines[3]
    assert "price" in lines[4]
    assert "NOPE" in lines[5]
    assert "A-2" in lines[7]
    assert "GHOST" in lines[8]
    assert "nothing imported" in done.stderr
    assert "Imported" not in done.stdout
    assert set(parts(cli.engine)) == {"OLD-1"}
    assert (seq_of(cli.engine), count(cli.engine, Part)) == before[:2]
    assert count(cli.engine, PartCompatibility) == before[2]

    no_price = cli.tmp / "no-price.csv"
    no_price.write_text(
        "part_no,name_zh,name_en,unit,labour_minutes\nA-9,液压油滤芯,Filter,个,20\n",
        encoding="utf-8",
    )
    done = cli.refused("import", "catalogue", no_price)
    lines = reported(done.stderr, no_price)
    assert set(lines) == {1}, done.stderr
    assert "price" in lines[1]
    assert set(parts(cli.engine)) == {"OLD-1"}
    assert seq_of(cli.engine) == before[0]


def test_import_catalogue_reports_an_infinite_price_as_a_bad_line(cli: Cli) -> None:
    cli.migrate()
    bad = cli.tmp / "inf.csv"
    bad.write_text(
        "part_no,name_zh,name_en,unit,price,labour_minutes\n"
        "A-1,液压油滤芯,Filter,个,28,20\n"
        "A-2,主泵,Pump,台,1e999,240\n",
        encoding="utf-8",
    )
    done = cli.refused("import", "catalogue", bad)
    assert set(reported(done.stderr, bad)) == {3}, done.stderr
    assert parts(cli.engine) == {}


# --- jobs import ---------------------------------------------------------------------------

JOBS = """\
customer_code,job_type,reported_symptom,urgency,requested_at,machine_serial,contact_name
C001,repair,动臂提升无力，液压油温高,urgent,,ZY2102025A0157,
C002,maintenance,500小时保养,,2026-12-01T09:00:00+08:00,,王工
"""


def test_import_jobs_creates_new_jobs_with_numbers_deadlines_and_events(cli: Cli) -> None:
    cli.migrate()
    seeded = seed_customers(cli.engine)
    path = cli.tmp / "jobs.csv"
    path.write_text(JOBS, encoding="utf-8")

    before = utcnow()
    out = cli.ok("import", "jobs", path)
    after = utcnow()
    assert "2 created" in out

    jobs = {j.reported_symptom: j for j in read(cli.engine, select(Job))}
    assert len(jobs) == 2
    urgent, routine = jobs["动臂提升无力，液压油温高"], jobs["500小时保养"]
    year = urgent.received_at.year
    assert urgent.number == f"FW-{year}-000001"
    assert routine.number == f"FW-{year}-000002"
    for job in (urgent, routine):
        assert job.status == "new"
        assert before <= job.received_at <= after
        assert job.answer_due_at == job.received_at + timedelta(hours=4)
        assert job.assignee_id is None

    assert (urgent.job_type, urgent.urgency) == ("repair", "urgent")
    assert urgent.customer_id == seeded.home_id
    assert urgent.machine_id == seeded.machine_id
    assert (urgent.reported_model, urgent.reported_serial) == ("ZY210", "ZY2102025A0157")
    assert urgent.reported_purchase_date == date(2025, 6, 1)
    assert (urgent.contact_name, urgent.contact_phone) == ("刘建国", "13905510001")
    assert urgent.address == "安徽省合肥市蜀山区长江西路688号"
    assert urgent.requested_at is None
    assert urgent.on_site_due_at == urgent.received_at + timedelta(hours=2)  # home region

    assert (routine.job_type, routine.urgency) == ("maintenance", "normal")
    assert routine.customer_id == seeded.remote_id
    assert routine.machine_id is None
    assert routine.contact_name == "王工"
    assert routine.requested_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert routine.on_site_due_at is not None
    assert routine.on_site_due_at > routine.received_at

    events = read(cli.engine, select(JobEvent))
    assert len(events) == 2
    for event in events:
        job = next(j for j in jobs.values() if j.id == event.job_id)
        assert (event.kind, event.from_status, event.to_status) == ("created", None, "new")
        assert event.occurred_at == job.received_at

    # Numbers go on from the last one.
    more = cli.tmp / "more.csv"
    more.write_text("customer_code,job_type,reported_symptom\nC002,inspection,巡检\n", "utf-8")
    assert "1 created" in cli.ok("import", "jobs", more)
    (third,) = read(cli.engine, select(Job).where(Job.reported_symptom == "巡检"))
    assert third.number == f"FW-{third.received_at.year}-000003"
    assert count(cli.engine, JobEvent) == 3


BAD_JOBS = """\
customer_code,job_type,reported_symptom,requested_at
C001,repair,回转无力,
C999,repair,发动机无法启动,
C001,fix,履带跑偏,
C002,maintenance,保养,yesterday
C002,maintenance,保养,2026-12-01T09:00:00+08:00
"""


def test_import_jobs_with_bad_lines_imports_nothing_and_names_each_line(cli: Cli) -> None:
    cli.migrate()
    seeded = seed_customers(cli.engine)
    before = seq_of(cli.engine)

    bad = cli.tmp / "bad-jobs.csv"
    bad.write_text(BAD_JOBS, encoding="utf-8")
    done = cli.refused("import", "jobs", bad)
    lines = reported(done.stderr, bad)
    assert set(lines) == {3, 4, 5}, done.stderr
    assert "C999" in lines[3]
    assert "fix" in lines[4]
    assert "yesterday" in lines[5]
    assert "nothing imported" in done.stderr

    # A line found bad only while writing (the machine belongs to someone else): the
    # good line before it is rolled back too.
    wrong = cli.tmp / "wrong-machine.csv"
    wrong.write_text(
        "customer_code,job_type,reported_symptom,machine_serial\n"
        "C001,repair,回转无力,ZY2102025A0157\n"
        f"C001,repair,液压油泄漏,{seeded.other_machine_serial}\n",
        encoding="utf-8",
    )
    done = cli.refused("import", "jobs", wrong)
    lines = reported(done.stderr, wrong)
    assert set(lines) == {3}, done.stderr
    assert seeded.other_machine_serial in lines[3]

    no_type = cli.tmp / "no-type.csv"
    no_type.write_text("customer_code,reported_symptom\nC001,回转无力\n", encoding="utf-8")
    done = cli.refused("import", "jobs", no_type)
    lines = reported(done.stderr, no_type)
    assert set(lines) == {1}, done.stderr
    assert "job_type" in lines[1]

    assert read(cli.engine, select(Job)) == []
    assert read(cli.engine, select(JobEvent)) == []
    assert seq_of(cli.engine) == before


# --- demo ----------------------------------------------------------------------------------


def test_demo_loads_the_demo_users_with_credentials_once(cli: Cli) -> None:
    out = cli.ok("demo")  # on an empty database: creates the schema too
    assert "Loaded" in out
    assert DEMO_PASSWORD in out
    users = {u.login: u for u in read(cli.engine, select(User))}
    assert set(users) == DEMO_LOGINS
    credentials = {c.user_id: c.password_hash for c in read(cli.engine, select(Credential))}
    assert set(credentials) == {u.id for u in users.values()}
    hasher = PasswordHasher()
    assert all(hasher.verify(h, DEMO_PASSWORD) for h in credentials.values())
    totals = {m: count(cli.engine, m) for m in (Part, ProductModel, Customer, Job, JobEvent)}
    assert all(totals.values()), totals
    seq = seq_of(cli.engine)
    assert seq > 0

    again = cli.ok("demo")
    assert "already loaded" in again
    assert {u.login for u in read(cli.engine, select(User))} == DEMO_LOGINS
    assert {c.user_id: c.password_hash for c in read(cli.engine, select(Credential))} == (
        credentials
    )
    assert {m: count(cli.engine, m) for m in totals} == totals
    assert seq_of(cli.engine) == seq


def test_demo_after_users_were_added_keeps_their_passwords(cli: Cli) -> None:
    cli.migrate()  # then, as ``user add`` does:
    add_cli_user(cli.engine, "zhao.lei", "赵磊", "admin", None, "my own secret")
    add_cli_user(cli.engine, "sun.hao", "孙浩", "clerk", None, None)  # no password
    (own,) = read(cli.engine, select(Credential))

    cli.ok("demo")
    users = {u.login: u.id for u in read(cli.engine, select(User))}
    assert set(users) == DEMO_LOGINS | {"zhao.lei", "sun.hao"}
    credentials = {c.user_id: c.password_hash for c in read(cli.engine, select(Credential))}
    hasher = PasswordHasher()
    for login in DEMO_LOGINS:
        assert hasher.verify(credentials[users[login]], DEMO_PASSWORD)
    assert credentials[users["zhao.lei"]] == own.password_hash  # not the demo password
    assert users["sun.hao"] not in credentials  # no demo password for a real account


# --- company -------------------------------------------------------------------------------


def test_company_set_keeps_what_is_not_given_and_the_demo_has_a_letterhead(cli: Cli) -> None:
    from fieldapp.models.company import COMPANY_PROFILE_ID, CompanyProfile
    from sync.hq.models import Blob

    refused = cli.refused("company", "set", "--hotline", "400-820-6688")
    assert "--name-zh" in refused.stderr  # the first letterhead needs a name
    cli.ok("company", "set", "--name-zh", "中岳重工", "--email", "service@zhongyue.example.com")
    before = seq_of(cli.engine)
    bad_logo = cli.tmp / "logo.gif"
    bad_logo.write_bytes(b"GIF89a not a logo HQ takes")
    assert "PNG or a JPEG" in cli.refused("company", "set", "--logo", bad_logo).stderr
    cli.ok("company", "set", "--hotline", "400-820-6688")
    assert seq_of(cli.engine) == before + 1  # one versioned write: it syncs to devices
    shown = json.loads(cli.ok("company", "show"))
    assert shown["id"] == COMPANY_PROFILE_ID
    assert (shown["name_zh"], shown["hotline"]) == ("中岳重工", "400-820-6688")
    assert shown["email"] == "service@zhongyue.example.com" and shown["version"] == 2

    cli.ok("demo")  # the demo's letterhead and logo, drawn at build time
    [profile] = read(cli.engine, select(CompanyProfile))
    assert profile.name_zh == "中岳重工"  # an existing letterhead is HQ's own: kept
    assert count(cli.engine, Blob) >= 1
