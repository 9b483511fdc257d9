"""The Linux package: a .deb built with dpkg-deb around the frozen folder.

    /opt/fieldapp/                    the frozen app (PyInstaller's one folder)
    /usr/bin/fieldapp                 -> /opt/fieldapp/fieldapp, on the PATH
    /usr/share/applications/fieldapp.desktop, /usr/share/icons/hicolor/*/apps/fieldapp.png
    /etc/fieldapp/config.json         IT's settings (a conffile: an upgrade keeps IT's edits)

``Depends:`` names exactly the packages holding the system libraries that the frozen
files link to and do not carry (read from their ELF headers with ``readelf``; the
soname -> package table is ``ui.platform_check.SONAME_PACKAGES``; an unknown soname
stops the build). There are no maintainer scripts: installing, upgrading and removing
never touch the engineers' data (``~/.local/share/fieldapp``), which dpkg does not know.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app_icon  # noqa: E402

from ui.platform_check import SONAME_PACKAGES  # noqa: E402

PACKAGE = "fieldapp"
INSTALL_DIR = "/opt/fieldapp"
CONFIG_FILE = "/etc/fieldapp/config.json"
CONFFILES = [CONFIG_FILE]
MAINTAINER = "FieldApp IT <it@fieldapp.invalid>"
ICON_SIZES = (48, 128, 256)
#: IT's settings as shipped: empty, so nothing is imposed until IT writes it (the
#: README's "For IT" section lists the keys; sync/preconfig.py reads them).
DEFAULT_CONFIG: dict[str, str] = {}

DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Version=1.5
Name=FieldApp
Name[zh_CN]=现场服务
GenericName=Field service
GenericName[zh_CN]=现场服务
Comment=Assigned jobs, checklists and service reports, offline
Comment[zh_CN]=派工单、检查表和服务报告，离线可用
Exec=fieldapp
Icon=fieldapp
Terminal=false
Categories=Office;ProjectManagement;
Keywords=service;job;report;excavator;派工单;服务报告;
StartupWMClass=fieldapp
"""

DESCRIPTION = """\
Offline-first field service for construction-machinery engineers
 The engineer's app of FieldApp: assigned jobs, the customer's file and the
 machine's history, service checklists, faults, parts, time and photos, the
 customer's signature and the three-part service report, all offline; it
 syncs with HQ when a network comes back.
 .
 This package carries the frozen application (Python, Qt and a CJK font) in
 /opt/fieldapp. IT's settings are in /etc/fieldapp/config.json."""

COPYRIGHT = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: fieldapp
Comment: The frozen application in /opt/fieldapp carries third-party components:
 Python (PSF License), Qt 6 and PySide6 (LGPL-3), SQLAlchemy, Alembic, pydantic,
 requests and others (MIT, BSD, Apache-2.0), Noto Sans CJK (SIL OFL 1.1).

Files: *
Copyright: 2026 FieldApp
License: proprietary
 All rights reserved. Distributed to the company's devices by its IT.
"""

#: Tags lintian reports on any PyInstaller bundle, each with why it stays (shipped in
#: /usr/share/lintian/overrides/fieldapp, so lintian lists them as overridden).
LINTIAN_OVERRIDES: dict[str, str] = {
    "dir-or-file-in-opt": "A self-contained add-on application installs under /opt (FHS 3.13).",
    "embedded-library": "The frozen app carries the Python wheels' own builds of these "
    "libraries, tested together; the system's are used for everything else.",
    "unstripped-binary-or-object": "Stripping PyInstaller's bootloader and the wheels' "
    "libraries can break them; their symbols help support read a crash.",
    "custom-library-search-path": "PyInstaller's and the wheels' RPATH to the libraries "
    "they carry in /opt/fieldapp.",
    "shared-library-lacks-prerequisites": "Plugins and Python extensions are loaded by "
    "the program that carries them, not linked by others.",
    "library-not-linked-against-libc": "As the upstream wheels build them.",
    "hardening-no-pie": "PyInstaller's bootloader, as PyInstaller builds it.",
    "no-manual-page": "fieldapp --help describes the command line.",
}


def elf_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return sorted(found)


def needed_sonames(files: Iterable[Path]) -> set[str]:
    needed: set[str] = set()
    for path in files:
        out = subprocess.run(
            ["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=True
        ).stdout
        for line in out.splitlines():
            if "(NEEDED)" in line:
                needed.add(line.split("[", 1)[1].split("]", 1)[0])
    return needed


def system_sonames(bundle: Path) -> set[str]:
    """Sonames the bundle's ELF files need and do not carry."""
    carried = {path.name for path in bundle.rglob("*")}
    return {name for name in needed_sonames(elf_files(bundle)) if name not in carried}


def depends_for(sonames: Iterable[str]) -> list[str]:
    unknown = sorted(name for name in sonames if name not in SONAME_PACKAGES)
    if unknown:
        raise SystemExit(
            f"No Debian package known for {', '.join(unknown)}: add it to "
            "ui/platform_check.py SONAME_PACKAGES."
        )
    return sorted({SONAME_PACKAGES[name] for name in sonames})


def architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def control_text(version: str, depends: list[str], installed_kb: int, arch: str) -> str:
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {', '.join(depends)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Description: {DESCRIPTION}\n"
    )


def changelog(version: str) -> bytes:
    when = format_datetime(datetime.now(UTC).replace(microsecond=0))
    text = (
        f"{PACKAGE} ({version}) stable; urgency=medium\n\n"
        f"  * Release {version}.\n\n"
        f" -- {MAINTAINER}  {when}\n"
    )
    return gzip.compress(text.encode(), mtime=0)


def _tree_size_kb(folder: Path) -> int:
    total = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())
    return max(1, total // 1024)


def stage(bundle: Path, version: str, staging: Path, *, arch: str | None = None) -> Path:
    """The package's file tree in ``staging`` (DEBIAN/ included), ready for dpkg-deb."""
    if staging.exists():
        shutil.rmtree(staging)
    opt = staging / INSTALL_DIR.lstrip("/")
    shutil.copytree(bundle, opt, symlinks=True)
    (staging / "usr/bin").mkdir(parents=True)
    os.symlink(f"{INSTALL_DIR}/fieldapp", staging / "usr/bin/fieldapp")
    applications = staging / "usr/share/applications"
    applications.mkdir(parents=True)
    (applications / "fieldapp.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    for size in ICON_SIZES:
        app_icon.write_png(
            staging / f"usr/share/icons/hicolor/{size}x{size}/apps/fieldapp.png", size
        )
    doc = staging / "usr/share/doc/fieldapp"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(COPYRIGHT, encoding="utf-8")
    (doc / "changelog.gz").write_bytes(changelog(version))
    overrides = staging / "usr/share/lintian/overrides"
    overrides.mkdir(parents=True)
    (overrides / PACKAGE).write_text(
        "".join(f"# {why}\n{PACKAGE}: {tag} *\n" for tag, why in LINTIAN_OVERRIDES.items()),
        encoding="utf-8",
    )
    config = staging / CONFIG_FILE.lstrip("/")
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps(DEFAULT_CONFIG, indent=2) + "\n", encoding="utf-8")
    for path in staging.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        elif path == opt / "fieldapp":
            path.chmod(0o755)  # the one program; libraries and plugins are loaded, not run
        else:
            path.chmod(0o644)
    debian = staging / "DEBIAN"
    debian.mkdir()
    depends = depends_for(system_sonames(bundle))
    (debian / "control").write_text(
        control_text(version, depends, _tree_size_kb(staging), arch or architecture()),
        encoding="utf-8",
    )
    (debian / "conffiles").write_text("".join(f"{c}\n" for c in CONFFILES), encoding="utf-8")
    sums = []
    for path in sorted(staging.rglob("*")):
        if path.is_file() and not path.is_symlink() and debian not in path.parents:
            digest = hashlib.md5(path.read_bytes()).hexdigest()  # dpkg's md5sums format
            sums.append(f"{digest}  {path.relative_to(staging)}\n")
    (debian / "md5sums").write_text("".join(sums), encoding="utf-8")
    return staging


def build_deb(bundle: Path, version: str, out_dir: Path, work: Path) -> Path:
    """``fieldapp_VERSION_ARCH.deb`` in ``out_dir``."""
    arch = architecture()
    staging = stage(bundle, version, work / f"deb-{version}", arch=arch)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "-z3", "--build", str(staging), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(staging)
    return target
