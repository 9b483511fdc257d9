"""``fieldapp-hq``: HQ's server and administration from the command line."""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import platformdirs
from argon2 import PasswordHasher
from sqlmodel import col, select

from fieldapp.models import Device, Team, User
from fieldapp.models.enums import Role
from fieldapp.paths import setup_logging
from sync.hq.db import make_hq_engine, migrate_hq, prune_tombstones, session_scope
from sync.hq.service import SyncError, issue_enrollment, revoke_device

log = logging.getLogger(__name__)
DB_ENV = "FIELDAPP_HQ_DB"
SERVER_ENV = "FIELDAPP_HQ_URL"
DEFAULT_PORT = 8765
DEMO_PASSWORD = "fieldapp-demo"
DEMO_LOGINS = ("zhang.wei", "li.qiang", "wang.min", "chen.jing", "admin")


def default_db_url() -> str:
    folder = Path(platformdirs.user_data_dir("fieldapp-hq", "FieldApp"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'hq.sqlite'}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldapp-hq", description="fieldapp HQ server")
    parser.add_argument(
        "--db",
        default=os.environ.get(DB_ENV) or None,
        help="database URL (sqlite:///FILE or postgresql+psycopg://...)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("init", help="create or upgrade the database")

    from sync.hq import restore, serve

    serve.add_options(commands.add_parser("serve", help="run the server"))
    restore.add_commands(commands)  # backup, restore, restored

    user = commands.add_parser("user", help="manage users").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", help="add a user")
    add.add_argument("login")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--team", default=None, help="team name (created if new)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    enroll = commands.add_parser("enroll", help="issue a one-time enrollment code")
    enroll.add_argument("login")
    enroll.add_argument("--qr", type=Path, default=None, help="write the QR code to this PNG")
    enroll.add_argument(
        "--server",
        default=os.environ.get(SERVER_ENV) or None,
        help="HQ address the device should use",
    )
    enroll.add_argument(
        "--certfile",
        type=Path,
        default=Path(os.environ["FIELDAPP_HQ_CERTFILE"])
        if os.environ.get("FIELDAPP_HQ_CERTFILE")
        else None,
        help="HQ's TLS certificate (PEM): an https QR code carries its fingerprint and the "
        "device trusts that certificate only (default $FIELDAPP_HQ_CERTFILE)",
    )
    enroll.add_argument("--json", action="store_true", help="print one JSON object")

    device = commands.add_parser("device", help="manage devices").add_subparsers(
        dest="device_command", required=True
    )
    revoke = device.add_parser("revoke", help="revoke a device (a lost tablet)")
    revoke.add_argument("device_id")
    device.add_parser("list", help="list enrolled devices")

    imports = commands.add_parser("import", help="import from CSV").add_subparsers(
        dest="import_command", required=True
    )
    for name in ("catalogue", "jobs"):
        imports.add_parser(name, help=f"import {name} (all or nothing)").add_argument(
            "file", type=Path
        )
    imports.add_parser(
        "rescue", help="apply a damaged device's rescue file (`fieldapp rescue`) as its push"
    ).add_argument("file", type=Path)
    exports = commands.add_parser("export", help="export to CSV").add_subparsers(
        dest="export_command", required=True
    )
    exports.add_parser(
        "catalogue", help="the parts catalogue, in the format `import catalogue` reads"
    ).add_argument("--out", type=Path, default=None, help="the file (default: standard output)")

    company = commands.add_parser(
        "company", help="the company's letterhead on every report"
    ).add_subparsers(dest="company_command", required=True)
    company_set = company.add_parser(
        "set", help="set the letterhead (fields not given keep their value); syncs to devices"
    )
    for option, what in (
        ("--name-zh", "company name in Chinese (required the first time)"),
        ("--name-en", "company name in English"),
        ("--address-zh", "address in Chinese"),
        ("--address-en", "address in English"),
        ("--hotline", "service hotline, e.g. 400-820-6688"),
        ("--email", "the address customers reply to (Reply-To of report e-mails)"),
        ("--website", "web site"),
    ):
        company_set.add_argument(option, default=None, help=what)
    company_set.add_argument(
        "--follow-up-sample",
        type=int,
        default=None,
        metavar="PERCENT",
        help="share of grade-C jobs the office calls back, 0-100 (the same on every device)",
    )
    logo = company_set.add_mutually_exclusive_group()
    logo.add_argument("--logo", type=Path, default=None, help="logo picture (PNG or JPEG)")
    logo.add_argument("--no-logo", action="store_true", help="remove the logo")
    company.add_parser("show", help="print the letterhead as JSON")

    commands.add_parser("demo", help="load the demo data and the demo users")
    prune = commands.add_parser(
        "prune", help="forget tombstones older than the horizon (devices offline longer resync)"
    )
    prune.add_argument("--days", type=float, default=90.0)

    audit = commands.add_parser("audit", help="list who changed what (the audit trail)")
    which = audit.add_mutually_exclusive_group(required=True)
    which.add_argument("--job", metavar="NUMBER", help="every change to one job's rows")
    which.add_argument("--user", metavar="LOGIN", help="every change one user made")
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    commands.add_parser(
        "check", help="find rows changed behind HQ's back (raw SQL, bit rot) and repair them"
    )
    snapshot = commands.add_parser(
        "snapshot", help="build the snapshot of the catalogue and org that first syncs download"
    )
    snapshot.add_argument(
        "--list", action="store_true", help="list the snapshots HQ holds, build none"
    )
    snapshot.add_argument(
        "--force", action="store_true", help="build even when the newest one is current"
    )
    snapshot.add_argument(
        "--min-rows",
        type=int,
        default=None,
        help="build only when the shared buckets hold this many rows "
        "(default: the snapshot_min_rows setting, 2000)",
    )
    measures = commands.add_parser("measures", help="a month's measures, per engineer and team")
    measures.add_argument("--month", required=True, metavar="YYYY-MM")
    measures.add_argument("--team", default=None, metavar="NAME", help="one team (default: all)")
    measures.add_argument(
        "--table",
        default="engineers",
        help="with --csv: engineers (default), jobs_by_type, "
        "parts_used, pareto, repeat_repairs, hours_between_faults, exclusions",
    )
    measures.add_argument(
        "--as-of", default=None, metavar="ISO", help="count as at this instant (default: now)"
    )
    shape = measures.add_mutually_exclusive_group(required=True)
    shape.add_argument("--json", action="store_true", help="every figure with its jobs")
    shape.add_argument("--csv", action="store_true", help="one table as CSV (UTF-8, BOM)")
    return parser


def enrollment_payload(server: str, code: str, fingerprint: str = "") -> str:
    """What the QR code carries; the app reads it from a photo or a file. With an https
    server, the SHA-256 of HQ's certificate: the device pins it (sync/client.py)."""
    payload = {"fieldapp": "enroll", "server": server, "code": code}
    if fingerprint:
        payload["fingerprint"] = fingerprint
    return json.dumps(payload, separators=(",", ":"))


def certificate_fingerprint(certfile: Path) -> str:
    """SHA-256 of the (first) certificate of a PEM file, as 64 hex digits."""
    import hashlib
    import ssl

    pem = certfile.read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    if end not in pem:
        raise ValueError(f"{certfile} holds no PEM certificate")
    first = pem[: pem.index(end) + len(end)]
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(first)).hexdigest()


def cmd_enroll(engine: object, args: argparse.Namespace) -> int:
    import qrcode

    server = args.server or f"http://127.0.0.1:{DEFAULT_PORT}"
    with session_scope(engine) as session:  # type: ignore[arg-type]
        user = session.exec(select(User).where(User.login == args.login)).first()
        if user is None:
            sys.stderr.write(f"fieldapp-hq: no user {args.login}\n")
            return 1
        code, expires = issue_enrollment(session, user)
    fingerprint = ""
    if args.certfile is not None and server.lower().startswith("https://"):
        try:
            fingerprint = certificate_fingerprint(args.certfile)
        except (OSError, ValueError) as error:
            sys.stderr.write(f"fieldapp-hq: {error}\n")
            return 1
    payload = enrollment_payload(server, code, fingerprint)
    qr = qrcode.QRCode(border=2)
    qr.add_data(payload)
    qr.make(fit=True)
    if args.qr:
        qr.make_image().save(args.qr)
    if args.json:
        sys.stdout.write(
            json.dumps(
                {
                    "code": code,
                    "server": server,
                    "expires": expires.isoformat(),
                    "login": args.login,
                    "qr": str(args.qr) if args.qr else None,
                    "fingerprint": fingerprint,
                    "payload": payload,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        return 0
    terminal = io.StringIO()
    qr.print_ascii(out=terminal, invert=True)
    sys.stdout.write(terminal.getvalue())
    sys.stdout.write(f"Enrollment code for {args.login}: {code}\n")
    sys.stdout.write(f"Server: {server}\nValid until: {expires.isoformat()}\n")
    if args.qr:
        sys.stdout.write(f"QR code written to {args.qr}\n")
    return 0


def add_user(
    engine: object, login: str, name: str, role: str, team: str | None, password: str | None
) -> User:
    from sync.hq.models import Credential

    with session_scope(engine) as session:  # type: ignore[arg-type]
        if session.exec(select(User).where(User.login == login)).first():
            raise SyncError(409, "login_taken", f"User {login} exists already.")
        team_id = None
        if team:
            row = session.exec(select(Team).where(Team.name_zh == team)).first()
            if row is None:
                row = Team(name_zh=team, name_en=team)
                session.add(row)
                session.flush()
            team_id = row.id
        user = User(login=login, display_name=name, role=role, team_id=team_id)
        session.add(user)
        session.flush()
        if password:
            session.add(Credential(user_id=user.id, password_hash=PasswordHasher().hash(password)))
        return user


def cmd_demo(engine: object) -> int:
    from fieldapp.demo import DemoAlreadyLoadedError, load_demo
    from fieldapp.demo_company import demo_logo_png
    from sync.hq.company import store_blob
    from sync.hq.models import Credential

    try:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            counts = load_demo(session)
            store_blob(session, demo_logo_png())  # the letterhead's logo
            hasher = PasswordHasher()
            # Only the demo's own users get the demo password, never a real account.
            for user in session.exec(select(User).where(col(User.login).in_(DEMO_LOGINS))).all():
                if session.get(Credential, user.id) is None:
                    session.add(
                        Credential(user_id=user.id, password_hash=hasher.hash(DEMO_PASSWORD))
                    )
    except DemoAlreadyLoadedError:
        sys.stdout.write("The demo data is already loaded.\n")
        return 0
    sys.stdout.write(
        f"Loaded {sum(counts.values())} demo rows. Demo users "
        f"(password {DEMO_PASSWORD}): zhang.wei, li.qiang (engineers), "
        "wang.min (supervisor), chen.jing (follow-up clerk), admin.\n"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = args.db or default_db_url()
    if url.startswith("sqlite:///"):
        setup_logging(Path(url.removeprefix("sqlite:///")).resolve().parent)
    engine = make_hq_engine(url)
    args.db_url = url
    if args.command in {"init", "serve", "demo", "company"}:
        migrate_hq(engine)
    try:
        return _dispatch(engine, args)
    except SyncError as error:
        sys.stderr.write(f"fieldapp-hq: {error.message}\n")
        return 1
    finally:
        engine.dispose()


def _dispatch(engine: object, args: argparse.Namespace) -> int:
    if args.command == "init":
        sys.stdout.write("HQ database is up to date.\n")
        return 0
    if args.command == "serve":
        from sync.hq import serve  # settings, workers, HTTPS (sync/hq/serve.py)

        return serve.run(engine, args.db_url, args)
    from sync.hq import restore

    if args.command in restore.COMMANDS:
        return restore.run_command(engine, args.db_url, args)  # type: ignore[arg-type]
    if args.command == "user":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
        if args.password_stdin and not password:
            sys.stderr.write("fieldapp-hq: the password on standard input is empty\n")
            return 1
        user = add_user(engine, args.login, args.name, args.role, args.team, password)
        sys.stdout.write(f"User {user.login} ({user.role}) added: {user.id}\n")
        return 0
    if args.command == "enroll":
        return cmd_enroll(engine, args)
    if args.command == "measures":
        return cmd_measures(engine, args)
    if args.command == "snapshot":
        return cmd_snapshot(engine, args)
    if args.command == "device":
        with session_scope(engine) as session:  # type: ignore[arg-type]
            if args.device_command == "revoke":
                device = revoke_device(session, args.device_id)
                sys.stdout.write(f"Device {device.id} revoked.\n")
            else:
                for device in session.exec(select(Device)).all():
                    state = "revoked" if device.revoked_at else "active"
                    sys.stdout.write(f"{device.id}  {device.name:<20} {state}\n")
        return 0
    if args.command == "import":
        if args.import_command == "rescue":
            return cmd_import_rescue(engine, args)
        return cmd_import(engine, args)
    if args.command == "export":
        return cmd_export_catalogue(engine, args)
    if args.command == "demo":
        return cmd_demo(engine)
    if args.command == "company":
        return cmd_company(engine, args)
    if args.command == "audit":
        return cmd_audit(engine, args)
    if args.command == "check":
        return cmd_check(engine)
    if args.command == "prune":
        with session_scope(engine) as session:  # type: ignore[arg-type]
            pruned = prune_tombstones(session, timedelta(days=args.days))
        sys.stdout.write(f"Pruned {pruned} tombstones older than {args.days:g} days.\n")
        return 0
    raise AssertionError(args.command)


def cmd_audit(engine: object, args: argparse.Namespace) -> int:
    from sync.hq.audit import listing

    with session_scope(engine) as session:  # type: ignore[arg-type]
        try:
            lines = listing(session, job_number=args.job, login=args.user)
        except LookupError as error:
            sys.stderr.write(f"fieldapp-hq: {error}\n")
            return 1
    for line in lines:
        if args.json:
            shown = {**line.__dict__, "at": line.at.isoformat()}
            sys.stdout.write(json.dumps(shown, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(
                f"{line.at.isoformat(timespec='seconds')}  {line.user:<12} "
                f"{line.device or '-':<24} {line.op:<6} {line.table} {line.row_id} "
                f"v{line.version} {line.fields}\n"
            )
    return 0


def cmd_check(engine: object) -> int:
    from sync.hq.integrity import recheck

    with session_scope(engine) as session:  # type: ignore[arg-type]
        result = recheck(session)
    sys.stdout.write(
        f"Checked {result.rows} rows: {len(result.repaired)} repaired, "
        f"{len(result.tampered)} of signed reports changed, {len(result.missing)} missing.\n"
    )
    for table, row_id in result.repaired:
        sys.stdout.write(f"repaired  {table} {row_id} (devices get HQ's content)\n")
    for table, row_id in result.tampered:
        sys.stdout.write(f"TAMPERED  {table} {row_id} (a signed report: restore it)\n")
    for table, row_id in result.missing:
        sys.stdout.write(f"MISSING   {table} {row_id}\n")
    return 1 if result.tampered or result.missing else 0


def cmd_company(engine: object, args: argparse.Namespace) -> int:
    from fieldapp.company import PROFILE_TEXT_FIELDS, ProfileError, company_profile
    from fieldapp.wire import row_to_wire
    from sync.hq.company import set_company_profile

    if args.company_command == "show":
        with session_scope(engine) as session:  # type: ignore[arg-type]
            profile = company_profile(session)
            shown = row_to_wire(profile) if profile else None
        sys.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2) + "\n")
        return 0 if shown else 1
    changes = {name: getattr(args, name) for name in PROFILE_TEXT_FIELDS}
    sample = args.follow_up_sample
    if sample is not None and not 0 <= sample <= 100:
        sys.stderr.write("fieldapp-hq: --follow-up-sample is a percentage from 0 to 100.\n")
        return 1
    try:
        logo = args.logo.read_bytes() if args.logo else None
    except OSError as error:
        sys.stderr.write(f"fieldapp-hq: cannot read the logo {args.logo}: {error.strerror}\n")
        return 1
    try:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            profile = set_company_profile(session, changes, logo=logo, remove_logo=args.no_logo)
            if sample is not None and profile.follow_up_sample_percent != sample:
                profile.follow_up_sample_percent = sample
            session.flush()
            version = profile.version
    except ProfileError as error:
        sys.stderr.write(f"fieldapp-hq: {error}\n")
        return 1
    sys.stdout.write(f"Letterhead set (version {version}); devices get it at their next sync.\n")
    return 0


def cmd_import(engine: object, args: argparse.Namespace) -> int:
    from sync.hq.imports import ImportRejected, import_catalogue, import_jobs

    importer = import_catalogue if args.import_command == "catalogue" else import_jobs
    try:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            report = importer(session, args.file)
    except ImportRejected as rejected:
        for line, reason in rejected.report.errors:
            sys.stderr.write(f"{args.file}:{line}: {reason}\n")
        sys.stderr.write(
            f"fieldapp-hq: nothing imported ({len(rejected.report.errors)} bad lines)\n"
        )
        return 1
    except FileNotFoundError:
        sys.stderr.write(f"fieldapp-hq: no file {args.file}\n")
        return 1
    encoding = "" if report.encoding == "utf-8" else f" (read as {report.encoding})"
    sys.stdout.write(
        f"Imported {args.file}{encoding}: {report.created} created, {report.updated} updated.\n"
    )
    if args.import_command == "catalogue":
        from sync.hq import snapshots

        # New devices download the new catalogue as one file from now on.
        built = snapshots.build_if_stale(engine, min_rows=_snapshot_min_rows())  # type: ignore[arg-type]
        if built is not None:
            sys.stdout.write(f"Snapshot for first syncs rebuilt: {built.rows} rows.\n")
    return 0


def _snapshot_min_rows() -> int:
    """The threshold HQ's settings give (FIELDAPP_HQ_SNAPSHOT_MIN_ROWS, the file)."""
    from sync.hq.settings import HQSettings

    return HQSettings().snapshot_min_rows


def cmd_snapshot(engine: object, args: argparse.Namespace) -> int:
    from sync.hq import snapshots

    if args.list:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            listed = snapshots.describe(snapshots.all_snapshots(session))
        sys.stdout.write(json.dumps(listed, ensure_ascii=False, indent=2) + "\n")
        return 0
    min_rows = _snapshot_min_rows() if args.min_rows is None else args.min_rows
    if args.force:
        built = snapshots.build(engine, min_rows=min_rows)  # type: ignore[arg-type]
    else:
        built = snapshots.build_if_stale(engine, min_rows=min_rows)  # type: ignore[arg-type]
    if built is None:
        with session_scope(engine) as session:  # type: ignore[arg-type]
            current = not snapshots.stale(session)
        reason = "the newest one is current" if current else "too few rows, or another builds"
        sys.stdout.write(f"No snapshot built: {reason}.\n")
        return 0
    sys.stdout.write(
        f"Snapshot {built.sha256} built: {built.rows} rows up to seq {built.seq}, "
        f"{built.size / 1e6:.1f} MB, {built.build_seconds:.1f} s.\n"
    )
    return 0


def cmd_import_rescue(engine: object, args: argparse.Namespace) -> int:
    from sync.hq.rescue import RescueRefused, import_rescue, load_rescue

    try:
        content = load_rescue(args.file)
        # As the push does: HQ's row log names the device the changes came from.
        device_id = str(content.get("device_id") or "") or None
        with session_scope(engine, device_id=device_id) as session:  # type: ignore[arg-type]
            report = import_rescue(session, content)
    except FileNotFoundError:
        sys.stderr.write(f"fieldapp-hq: no file {args.file}\n")
        return 1
    except RescueRefused as refused:
        sys.stderr.write(f"fieldapp-hq: nothing imported: {refused}\n")
        return 1
    for row, code, reason in report.rejected:
        sys.stderr.write(f"{args.file}: {row} refused ({code}): {reason}\n")
    sys.stdout.write(
        f"Rescue of device {content.get('device_id')} ({content.get('login')}): "
        f"{report.applied} changes applied, {len(report.rejected)} refused, "
        f"{report.blobs} photos.\n"
    )
    return 0


def cmd_measures(engine: object, args: argparse.Namespace) -> int:
    """The month's figures for other systems, from the functions the app's screen uses."""
    from fieldapp.services import measures as m

    try:
        m.parse_month(args.month)
    except ValueError as error:
        sys.stderr.write(f"fieldapp-hq: {error}\n")
        return 2
    with session_scope(engine) as session:  # type: ignore[arg-type]
        team_id = None
        if args.team:
            team = m.team_by_name(session, args.team)
            if team is None:
                sys.stderr.write(f"fieldapp-hq: no team named {args.team}\n")
                return 1
            team_id = team.id
        as_of = datetime.fromisoformat(args.as_of) if args.as_of else None
        month = m.month_measures(session, args.month, team_id=team_id, now=as_of)
    if args.json:
        sys.stdout.write(json.dumps(month.to_dict(), ensure_ascii=False, indent=1) + "\n")
        return 0
    tables = {t.name: t for t in m.all_tables(month)}
    if args.table not in tables:
        sys.stderr.write(f"fieldapp-hq: no table {args.table}: {', '.join(tables)}\n")
        return 2
    sys.stdout.buffer.write(m.csv_text(tables[args.table]).encode("utf-8"))
    sys.stdout.flush()
    return 0


def cmd_export_catalogue(engine: object, args: argparse.Namespace) -> int:
    from sync.hq.imports import export_catalogue

    with session_scope(engine) as session:  # type: ignore[arg-type]
        if args.out is None:
            written = export_catalogue(session, sys.stdout)
        else:
            with args.out.open("w", encoding="utf-8", newline="") as out:
                written = export_catalogue(session, out)
    sys.stderr.write(f"Exported {written} parts.\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
