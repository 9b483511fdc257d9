"""The frozen app's cold start to the job list, measured as ``bench/bench_ui.py`` part 1a
measures the app from source: a fresh process (``QT_QPA_PLATFORM=offscreen``) opens the
app on the demo engineer's synced device and runs until the job list holds rows, is
exposed and painted; the time counts from the parent's ``Popen``. The frozen process is
``bench/ui_child.py`` frozen beside the app (``build.py --bench-child``).

    python packaging/bench_frozen.py FROZEN_FOLDER [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_ui import build_demo_device  # noqa: E402


def run(command: list[str], data_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    process = subprocess.Popen(
        [*command, str(data_dir), repr(started)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    _out, errors = process.communicate(timeout=120)
    if not line or process.returncode != 0:
        raise RuntimeError(f"the child failed ({process.returncode}):\n{errors[-3000:]}")
    return json.loads(line)  # type: ignore[no-any-return]


def measure(label: str, command: list[str], data_dir: Path, runs: int) -> None:
    run(command, data_dir)  # warm-up: the OS file cache, not counted
    totals = [run(command, data_dir)["marks"]["shown, exposed, painted"] for _ in range(runs)]
    sys.stdout.write(
        f"{label}: cold start to the job list: min {min(totals):.3f} s, "
        f"median {statistics.median(totals):.3f} s, max {max(totals):.3f} s ({runs} runs)\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("frozen", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="fieldapp-bench-frozen-"))
    folder.mkdir(parents=True, exist_ok=True)
    device = build_demo_device(folder)
    measure("frozen", [str(args.frozen / "fieldapp-bench-child")], device, args.runs)
    measure("source", [sys.executable, str(ROOT / "bench" / "ui_child.py")], device, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
