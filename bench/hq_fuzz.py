"""A longer schemathesis run against a real HQ on loopback (the short, seeded one runs in
CI: tests/test_hq_openapi.py).

Starts ``python -m sync.hq.cli --db URL serve`` over a fresh database seeded with the
tests' small world, enrolls an engineer's and a supervisor's device, and sends
``--examples`` generated requests per operation and token (and without a token), first
schema-valid ones, then (``--negative``) ones that break the schema. Every answer is
checked: not a 5xx, a documented status, a body as documented. Prints the calls, the
statuses, the time and every failure; exits 1 if there was one.

    python bench/hq_fuzz.py [--examples 300] [--seed 20261201] [--negative]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemathesis import GenerationMode

from tests.conftest import seed_world
from tests.sync_support import PG_ENV, serving_hq
from tests.test_hq_openapi import SEED, FuzzReport, enroll_token, fuzz


def show(title: str, report: FuzzReport) -> None:
    print(f"\n== {title}")
    rate = report.calls / max(report.seconds, 1e-9)
    print(f"calls: {report.calls} in {report.seconds:.1f} s ({rate:.0f}/s)")
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(report.statuses.items()))
    print(f"statuses: {statuses}")
    print(f"5xx: {sum(n for status, n in report.statuses.items() if status >= 500)}")
    print(f"failures: {len(report.failures)}")
    for failure in report.failures:
        print(f"  - {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--negative", action="store_true", help="also schema-breaking requests")
    parser.add_argument("--pg", help="PostgreSQL admin URL: HQ on a scratch database there")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.pg:
        import os

        os.environ[PG_ENV] = args.pg
    kind = "postgresql" if args.pg else "sqlite"
    failed = False
    with tempfile.TemporaryDirectory() as tmp, serving_hq(kind, Path(tmp), seed_world) as served:
        server, _world = served
        tokens = {
            "engineer": enroll_token(server.base, server.code_for("zhang.wei")),
            "supervisor": enroll_token(server.base, server.code_for("wang.min")),
            "no token": "",
        }
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if args.negative else [])
        for mode in modes:

            def progress(label: str, _role: str, calls: int) -> None:
                print(f"  {label}: {calls}", flush=True)

            report = fuzz(server.base, tokens, args.examples, args.seed, progress, mode)
            show(f"HQ on {kind}, {mode.value} requests, {args.examples} per operation", report)
            failed = failed or bool(report.failures)
        log = (Path(tmp) / "hq-serve.log").read_text(errors="replace")
        tracebacks = log.count("Traceback")
        print(f"\ntracebacks in HQ's log: {tracebacks}")
        failed = failed or tracebacks > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
