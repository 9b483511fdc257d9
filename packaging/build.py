"""Build the engineer's app for IT: the frozen folder, then the packages around it.

    python packaging/build.py                       # frozen folder + .deb + .msi (Linux)
    python packaging/build.py --targets frozen      # the frozen folder only (Windows runner)
    python packaging/build.py --targets msi --frozen DIR   # an MSI around a folder built elsewhere
    python packaging/build.py --version 0.0.9 --reuse-frozen  # the same tree as an older version

Needs the ``packaging`` extra (``pip install -e .[ui,packaging]``): PyInstaller with its
matching hooks-contrib; on Linux dpkg-dev and msitools (wixl, msibuild, msiinfo) too.
The version comes from pyproject.toml unless ``--version`` says otherwise; it is stamped
into the bundle's copy of the package metadata, which the settings and the report
footer read. Output in ``dist/`` (``--out``); PyInstaller's work in ``build/packaging``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "fieldapp.spec"
WINDOWS = sys.platform == "win32"
TARGETS = ("frozen", "deb", "msi")

log = logging.getLogger("build")

#: Where a CJK font is found to carry (FIELDAPP_CJK_FONT names another).
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    str(HERE / "fonts" / "NotoSansCJKsc-Regular.otf"),  # the Windows runner puts it here
)


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def find_font() -> Path:
    for candidate in (os.environ.get("FIELDAPP_CJK_FONT", ""), *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise SystemExit(
        "No CJK font to carry: install fonts-noto-cjk or set FIELDAPP_CJK_FONT to a "
        "Noto Sans CJK SC file."
    )


def freeze(work: Path, *, bench_child: bool = False) -> Path:
    """Run the spec; the one-folder app is ``work/dist/fieldapp``."""
    env = {**os.environ, "FIELDAPP_CJK_FONT": str(find_font())}
    if bench_child:
        env["FIELDAPP_BENCH_CHILD"] = "1"
    if WINDOWS:
        sys.path.insert(0, str(HERE))
        import app_icon

        env["FIELDAPP_ICON_ICO"] = str(app_icon.write_ico(work / "fieldapp.ico"))
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "pyinstaller"),
            str(SPEC),
        ],
        check=True,
        env=env,
        cwd=ROOT,
    )
    log.info("frozen in %.0f s", time.monotonic() - started)
    return work / "dist" / "fieldapp"


def internal_dir(bundle: Path) -> Path:
    return bundle / "_internal"


def stamp_version(bundle: Path, version: str) -> None:
    """The bundle's copy of the package metadata says ``version`` (a .dist-info, or the
    .egg-info an editable install from this tree leaves)."""
    internal = internal_dir(bundle)
    found = sorted(internal.glob("fieldapp-*.dist-info")) + sorted(
        internal.glob("fieldapp*.egg-info")
    )
    if len(found) != 1:
        raise SystemExit(f"Expected one fieldapp metadata folder in {internal}, found {found}")
    info = found[0]
    metadata = info / ("METADATA" if info.suffix == ".dist-info" else "PKG-INFO")
    text = metadata.read_text(encoding="utf-8")
    text = re.sub(r"^Version: .*$", f"Version: {version}", text, count=1, flags=re.MULTILINE)
    metadata.write_text(text, encoding="utf-8")
    if info.suffix == ".dist-info" and info.name != f"fieldapp-{version}.dist-info":
        info.rename(internal / f"fieldapp-{version}.dist-info")


def copy_bundle(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    return target


def folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", default=None, help="default: pyproject.toml's")
    parser.add_argument(
        "--targets", default=",".join(t for t in TARGETS if not (WINDOWS and t != "frozen"))
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "packaging")
    parser.add_argument("--frozen", type=Path, default=None, help="use this frozen folder")
    parser.add_argument(
        "--reuse-frozen", action="store_true", help="reuse the last frozen folder in --work"
    )
    parser.add_argument(
        "--bench-child", action="store_true", help="also freeze bench/ui_child.py beside it"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="build: %(message)s")
    version = args.version or project_version()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; choose among {TARGETS}")
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)

    if args.frozen is not None:
        frozen = args.frozen
    elif args.reuse_frozen and (work / "dist" / "fieldapp").is_dir():
        frozen = work / "dist" / "fieldapp"
    else:
        frozen = freeze(work, bench_child=args.bench_child)
    # Each version gets its own copy, stamped: the frozen folder stays as PyInstaller made it.
    bundle = copy_bundle(frozen, work / f"fieldapp-{version}")
    stamp_version(bundle, version)
    log.info("bundle %s: %.0f MB, version %s", bundle, folder_size(bundle) / 1e6, version)
    if "frozen" in targets:
        target = args.out / f"fieldapp-{version}-{'windows' if WINDOWS else 'linux'}"
        copy_bundle(bundle, target)
        log.info("frozen app: %s", target)
    if "deb" in targets:
        import deb_package

        deb = deb_package.build_deb(bundle, version, args.out, work)
        log.info("deb: %s (%.0f MB)", deb, deb.stat().st_size / 1e6)
    if "msi" in targets:
        import msi_package

        msi = msi_package.build_msi(bundle, version, args.out, work / "msi")
        log.info("msi: %s (%.0f MB)", msi, msi.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
