"""First start without typing: IT's pre-configuration file and the enrollment QR code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.hq.cli import enrollment_payload
from sync.preconfig import (
    PRECONFIG_ENV,
    PreconfigError,
    check_server,
    load_preconfig,
    normalise_code,
    parse_enrollment_payload,
)


def test_the_qr_payload_round_trips() -> None:
    read = parse_enrollment_payload(enrollment_payload("http://10.0.0.5:8000/", "ABCD-EFGH-JKLM"))
    assert (read.server, read.code) == ("http://10.0.0.5:8000", "ABCDEFGHJKLM")


@pytest.mark.parametrize(
    "text",
    ["hello", "[1, 2]", '{"fieldapp": "other"}', '{"fieldapp": "enroll", "server": "ftp://x"}'],
)
def test_other_qr_codes_are_refused(text: str) -> None:
    with pytest.raises(PreconfigError):
        parse_enrollment_payload(text)


def test_addresses_and_codes() -> None:
    assert check_server(" https://hq.example.com/ ") == "https://hq.example.com"
    for bad in ("hq.example.com", "http://", "mailto:x@y"):
        with pytest.raises(PreconfigError):
            check_server(bad)
    assert normalise_code(" abcd efgh-jklm ") == "abcdefghjklm"


def test_the_file_it_placed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PRECONFIG_ENV, raising=False)
    assert load_preconfig(tmp_path) is None
    (tmp_path / "preconfig.json").write_text(
        json.dumps({"server": "https://hq.example.com", "code": "AB CD", "language": "en"}),
        encoding="utf-8",
    )
    found = load_preconfig(tmp_path)
    assert found is not None and (found.server, found.code, found.language) == (
        "https://hq.example.com",
        "ABCD",
        "en",
    )
    # The environment names another file; a broken one is skipped, never fatal.
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv(PRECONFIG_ENV, str(broken))
    assert load_preconfig(tmp_path) == found
