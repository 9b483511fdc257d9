"""The ``fieldapp`` command line, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def fieldapp(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.device_cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_data_then_status_json(tmp_path: Path) -> None:
    loaded = fieldapp(tmp_path, "demo-data")
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded" in loaded.stdout
    status = fieldapp(tmp_path, "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["counts"]["productmodel"] == 17
    assert report["counts"]["customer"] == 20
    assert report["counts"]["part"] >= 300
    assert report["pending_changes"] == {"total": 0, "by_table": {}}
    assert report["sync"]["enrolled"] is False
    again = fieldapp(tmp_path, "demo-data")
    assert again.returncode == 1 and "already loaded" in again.stderr
    assert (tmp_path / "logs" / "fieldapp.log").exists()


def test_sync_before_enrollment_says_so(tmp_path: Path) -> None:
    result = fieldapp(tmp_path, "sync")
    assert result.returncode == 2
    assert "not enrolled" in result.stderr


def test_the_demo_opens_as_the_supervisor_on_a_device_of_her_own(tmp_path: Path) -> None:
    result = fieldapp(tmp_path, "demo", "--as", "wang.min")
    assert result.returncode == 0, result.stderr
    assert "王敏 (wang.min)" in result.stdout
    status = json.loads(fieldapp(tmp_path / "demo" / "device-wang.min", "status", "--json").stdout)
    assert status["sync"]["user"] == "wang.min"
    # The team's signed reports, two of them waiting for her review.
    assert status["counts"]["signoff"] >= 60
    assert not (tmp_path / "demo" / "device").exists()  # the engineer's device is not hers
    wrong = fieldapp(tmp_path, "demo", "--as", "nobody")
    assert wrong.returncode == 2


def test_demo_runs_a_local_hq_and_syncs_the_demo_engineer(tmp_path: Path) -> None:
    result = fieldapp(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    assert "张伟" in result.stdout and "Changes waiting for sync: 0" in result.stdout
    status = json.loads(fieldapp(tmp_path / "demo" / "device", "status", "--json").stdout)
    assert status["sync"]["user"] == "zhang.wei"
    assert status["counts"]["job"] > 10  # his jobs and his customers' history
    assert status["counts"]["part"] >= 300
