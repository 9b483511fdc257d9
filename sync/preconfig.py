"""First start without typing: what IT or HQ hands the device.

One precedence, field by field (:func:`resolve`): IT's **policy** (on Windows the
registry key ``HKLM\\Software\\Policies\\FieldApp`` that Group Policy, Intune or the MSI's
properties write; on Linux ``/etc/fieldapp/config.json``, the .deb's conffile) over IT's
**provisioning file** (``preconfig.json``, see :func:`preconfig_candidates`) over the
**QR code** printed by ``fieldapp-hq enroll`` over what the engineer **typed**. With a
server and a code from IT the app enrolls itself on first start. A QR code (or IT) may
carry HQ's TLS certificate fingerprint (SHA-256): the device then accepts only that
certificate for that HQ (``sync.client.PinnedAdapter``)."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlparse

import platformdirs

from fieldapp.paths import APP_AUTHOR, APP_NAME

log = logging.getLogger(__name__)

PRECONFIG_ENV = "FIELDAPP_PRECONFIG"
PRECONFIG_FILE = "preconfig.json"
#: IT's policy on Linux (the .deb's conffile).
POLICY_FILE = Path("/etc/fieldapp/config.json")
#: IT's policy on Windows, under HKEY_LOCAL_MACHINE.
POLICY_KEY = r"Software\Policies\FieldApp"
#: Registry value (and the MSI property that writes it) -> Preconfig field.
POLICY_VALUES = {
    "Server": "server",
    "EnrollCode": "code",
    "Language": "language",
    "DeviceName": "device_name",
    "Fingerprint": "fingerprint",
}


class PreconfigError(ValueError):
    pass


@dataclass(frozen=True)
class Preconfig:
    server: str = ""
    code: str = ""
    language: str = ""
    device_name: str = ""
    fingerprint: str = ""  # HQ's TLS certificate, SHA-256 as 64 hex digits
    #: Where it came from: "policy", "provisioning", "qr" or "typed" (IT's two enroll
    #: the device by themselves on first start).
    source: str = field(default="", compare=False)

    @property
    def from_it(self) -> bool:
        return self.source in ("policy", "provisioning")

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "source")


def resolve(*layers: Preconfig | None) -> Preconfig | None:
    """The layers merged, the first (highest) that sets a field wins it: call as
    ``resolve(policy, provisioning, qr, typed)``. None when no layer says anything.
    The result's source is that of the highest layer that set anything."""
    present = [layer for layer in layers if layer is not None and not layer.is_empty()]
    if not present:
        return None
    values = {
        f.name: next((getattr(layer, f.name) for layer in present if getattr(layer, f.name)), "")
        for f in fields(Preconfig)
        if f.name != "source"
    }
    return Preconfig(**values, source=present[0].source)


def normalise_fingerprint(text: str) -> str:
    """A SHA-256 fingerprint as 64 lower-case hex digits (colons and spaces dropped)."""
    digits = "".join(ch for ch in text.strip().lower() if ch not in ": ")
    if not digits:
        return ""
    if len(digits) != 64 or any(ch not in "0123456789abcdef" for ch in digits):
        raise PreconfigError("fingerprint_invalid")
    return digits


def from_mapping(data: dict[str, object], source: str) -> Preconfig:
    """A checked Preconfig from a file's or the registry's keys."""
    server = str(data.get("server", "") or "")
    return Preconfig(
        server=check_server(server) if server else "",
        code=normalise_code(str(data.get("code", "") or "")),
        language=str(data.get("language", "") or ""),
        device_name=str(data.get("device_name", "") or ""),
        fingerprint=normalise_fingerprint(str(data.get("fingerprint", "") or "")),
        source=source,
    )


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
        fingerprint=normalise_fingerprint(str(data.get("fingerprint", "") or "")),
        source="qr",
    )


def preconfig_candidates(data_dir: Path) -> list[Path]:
    candidates = []
    if os.environ.get(PRECONFIG_ENV):
        candidates.append(Path(os.environ[PRECONFIG_ENV]))
    candidates.append(data_dir / PRECONFIG_FILE)
    candidates.append(Path(platformdirs.site_config_dir(APP_NAME, APP_AUTHOR)) / PRECONFIG_FILE)
    return candidates


def load_provisioning(data_dir: Path) -> Preconfig | None:
    """The first provisioning file found, or None. A broken file is logged and
    skipped: the engineer can still enroll by hand."""
    for path in preconfig_candidates(data_dir):
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise PreconfigError("not an object")
            return from_mapping(data, "provisioning")
        except (OSError, ValueError) as error:
            log.error("Ignoring the pre-configuration file %s: %s", path, error)
    return None


def _registry_policy() -> dict[str, object]:
    import winreg  # Windows only

    found: dict[str, object] = {}
    try:
        key = winreg.OpenKey(  # type: ignore[attr-defined]
            winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined]
            POLICY_KEY,
            0,
            winreg.KEY_READ | winreg.KEY_WOW64_64KEY,  # type: ignore[attr-defined]
        )
    except OSError:
        return found
    with key:
        for name, field_name in POLICY_VALUES.items():
            try:
                value, _kind = winreg.QueryValueEx(key, name)  # type: ignore[attr-defined]
            except OSError:
                continue
            found[field_name] = value
    return found


def load_policy() -> Preconfig | None:
    """IT's policy: the registry key on Windows, /etc/fieldapp/config.json elsewhere.
    None when there is none (or it says nothing); a broken one is logged and skipped."""
    try:
        if sys.platform == "win32":
            data = _registry_policy()
        else:
            if not POLICY_FILE.is_file():
                return None
            data = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise PreconfigError("not an object")
        policy = from_mapping(data, "policy")
    except (OSError, ValueError) as error:
        log.error("Ignoring IT's policy (%s): %s", POLICY_FILE, error)
        return None
    return None if policy.is_empty() else policy


def load_preconfig(data_dir: Path) -> Preconfig | None:
    """What IT placed, policy over provisioning file, field by field (or None)."""
    return resolve(load_policy(), load_provisioning(data_dir))


def with_source(preset: Preconfig, source: str) -> Preconfig:
    return replace(preset, source=source)
