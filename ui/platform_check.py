"""Can Qt open a window here? Checked before the demo opens one, so a fresh Linux
machine gets the exact packages to install instead of Qt's "Could not load the Qt
platform plugin xcb".

    python -m ui.platform_check [--install]

Finds the system libraries that Qt's X11 platform plugin needs and this machine lacks
(``ldd``), names the Debian packages that hold them and, with ``--install`` when run as
root where apt is, installs them. Exit 0 when the plugin can load, 3 when not.
:data:`SONAME_PACKAGES` is also the table ``packaging/debian.py`` builds the .deb's
``Depends:`` from. No Qt import: it runs where Qt cannot start.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

EXIT_MISSING = 3

#: Shared library (soname) -> the Debian 12 package holding it: every system library
#: the frozen app (Python, Qt and the wheels' extensions) links to.
SONAME_PACKAGES: dict[str, str] = {
    # the C and C++ runtime
    "ld-linux-x86-64.so.2": "libc6",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libdl.so.2": "libc6",
    "libpthread.so.0": "libc6",
    "librt.so.1": "libc6",
    "libresolv.so.2": "libc6",
    "libutil.so.1": "libc6",
    "libgcc_s.so.1": "libgcc-s1",
    "libstdc++.so.6": "libstdc++6",
    # Python's own extensions
    "libz.so.1": "zlib1g",
    "libbz2.so.1.0": "libbz2-1.0",
    "liblzma.so.5": "liblzma5",
    "libffi.so.8": "libffi8",
    "libssl.so.3": "libssl3",
    "libcrypto.so.3": "libssl3",
    "libsqlite3.so.0": "libsqlite3-0",
    "libuuid.so.1": "libuuid1",
    "libreadline.so.8": "libreadline8",
    "libncursesw.so.6": "libncursesw6",
    "libtinfo.so.6": "libtinfo6",
    # Qt's core, text and drawing
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libzstd.so.1": "libzstd1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libcups.so.2": "libcups2",
    "libdrm.so.2": "libdrm2",
    # Qt's X11 platform plugin (xcb)
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def qt_root() -> Path:
    """PySide6's Qt folder (the wheel's, or the frozen bundle's)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "PySide6" / "Qt"
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        raise RuntimeError("PySide6 is not installed")
    return Path(spec.origin).resolve().parent / "Qt"


def xcb_plugin_files(root: Path | None = None) -> list[Path]:
    """The X11 platform plugin and the Qt library it is built on."""
    root = root or qt_root()
    return [root / "plugins" / "platforms" / "libqxcb.so", root / "lib" / "libQt6XcbQpa.so.6"]


def missing_sonames(files: Iterable[Path]) -> list[str]:
    """The shared libraries ``files`` need that the dynamic loader cannot find here."""
    missing: set[str] = set()
    for path in files:
        if not path.exists():
            raise FileNotFoundError(path)
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            name, _, where = line.strip().partition(" => ")
            if where.strip() == "not found":
                missing.add(name.strip())
    return sorted(missing)


def packages_for(sonames: Iterable[str]) -> list[str]:
    """The Debian packages holding ``sonames`` (a name not in the table is kept as is,
    so the message still names it)."""
    return sorted({SONAME_PACKAGES.get(name, name) for name in sonames})


def needs_check() -> bool:
    """Only Linux with a real window system loads the xcb plugin."""
    if not sys.platform.startswith("linux"):
        return False
    return os.environ.get("QT_QPA_PLATFORM", "xcb").split(":")[0] in ("xcb", "")


def message(packages: list[str]) -> str:
    return (
        "Qt cannot open a window: its X11 platform plugin (xcb) needs system libraries "
        "this machine does not have.\n"
        f"Install them with:\n  sudo apt-get install {' '.join(packages)}\n"
    )


def install(packages: list[str]) -> bool:
    """apt-get install ``packages`` (as root only); whether it worked."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=False, env=env)
    return done.returncode == 0


def check(*, install_missing: bool = False) -> int:
    """0 when Qt's platform plugin can load (installing what is missing if asked and
    root), else prints which packages to install and answers :data:`EXIT_MISSING`."""
    if not needs_check():
        return 0
    missing = missing_sonames(xcb_plugin_files())
    if not missing:
        return 0
    packages = packages_for(missing)
    if install_missing:
        sys.stderr.write(f"fieldapp: installing what Qt needs: {' '.join(packages)}\n")
        if install(packages) and not missing_sonames(xcb_plugin_files()):
            return 0
    sys.stderr.write("fieldapp: " + message(packages))
    return EXIT_MISSING


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--install", action="store_true", help="install the missing packages (root, apt)"
    )
    args = parser.parse_args(argv)
    return check(install_missing=args.install)


if __name__ == "__main__":
    raise SystemExit(main())
