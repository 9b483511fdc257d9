"""The ``fieldapp`` command line: everything the app's store can do without a window."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from fieldapp import __version__
from fieldapp.paths import STORE_FILE, default_data_dir, demo_device_dir, setup_logging
from fieldapp.store import Store, StoreOpenError
from fieldapp.store_health import ProblemKind, StoreProblem, check_data_dir, open_marker

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fieldapp",
        description="Offline-first field service for construction-machinery engineers.",
    )
    parser.add_argument("--version", action="version", version=f"fieldapp {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder of the local store and logs (default: the user's data folder)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo_data = commands.add_parser("demo-data", help="fill the local store with the demo data")
    demo_data.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="date the demo is centred on (default: today)",
    )

    status = commands.add_parser("status", help="what the local store holds")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def cmd_demo_data(store: Store, args: argparse.Namespace) -> int:
    from fieldapp.demo import DemoAlreadyLoadedError, load_demo

    try:
        # Demo rows stand for what HQ sent: they are not local changes to upload.
        with store.action(track=False) as session:
            counts = load_demo(session, today=args.today)
    except DemoAlreadyLoadedError as error:
        sys.stderr.write(f"fieldapp: {error}\n")
        return 1
    total = sum(counts.values())
    log.info("Demo data loaded: %s rows", total)
    sys.stdout.write(f"Loaded {total} demo rows into {store.path}\n")
    for table, count in sorted(counts.items()):
        sys.stdout.write(f"  {table:<24} {count:>6}\n")
    return 0


#: Higher layers (sync, ui) add to the status report: name -> function of the store.
STATUS_EXTRAS: dict[str, Callable[[Store], object]] = {}


def status_report(store: Store) -> dict[str, object]:
    pending = store.pending_changes()
    report: dict[str, object] = {
        "store": str(store.path),
        "schema_revision": store.schema_revision(),
        "counts": store.counts(),
        "pending_changes": {"total": sum(pending.values()), "by_table": pending},
    }
    for name, extra in STATUS_EXTRAS.items():
        report[name] = extra(store)
    return report


def cmd_status(store: Store, args: argparse.Namespace) -> int:
    report = status_report(store)
    if args.json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return 0
    counts = report["counts"]
    assert isinstance(counts, dict)
    pending = report["pending_changes"]
    assert isinstance(pending, dict)
    sys.stdout.write(f"Store: {report['store']} (schema {report['schema_revision']})\n")
    for table, count in counts.items():
        if count:
            sys.stdout.write(f"  {table:<24} {count:>8}\n")
    sys.stdout.write(f"Changes waiting for sync: {pending['total']}\n")
    for name in STATUS_EXTRAS:
        sys.stdout.write(f"{name}: {json.dumps(report[name], ensure_ascii=False)}\n")
    return 0


Command = Callable[[Store, argparse.Namespace], int]
#: Commands on the data folder rather than an open store: the recovery of a damaged
#: one (rescue, set-aside). They get the folder, its problem (or None) and the args.
FolderCommand = Callable[[Path, StoreProblem | None, argparse.Namespace], int]
FOLDER_COMMANDS: dict[str, FolderCommand] = {}
#: Whether the device holds a token (the sync layer adds its check): a store missing
#: beside a token is a lost store, not a new device.
HAS_TOKEN: list[Callable[[Path], bool]] = []
FOLDER_PROBLEMS = {ProblemKind.FOLDER_IS_FILE, ProblemKind.FOLDER_NOT_WRITABLE}
#: The exit code when the store (or its folder) is not fit to open.
EXIT_STORE_PROBLEM = 4
COMMANDS: dict[str, Command] = {"demo-data": cmd_demo_data, "status": cmd_status}
#: Higher layers register more commands: a function that adds parsers, and handlers.
Extension = Callable[[argparse._SubParsersAction], dict[str, Command]]  # type: ignore[type-arg]


def main(argv: Sequence[str] | None = None, extensions: Sequence[Extension] = ()) -> int:
    parser = build_parser()
    commands = dict(COMMANDS)
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    for extension in extensions:
        commands.update(extension(subparsers))
    args = parser.parse_args(argv)
    data_dir: Path = args.data_dir or default_data_dir()
    if args.command == "demo":
        # The demo never touches the engineer's real store.
        data_dir = demo_device_dir(data_dir / "demo", args.demo_as)
    args.data_dir = data_dir
    # The store is checked before it is opened, every page (SQLite's quick_check: 80 ms
    # on a 100 MB store): a damaged one is neither used nor replaced (store_health.py).
    problem = check_data_dir(
        data_dir,
        has_token=lambda: any(check(data_dir) for check in HAS_TOKEN),
        quick_check=True,
    )
    if problem is None or problem.kind not in FOLDER_PROBLEMS:
        setup_logging(data_dir)
    if args.command in FOLDER_COMMANDS:
        return FOLDER_COMMANDS[args.command](data_dir, problem, args)
    if problem is not None:
        log.error("Store not opened: %s (%s)", problem.kind, problem.detail)
        sys.stderr.write(f"fieldapp: {problem.explain()}\n")
        return EXIT_STORE_PROBLEM
    try:
        store = Store(data_dir / STORE_FILE)
    except StoreOpenError as error:
        # A migration that failed (the store was put back) or a newer store.
        log.error("Store not opened: %s", error)
        sys.stderr.write(f"fieldapp: {error}\n")
        return EXIT_STORE_PROBLEM
    try:
        with open_marker(data_dir):
            return commands[args.command](store, args)
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
