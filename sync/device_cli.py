"""The ``fieldapp`` command: the domain's commands plus enrollment and sync."""

from __future__ import annotations

import argparse
import logging
import platform
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import select

from fieldapp import cli
from fieldapp.models import User
from fieldapp.paths import DEMO_ENGINEER, DEMO_USERS, STORE_FILE
from fieldapp.store import Store
from fieldapp.store_health import StoreProblem, set_aside
from sync.client import PULL_PAGE, SyncClient, SyncFailed, enroll, sync_status
from sync.rescue import store_identity, write_rescue
from sync.token_store import forget_token, has_token, token_location

log = logging.getLogger(__name__)


def cmd_enroll(store: Store, args: argparse.Namespace) -> int:
    try:
        answer = enroll(
            store,
            args.data_dir,
            args.server,
            args.code,
            device_name=args.name or socket.gethostname(),
            platform=platform.system(),
        )
    except SyncFailed as failure:
        sys.stderr.write(f"fieldapp: enrollment failed: {failure.message}\n")
        return 2
    sys.stdout.write(
        f"Enrolled as {answer.display_name} ({answer.login}, {answer.role}); "
        f"device {answer.device_id}\n"
    )
    return 0


def cmd_sync(store: Store, args: argparse.Namespace) -> int:
    def progress(phase: str, done: int, total: int) -> None:
        log.info("sync %s %d/%d", phase, done, total)

    try:
        client = SyncClient(store, args.data_dir, progress=progress, page_size=args.page_size)
    except SyncFailed as failure:
        sys.stderr.write(f"fieldapp: {failure.message}\n")
        return 2
    try:
        report = client.sync(full_verify=True if args.verify_all else None)
    except SyncFailed as failure:
        sys.stderr.write(f"fieldapp: sync failed ({failure.code}): {failure.message}\n")
        return 3 if failure.code == "update_required" else 1
    finally:
        client.close()
    sys.stdout.write(
        f"Synced: {report.pushed} changes sent, {report.pulled} received, "
        f"{report.rejected} refused by HQ, {report.conflicts} conflicts, "
        f"{report.blobs_up} photos up, {report.blobs_down} down, "
        f"{report.verified_buckets} scopes verified"
        + (f", {len(report.repaired_buckets)} repaired" if report.repaired_buckets else "")
        + ".\n"
    )
    if report.rejected:
        sys.stdout.write("Some changes were refused: see `fieldapp status`.\n")
    return 0


def cmd_demo(store: Store, args: argparse.Namespace) -> int:
    """The demo's headless part: a local HQ with the demo data, the demo engineer's
    device enrolled and synced, then what the device holds."""
    from sync.demo import run_demo

    report = run_demo(args.data_dir.parent, store, args.data_dir, args.demo_as)
    with store.reader() as session:
        user = session.exec(select(User).where(User.login == args.demo_as)).first()
    who = f"{user.display_name} ({args.demo_as})" if user else args.demo_as
    sys.stdout.write(
        f"Demo: a local HQ with the demo data; device of {who} synced "
        f"({report.pulled} rows received, {report.verified_buckets} scopes verified).\n"
    )
    return cli.cmd_status(store, argparse.Namespace(json=False))


def cmd_rescue(data_dir: Path, problem: StoreProblem | None, args: argparse.Namespace) -> int:
    """Save what can be read of the store's unsynced work to a file for support."""
    if problem is not None and problem.kind in cli.FOLDER_PROBLEMS:
        sys.stderr.write(f"fieldapp: {problem.explain()}\n")
        return cli.EXIT_STORE_PROBLEM
    out: Path = args.out
    try:
        content = write_rescue(data_dir, out)
    except OSError as error:
        sys.stderr.write(f"fieldapp: cannot write {out}: {error.strerror or error}\n")
        return 1
    changes, lost = len(content["mutations"]), content["unreadable_entries"]
    sys.stdout.write(
        f"Saved {changes} changes not yet synced to {out}"
        + (f"; {lost} could not be read" if lost else "")
        + ". Send the file to support: they import it at HQ with "
        f"`fieldapp-hq import rescue {out.name}`.\n"
    )
    if content["error"]:
        sys.stdout.write(f"The store could only be read in part: {content['error']}\n")
    return 0


def cmd_set_aside(data_dir: Path, problem: StoreProblem | None, args: argparse.Namespace) -> int:
    """Move a damaged store aside (kept, timestamped) so the device can enroll afresh."""
    if problem is None:
        sys.stderr.write(
            "fieldapp: the local store is fine; nothing was set aside. (Its changes not yet "
            "synced would be left behind: run `fieldapp sync` instead.)\n"
        )
        return 1
    if problem.kind in cli.FOLDER_PROBLEMS:
        sys.stderr.write(f"fieldapp: {problem.explain()}\n")
        return cli.EXIT_STORE_PROBLEM
    server = store_identity(data_dir)["server"] if problem.rescuable else ""
    had_store = (data_dir / STORE_FILE).exists()
    kept = set_aside(data_dir)
    forget_token(data_dir)
    sys.stdout.write(
        (f"The damaged store is kept as {kept}. " if had_store else "")
        + "Enroll this device again "
        f"(`fieldapp enroll --server {server or 'HQ-ADDRESS'} --code CODE`, with a new code "
        "from your supervisor), then `fieldapp sync` brings your jobs back from HQ.\n"
    )
    return 0


def register(commands: argparse._SubParsersAction) -> dict[str, cli.Command]:  # type: ignore[type-arg]
    enroll_parser = commands.add_parser("enroll", help="enroll this device with HQ")
    enroll_parser.add_argument("--server", required=True, help="HQ's address, http(s)://...")
    enroll_parser.add_argument("--code", required=True, help="the one-time enrollment code")
    enroll_parser.add_argument("--name", default=None, help="a name for this device")
    sync_parser = commands.add_parser("sync", help="send local changes to HQ and receive HQ's")
    sync_parser.add_argument(
        "--verify-all",
        action="store_true",
        help="check every scope against HQ, not only what changed",
    )
    # Small pages for the tests of an interrupted pull.
    sync_parser.add_argument("--page-size", type=int, default=PULL_PAGE, help=argparse.SUPPRESS)
    demo = commands.add_parser(
        "demo", help="the demo: a local HQ with demo data and the demo engineer's device"
    )
    demo.add_argument(
        "--as",
        dest="demo_as",
        choices=DEMO_USERS,
        default=DEMO_ENGINEER,
        help="whose device: an engineer, the supervisor (wang.min), the clerk (chen.jing)",
    )
    rescue = commands.add_parser(
        "rescue", help="save the unsynced work of a damaged store to a file for support"
    )
    rescue.add_argument("--out", type=Path, required=True, help="the file to write")
    commands.add_parser(
        "set-aside",
        help="keep a damaged store aside (renamed, not deleted) to enroll again",
    )
    return {"enroll": cmd_enroll, "sync": cmd_sync, "demo": cmd_demo}


cli.STATUS_EXTRAS["sync"] = sync_status
cli.STATUS_EXTRAS["token"] = lambda store: token_location(store.path.parent)
cli.HAS_TOKEN.append(has_token)
cli.FOLDER_COMMANDS.update({"rescue": cmd_rescue, "set-aside": cmd_set_aside})


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, extensions=[register])


if __name__ == "__main__":
    raise SystemExit(main())
