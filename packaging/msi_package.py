"""The Windows package: an MSI built with ``wixl`` (Debian's msitools) around the
Windows frozen folder.

Per machine (``C:\\Program Files\\FieldApp``), a Start-menu entry, one fixed UpgradeCode
and a new ProductCode for every version, so each release replaces the one before in
place (a major upgrade) and never installs beside it. A silent install takes IT's
settings as properties and writes them where Group Policy and Intune write policies:

    msiexec /i fieldapp.msi /qn SERVERURL=https://hq.example ENROLLCODE=ABCD-EFGH LANG=zh_CN

-> ``HKLM\\Software\\Policies\\FieldApp``: ``Server``, ``EnrollCode``, ``Language``
(sync/preconfig.py reads them first). Each value's component is conditional on its
property and permanent: an upgrade or a removal without the property keeps what IT set
(the policy is IT's to change, not the installer's), and the app's data in the user's
``%LOCALAPPDATA%`` is never the installer's either.

``wixl`` writes neither component conditions nor ``Hidden``/``Secure`` properties, so
the built tables are patched with ``msibuild`` (SQL on the MSI): the conditions and the
permanent bit of the policy components, ``SecureCustomProperties`` (the properties may
pass from the command line to the elevated install) and ``MsiHiddenProperties``
(ENROLLCODE's value stays out of ``msiexec /l*v`` logs). tests/test_packaging.py reads
the tables back with ``msiinfo``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent))

import app_icon

#: Never change: it is what makes every release of the app one product to Windows.
UPGRADE_CODE = "7C4A1E52-3B9D-4F6A-9E21-5D8B0C6F4A13"
#: The namespace of the GUIDs derived here (product codes, component ids).
NAMESPACE = uuid.UUID("2F7B9C61-0D4E-4A8B-B3C5-6E1F2A9D7B40")
MANUFACTURER = "FieldApp"
PRODUCT_NAME = "FieldApp"
POLICY_KEY = r"Software\Policies\FieldApp"
#: MSI property -> the registry value under POLICY_KEY the app reads.
POLICY_PROPERTIES = {"SERVERURL": "Server", "ENROLLCODE": "EnrollCode", "LANG": "Language"}
HIDDEN_PROPERTIES = ("ENROLLCODE",)
#: Component attributes: 64-bit (256) + registry key path (4) + permanent (16).
POLICY_COMPONENT_ATTRIBUTES = 256 + 16 + 4


def product_code(version: str) -> str:
    """A new ProductCode for every version (the same one for a rebuild of a version)."""
    return str(uuid.uuid5(NAMESPACE, f"product:{version}")).upper()


def component_guid(relative: str) -> str:
    """Stable per installed path: the component rules hold across releases."""
    return str(uuid.uuid5(NAMESPACE, f"file:{relative.lower()}")).upper()


def _id(kind: str, relative: str) -> str:
    return f"{kind}_{hashlib.sha1(relative.encode()).hexdigest()[:24]}"


def msi_version(version: str) -> str:
    """MSI versions are numbers only (major.minor.build): 0.1.0rc1 -> 0.1.0."""
    parts = []
    for piece in version.split(".")[:3]:
        digits = re.match(r"\d*", piece).group(0) or "0"  # type: ignore[union-attr]
        parts.append(str(int(digits)))
    while len(parts) < 3:
        parts.append("0")
    return ".".join(parts)


def executable_name(bundle: Path) -> str:
    return "fieldapp.exe" if (bundle / "fieldapp.exe").exists() else "fieldapp"


def wxs_text(bundle: Path, version: str, icon: Path, base: Path) -> str:
    """The WiX source: the folder's files, the shortcut, the policy values. File
    sources are written relative to ``base`` (wixl runs there: it takes no absolute
    source paths)."""

    def rel(path: Path) -> str:
        return os.path.relpath(path.resolve(), base.resolve())

    components: list[str] = []

    def directory(folder: Path, depth: int) -> str:
        pad = "  " * depth
        lines: list[str] = []
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            relative = entry.relative_to(bundle).as_posix()
            if entry.is_dir() and not entry.is_symlink():
                lines.append(
                    f"{pad}<Directory Id={quoteattr(_id('d', relative))} "
                    f"Name={quoteattr(entry.name)}>"
                )
                lines.append(directory(entry, depth + 1))
                lines.append(f"{pad}</Directory>")
            else:
                component = _id("c", relative)
                components.append(component)
                source = rel(entry)
                lines.append(
                    f'{pad}<Component Id="{component}" Guid="{component_guid(relative)}" '
                    f'Win64="yes"><File Id={quoteattr(_id("f", relative))} '
                    f"Name={quoteattr(entry.name)} Source={quoteattr(source)} "
                    'KeyPath="yes"/></Component>'
                )
        return "\n".join(line for line in lines if line)

    files = directory(bundle, 5)
    exe = executable_name(bundle)
    exe_id = _id("f", exe)
    policy = "\n".join(
        f'          <Component Id="Policy{name}" Guid="{component_guid("policy:" + name)}" '
        f'Win64="yes"><RegistryValue Root="HKLM" Key="{POLICY_KEY}" Name="{name}" '
        f'Type="string" Value="[{prop}]" KeyPath="yes"/></Component>'
        for prop, name in POLICY_PROPERTIES.items()
    )
    refs = "\n".join(
        f'      <ComponentRef Id="{c}"/>'
        for c in [*components, "StartMenu", *(f"Policy{n}" for n in POLICY_PROPERTIES.values())]
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="{product_code(version)}" Name="{PRODUCT_NAME}" Language="1033"
           Version="{msi_version(version)}" Manufacturer="{MANUFACTURER}"
           UpgradeCode="{UPGRADE_CODE}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"
             Description="{PRODUCT_NAME} {version}" Manufacturer="{MANUFACTURER}"/>
    <MajorUpgrade DowngradeErrorMessage="A newer version of {PRODUCT_NAME} is already installed."/>
    <Media Id="1" Cabinet="fieldapp.cab" EmbedCab="yes"/>
    <Icon Id="fieldapp.ico" SourceFile={quoteattr(rel(icon))}/>
    <Property Id="ARPPRODUCTICON" Value="fieldapp.ico"/>
    <Property Id="ARPNOMODIFY" Value="1"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="{PRODUCT_NAME}">
{files}
{policy}
        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder">
        <Component Id="StartMenu" Guid="{component_guid("start-menu")}" Win64="yes">
          <Shortcut Id="StartMenuShortcut" Name="{PRODUCT_NAME}"
                    Description="Field service jobs and reports"
                    Target="[#{exe_id}]" WorkingDirectory="INSTALLDIR" Icon="fieldapp.ico"/>
          <RegistryValue Root="HKLM" Key="Software\\{MANUFACTURER}\\Installer" Name="StartMenu"
                         Type="integer" Value="1" KeyPath="yes"/>
        </Component>
      </Directory>
    </Directory>
    <Feature Id="Main" Title="{PRODUCT_NAME}" Level="1">
{refs}
    </Feature>
  </Product>
</Wix>
"""


def patch_tables(msi: Path) -> None:
    """What wixl cannot author, written into the tables."""

    def sql(query: str) -> None:
        subprocess.run(["msibuild", str(msi), "-q", query], check=True)

    for prop, name in POLICY_PROPERTIES.items():
        sql(
            f"UPDATE Component SET Condition='{prop}', "
            f"Attributes={POLICY_COMPONENT_ATTRIBUTES} WHERE Component='Policy{name}'"
        )
    secure = ";".join(["WIX_DOWNGRADE_DETECTED", "WIX_UPGRADE_DETECTED", *POLICY_PROPERTIES])
    sql(f"UPDATE Property SET Value='{secure}' WHERE Property='SecureCustomProperties'")
    sql(
        "INSERT INTO Property (Property, Value) "
        f"VALUES ('MsiHiddenProperties', '{';'.join(HIDDEN_PROPERTIES)}')"
    )


def read_table(msi: Path, table: str) -> list[dict[str, str]]:
    """A table of the MSI as rows of column -> value (msiinfo export)."""
    out = subprocess.run(
        ["msiinfo", "export", str(msi), table], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    columns = out[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in out[3:]]


def build_msi(bundle: Path, version: str, out_dir: Path, work: Path) -> Path:
    """``fieldapp-VERSION.msi`` in ``out_dir`` around ``bundle``."""
    work.mkdir(parents=True, exist_ok=True)
    icon = app_icon.write_ico(work / "fieldapp.ico")
    source = work / f"fieldapp-{version}.wxs"
    source.write_text(wxs_text(bundle, version, icon, work), encoding="utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"fieldapp-{version}.msi"
    partial = work / target.name
    subprocess.run(["wixl", "-a", "x64", "-o", partial.name, source.name], check=True, cwd=work)
    patch_tables(partial)
    shutil.move(partial, target)
    return target


def check_msi(msi: Path, version: str) -> list[str]:
    """What is wrong with the built MSI's tables (empty when all is as authored)."""
    problems: list[str] = []
    properties = {row["Property"]: row["Value"] for row in read_table(msi, "Property")}
    if properties.get("UpgradeCode") != "{" + UPGRADE_CODE + "}":
        problems.append(f"UpgradeCode is {properties.get('UpgradeCode')}, not the fixed one")
    if properties.get("ProductCode") != "{" + product_code(version) + "}":
        problems.append(f"ProductCode {properties.get('ProductCode')} is not {version}'s")
    if properties.get("ProductVersion") != msi_version(version):
        problems.append(f"ProductVersion is {properties.get('ProductVersion')}")
    if properties.get("ALLUSERS") != "1":
        problems.append("not a per-machine install (ALLUSERS)")
    hidden = set(properties.get("MsiHiddenProperties", "").split(";"))
    if not set(HIDDEN_PROPERTIES) <= hidden:
        problems.append(f"MsiHiddenProperties lacks {set(HIDDEN_PROPERTIES) - hidden}")
    secure = set(properties.get("SecureCustomProperties", "").split(";"))
    if not set(POLICY_PROPERTIES) <= secure:
        problems.append(f"SecureCustomProperties lacks {set(POLICY_PROPERTIES) - secure}")
    upgrades = read_table(msi, "Upgrade")
    if not any(
        row["UpgradeCode"] == "{" + UPGRADE_CODE + "}"
        and row["ActionProperty"] == "WIX_UPGRADE_DETECTED"
        and row["VersionMax"] == msi_version(version)
        for row in upgrades
    ):
        problems.append("no major upgrade of the older versions (Upgrade table)")
    registry = {row["Name"]: row for row in read_table(msi, "Registry")}
    components = {row["Component"]: row for row in read_table(msi, "Component")}
    for prop, name in POLICY_PROPERTIES.items():
        row = registry.get(name)
        if row is None or row["Root"] != "2" or row["Key"] != POLICY_KEY:
            problems.append(f"{name} is not written to HKLM\\{POLICY_KEY}")
            continue
        if row["Value"] != f"[{prop}]":
            problems.append(f"{name} does not take the {prop} property")
        component = components.get(row["Component_"], {})
        if component.get("Condition") != prop:
            problems.append(f"{name} is written even without {prop}")
        if int(component.get("Attributes") or 0) & 16 == 0:
            problems.append(f"{name} is removed on upgrade or removal (not permanent)")
    shortcuts = read_table(msi, "Shortcut")
    if not any(row["Directory_"] == "ProgramMenuFolder" for row in shortcuts):
        problems.append("no Start-menu entry")
    return problems
