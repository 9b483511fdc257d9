"""First start without typing: what IT or HQ hands the device. Either a
pre-configuration file placed by IT's installer, or the payload of the enrollment QR
code printed by ``fieldapp-hq enroll``."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import platformdirs

from fieldapp.paths import APP_AUTHOR, APP_NAME

log = logging.getLogger(__name__)

PRECONFIG_ENV = "FIELDAPP_PRECONFIG"
PRECONFIG_FILE = "preconfig.json"


class PreconfigError(ValueError):
    pass


@dataclass(frozen=True)
class Preconfig:
    server: str = ""
    code: str = ""
    language: str = ""
    device_name: str = ""


def check_server(server: str) -> str:
    """HQ's address as typed, checked: http(s)://host[:port][/path]."""
    server = server.strip().rstrip("/")
    parsed = urlparse(server)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PreconfigError("server_invalid")
    return server


def normalise_code(code: str) -> str:
    """Enrollment codes are read over the phone: spaces and dashes don't matter."""
    return "".join(ch for ch in code.strip() if ch not in " -")


def parse_enrollment_payload(text: str) -> Preconfig:
    """The QR code's text: {"fieldapp": "enroll", "server": ..., "code": ...}."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PreconfigError("qr_not_ours") from error
    if not isinstance(data, dict) or data.get("fieldapp") != "enroll":
        raise PreconfigError("qr_not_ours")
    return Preconfig(
        server=check_server(str(data.get("server", ""))),
        code=normalise_code(str(data.get("code", ""))),
    )


def preconfig_candidates(data_dir: Path) -> list[Path]:
    candidates = []
    if os.environ.get(PRECONFIG_ENV):
        candidates.append(Path(os.environ[PRECONFIG_ENV]))
    candidates.append(data_dir / PRECONFIG_FILE)
    candidates.append(Path(platformdirs.site_config_dir(APP_NAME, APP_AUTHOR)) / PRECONFIG_FILE)
    return candidates


def load_preconfig(data_dir: Path) -> Preconfig | None:
    """The first pre-configuration file found, or None. A broken file is logged and
    skipped: the engineer can still enroll by hand."""
    for path in preconfig_candidates(data_dir):
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise PreconfigError("not an object")
            server = str(data.get("server", ""))
            return Preconfig(
                server=check_server(server) if server else "",
                code=normalise_code(str(data.get("code", ""))),
                language=str(data.get("language", "")),
                device_name=str(data.get("device_name", "")),
            )
        except (OSError, ValueError) as error:
            log.error("Ignoring the pre-configuration file %s: %s", path, error)
    return None
