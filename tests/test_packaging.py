"""The installer's authoring, checked fast in the normal suite (.ci/package builds and
installs the real packages): the PyInstaller spec, the .deb's control, conffiles and
desktop entry, the WiX source and, where msitools is installed, the MSI's tables."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))

import deb_package  # noqa: E402
import msi_package  # noqa: E402

from ui.platform_check import SONAME_PACKAGES, packages_for  # noqa: E402

SPEC = PACKAGING / "fieldapp.spec"
needs_readelf = pytest.mark.skipif(not shutil.which("readelf"), reason="readelf (binutils)")
needs_dpkg = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="dpkg-deb (dpkg-dev)")
needs_msitools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("wixl", "msibuild", "msiinfo")),
    reason="msitools and wixl are not installed (apt-get install msitools wixl)",
)


def spec_helpers() -> dict[str, object]:
    """The spec's own filtering code, run without PyInstaller's build globals."""
    pytest.importorskip("PyInstaller", reason="the packaging extra is not installed")
    text = SPEC.read_text(encoding="utf-8")
    head = text[: text.index('font = os.environ.get("FIELDAPP_CJK_FONT"')]
    namespace: dict[str, object] = {"SPECPATH": str(PACKAGING), "__name__": "spec"}
    exec(compile(head, str(SPEC), "exec"), namespace)
    return namespace


# --- the frozen build -------------------------------------------------------------------


def test_the_spec_carries_what_the_app_needs_in_one_folder() -> None:
    text = SPEC.read_text(encoding="utf-8")
    for needed in (
        '"resources" / "i18n" / "fieldapp_zh_CN.qm"',
        '"resources" / "demo"',
        '"resources/fonts"',
        '"fieldapp" / "migrations"',
        '"sync" / "hq" / "migrations"',
        'copy_metadata("fieldapp")',
        "qtbase_{language}.qm",
        'collect_submodules("ui")',
    ):
        assert needed in text, needed
    # One folder, windowed: the EXE leaves its libraries to COLLECT; no UPX.
    assert "exclude_binaries=True" in text and "COLLECT(" in text
    assert "console=False" in text and "upx=False" in text
    assert "onefile" not in text.lower().replace("one-file", "")


def test_the_spec_keeps_only_the_qt_plugins_and_translations_it_needs() -> None:
    helpers = spec_helpers()
    keep, keep_binary = helpers["_keep"], helpers["_keep_binary"]
    plugins = "PySide6/Qt/plugins"
    for kept in (
        f"{plugins}/platforms/libqxcb.so",
        f"{plugins}/platforms/libqoffscreen.so",
        f"{plugins}/imageformats/libqjpeg.so",
        f"{plugins}/platforminputcontexts/libibusplatforminputcontextplugin.so",
        f"{plugins}/xcbglintegrations/libqxcb-glx-integration.so",
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
        "PySide6/plugins/platforms/qwindows.dll",
    ):
        assert keep(kept), kept  # type: ignore[operator]
    for dropped in (
        f"{plugins}/platforms/libqvnc.so",
        f"{plugins}/platforms/libqeglfs.so",
        f"{plugins}/qmltooling/libqmldbg_debugger.so",
        f"{plugins}/platformthemes/libqgtk3.so",
        f"{plugins}/sqldrivers/libqsqlite.so",
        "PySide6/Qt/translations/qt_de.qm",
        "PySide6/Qt/lib/libQt6WaylandClient.so.6",
    ):
        assert not keep(dropped), dropped  # type: ignore[operator]
    # The system's libraries are the .deb's Depends, not carried.
    if sys.platform != "win32":
        assert not keep_binary(("libX11.so.6", "/usr/lib/x86_64-linux-gnu/libX11.so.6", "BINARY"))  # type: ignore[operator]
    assert keep_binary(("libQt6Gui.so.6", "/venv/PySide6/Qt/lib/libQt6Gui.so.6", "BINARY"))  # type: ignore[operator]


def test_pyinstaller_and_its_hooks_are_pinned_together_in_the_packaging_extra() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]
    pins = dict(re.fullmatch(r"([\w-]+)==([\w.]+)", req).groups() for req in extras["packaging"])  # type: ignore[union-attr]
    assert set(pins) == {"pyinstaller", "pyinstaller-hooks-contrib"}
    assert not any("pyinstaller" in req.lower() for req in extras["test"])


# --- the .deb -----------------------------------------------------------------------------


def fake_bundle(folder: Path, version: str = "1.2.3") -> Path:
    """A frozen folder's shape: the program (a real ELF), its metadata, a data file."""
    bundle = folder / "fieldapp"
    (bundle / "_internal" / f"fieldapp-{version}.dist-info").mkdir(parents=True)
    shutil.copy(shutil.which("true") or "/bin/true", bundle / "fieldapp")
    (bundle / "_internal" / f"fieldapp-{version}.dist-info" / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: fieldapp\nVersion: {version}\n", encoding="utf-8"
    )
    (bundle / "_internal" / "resources").mkdir()
    (bundle / "_internal" / "resources" / "note.txt").write_text("data", encoding="utf-8")
    return bundle


def control_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith(" "):
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


@needs_readelf
def test_the_deb_tree_control_conffiles_and_desktop_entry(tmp_path: Path) -> None:
    staging = deb_package.stage(fake_bundle(tmp_path), "1.2.3", tmp_path / "stage", arch="amd64")
    control = control_fields((staging / "DEBIAN/control").read_text(encoding="utf-8"))
    assert control["Package"] == "fieldapp" and control["Version"] == "1.2.3"
    assert control["Architecture"] == "amd64"
    # /bin/true needs the C library alone: Depends says exactly that.
    assert control["Depends"] == "libc6"
    assert (staging / "DEBIAN/conffiles").read_text() == "/etc/fieldapp/config.json\n"
    assert json.loads((staging / "etc/fieldapp/config.json").read_text()) == {}
    # No maintainer scripts: nothing runs that could touch the users' data folders.
    assert sorted(p.name for p in (staging / "DEBIAN").iterdir()) == [
        "conffiles",
        "control",
        "md5sums",
    ]
    assert os.readlink(staging / "usr/bin/fieldapp") == "/opt/fieldapp/fieldapp"
    assert os.access(staging / "opt/fieldapp/fieldapp", os.X_OK)
    assert not os.access(staging / "opt/fieldapp/_internal/resources/note.txt", os.X_OK)
    desktop = (staging / "usr/share/applications/fieldapp.desktop").read_text(encoding="utf-8")
    entry = dict(line.split("=", 1) for line in desktop.splitlines()[1:] if "=" in line)
    assert desktop.startswith("[Desktop Entry]\n")
    assert entry["Type"] == "Application" and entry["Exec"] == "fieldapp"
    assert entry["Icon"] == "fieldapp" and entry["Name[zh_CN]"] == "现场服务"
    assert entry["Terminal"] == "false" and entry["Categories"].endswith(";")
    for size in deb_package.ICON_SIZES:
        assert (staging / f"usr/share/icons/hicolor/{size}x{size}/apps/fieldapp.png").is_file()
    overrides = (staging / "usr/share/lintian/overrides/fieldapp").read_text(encoding="utf-8")
    assert all(f"fieldapp: {tag} *" in overrides for tag in deb_package.LINTIAN_OVERRIDES)
    sums = (staging / "DEBIAN/md5sums").read_text()
    assert "opt/fieldapp/fieldapp\n" in sums and "etc/fieldapp/config.json\n" in sums


def test_depends_come_from_the_soname_table() -> None:
    xcb = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0", "libc.so.6"]
    assert deb_package.depends_for(xcb) == [
        "libc6",
        "libxcb-cursor0",
        "libxcb-icccm4",
        "libxcb-keysyms1",
    ]
    with pytest.raises(SystemExit, match=r"libunknown\.so\.9"):
        deb_package.depends_for(["libunknown.so.9"])
    assert packages_for(["libxcb-icccm.so.4", "libxkbcommon-x11.so.0"]) == [
        "libxcb-icccm4",
        "libxkbcommon-x11-0",
    ]
    assert all(package and " " not in package for package in SONAME_PACKAGES.values())


@needs_readelf
@needs_dpkg
def test_the_deb_builds_and_dpkg_reads_it(tmp_path: Path) -> None:
    deb = deb_package.build_deb(fake_bundle(tmp_path), "1.2.3", tmp_path / "out", tmp_path)
    info = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Package", "Version", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Package: fieldapp" in info and "Version: 1.2.3" in info
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "./opt/fieldapp/fieldapp" in listing and "./etc/fieldapp/config.json" in listing
    assert "root/root" in listing


# --- the MSI ------------------------------------------------------------------------------


def test_the_wix_source_keeps_one_upgrade_code_and_a_product_code_per_version(
    tmp_path: Path,
) -> None:
    bundle = fake_bundle(tmp_path)
    icon = tmp_path / "fieldapp.ico"
    icon.write_bytes(b"")
    first = msi_package.wxs_text(bundle, "1.2.3", icon, tmp_path)
    second = msi_package.wxs_text(bundle, "1.3.0", icon, tmp_path)
    upgrade = f'UpgradeCode="{msi_package.UPGRADE_CODE}"'
    assert upgrade in first and upgrade in second
    codes = [re.search(r'<Product Id="([0-9A-F-]+)"', text).group(1) for text in (first, second)]  # type: ignore[union-attr]
    assert codes[0] != codes[1] and codes[0] == msi_package.product_code("1.2.3")
    assert msi_package.product_code("1.2.3") == msi_package.product_code("1.2.3")
    # Component ids stay with their path from release to release.
    guids = [
        set(re.findall(r'Component Id="c_\w+" Guid="([0-9A-F-]+)"', t)) for t in (first, second)
    ]
    assert guids[0] == guids[1] and len(guids[0]) == 3
    assert '<MajorUpgrade DowngradeErrorMessage="' in first
    assert 'InstallScope="perMachine"' in first
    for prop, name in msi_package.POLICY_PROPERTIES.items():
        assert f'Key="{msi_package.POLICY_KEY}" Name="{name}"' in first
        assert f'Value="[{prop}]"' in first
    assert msi_package.POLICY_KEY == r"Software\Policies\FieldApp"
    assert 'Directory Id="ProgramMenuFolder"' in first and "<Shortcut " in first
    assert msi_package.msi_version("0.2.0rc1") == "0.2.0"


@needs_msitools
def test_the_built_msi_tables_are_patched(tmp_path: Path) -> None:
    bundle = fake_bundle(tmp_path)
    old = msi_package.build_msi(bundle, "1.2.3", tmp_path / "out", tmp_path / "w1")
    new = msi_package.build_msi(bundle, "1.3.0", tmp_path / "out", tmp_path / "w2")
    assert msi_package.check_msi(old, "1.2.3") == []
    assert msi_package.check_msi(new, "1.3.0") == []
    properties = {r["Property"]: r["Value"] for r in msi_package.read_table(new, "Property")}
    # wixl ignores Hidden: the table is patched so msiexec's log shows no code.
    assert properties["MsiHiddenProperties"] == "ENROLLCODE"
    assert {"SERVERURL", "ENROLLCODE", "LANG"} <= set(
        properties["SecureCustomProperties"].split(";")
    )
    old_properties = {r["Property"]: r["Value"] for r in msi_package.read_table(old, "Property")}
    assert old_properties["UpgradeCode"] == properties["UpgradeCode"]
    assert old_properties["ProductCode"] != properties["ProductCode"]
    components = {r["Component"]: r for r in msi_package.read_table(new, "Component")}
    assert components["PolicyEnrollCode"]["Condition"] == "ENROLLCODE"
    # A check that would pass anything is no check: a wrong version is caught.
    assert msi_package.check_msi(new, "9.9.9")
