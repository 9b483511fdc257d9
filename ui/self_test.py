"""``fieldapp --self-test``: does this installation work? For IT after a deployment and
for CI on the installed package.

Offscreen, on copies only: it copies the engineer's store (SQLite's backup API) into a
temporary folder and opens the copy (so a pending schema upgrade is tried on it, never
on the real file), checks that the Qt plugins, the translations and a CJK font load,
builds the main window, renders a signed demo report to PDF, prints one line per check
and exits 0 when every check passed (1 otherwise). Nothing in the data folder changes.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TextIO

log = logging.getLogger(__name__)

#: Plugins the app cannot do without, by Qt plugin folder (names without lib/suffix).
REQUIRED_PLUGINS: dict[str, tuple[str, ...]] = {
    "platforms": ("qwindows",) if sys.platform == "win32" else ("qxcb", "qoffscreen"),
    "imageformats": ("qjpeg", "qsvg"),
}
#: A text every translated build has, and what it must read in Chinese.
TRANSLATION_PROBE = ("Report", "Field service report")


class SelfTest:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failures = 0

    def check(self, what: str, step: Callable[[], str]) -> None:
        started = time.perf_counter()
        try:
            detail = step()
        except Exception as error:
            self.failures += 1
            log.error("Self-test %s failed:\n%s", what, traceback.format_exc())
            self.out.write(f"FAIL  {what}: {type(error).__name__}: {error}\n")
            return
        took = (time.perf_counter() - started) * 1000
        self.out.write(f"ok    {what}: {detail} ({took:.0f} ms)\n")
        self.out.flush()


def _plugin_file(folder: Path, name: str) -> Path | None:
    for candidate in folder.glob(f"*{name}.*"):
        if candidate.stem.removeprefix("lib") == name:
            return candidate
    return None


def check_plugins() -> str:
    """Load each required plugin library: this also proves the system libraries it
    needs (X11's xcb libraries on Linux) are there."""
    from PySide6.QtCore import QLibraryInfo, QPluginLoader

    root = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    loaded = []
    for folder, names in REQUIRED_PLUGINS.items():
        for name in names:
            found = _plugin_file(root / folder, name)
            if found is None:
                raise RuntimeError(f"Qt plugin {folder}/{name} is missing from {root}")
            loader = QPluginLoader(str(found))
            if not loader.load():
                raise RuntimeError(f"Qt plugin {found} does not load: {loader.errorString()}")
            loaded.append(f"{folder}/{name}")
    return ", ".join(loaded)


def check_translations() -> str:
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    from ui.common.i18n import qm_path, translate_in, translator_for

    translator = translator_for("zh_CN")
    if translator is None or translator.isEmpty():
        raise RuntimeError(f"the Chinese translation does not load from {qm_path('zh_CN')}")
    context, text = TRANSLATION_PROBE
    chinese = translate_in(translator, context, text)
    if chinese == text:
        raise RuntimeError(f"{text!r} is not translated")
    qt_base = QTranslator()
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not qt_base.load(QLocale("zh_CN"), "qtbase", "_", folder):
        raise RuntimeError(f"Qt's own Chinese (qtbase_zh_CN.qm) is missing from {folder}")
    return f"zh_CN ({text!r} → {chinese!r}), qtbase_zh_CN"


def check_font() -> str:
    from PySide6.QtGui import QFontDatabase

    from ui.common.theme import CJK_FAMILIES

    families = set(QFontDatabase.families())
    found = [family for family in CJK_FAMILIES if family in families]
    if not found:
        raise RuntimeError(f"no CJK font among {CJK_FAMILIES}: Chinese would show as boxes")
    chinese = QFontDatabase.WritingSystem.SimplifiedChinese
    if chinese not in QFontDatabase.writingSystems(found[0]):
        raise RuntimeError(f"{found[0]} has no Simplified Chinese")
    return found[0]


def copy_store(data_dir: Path, folder: Path) -> str:
    """The engineer's store, copied and opened (and upgraded, if due) in ``folder``;
    a new store there if the device has none yet."""
    from fieldapp.paths import STORE_FILE
    from fieldapp.store import Store, copy_database

    source = data_dir / STORE_FILE
    target = folder / STORE_FILE
    folder.mkdir(parents=True, exist_ok=True)
    if source.is_file() and source.stat().st_size:
        copy_database(source, target)
        origin = f"a copy of {source}"
    else:
        origin = "a new store (no store in the data folder yet)"
    store = Store(target)
    try:
        if not store.integrity_ok():
            raise RuntimeError("the copy fails SQLite's quick_check")
        pending = sum(store.pending_changes().values())
        return f"{origin}: schema {store.schema_revision()}, {pending} changes waiting"
    finally:
        store.close()


def build_window(folder: Path) -> str:
    from PySide6.QtWidgets import QApplication

    from fieldapp.store import Store
    from ui.app import Launcher
    from ui.common.context import AppContext
    from ui.common.tasks import tasks

    store = Store.open(folder)
    try:
        ctx = AppContext(store=store, data_dir=folder, language="zh_CN")
        window = Launcher(ctx, None, auto_sync=False).open_window("zh_CN")
        window.resize(1280, 800)
        for _ in range(20):
            QApplication.processEvents()
        image = window.grab()
        if image.isNull() or image.width() < 100:
            raise RuntimeError("the window did not draw")
        page = "the job list" if window.job_list is not None else "the enrollment page"
        window.close()
        tasks().wait(10_000)
        return f"{image.width()}x{image.height()}, {page}"
    finally:
        store.close()


def render_pdf(folder: Path) -> str:
    import json

    from sqlmodel import select

    from fieldapp.demo import load_demo
    from fieldapp.models import SignOff
    from fieldapp.store import Store
    from ui.common.report import render_report_pdf

    store = Store(folder / "report.sqlite")
    try:
        with store.action(track=False) as session:
            load_demo(session)
        with store.reader() as session:
            sign_off = session.exec(select(SignOff).limit(1)).first()
            if sign_off is None:
                raise RuntimeError("the demo data has no signed report")
            content, report_hash = json.loads(sign_off.content), sign_off.report_hash
    finally:
        store.close()
    path = render_report_pdf(content, report_hash, lambda _sha: None, folder / "report.pdf")
    data = path.read_bytes()
    if not data.startswith(b"%PDF") or len(data) < 10_000:
        raise RuntimeError(f"the PDF is not whole ({len(data)} bytes)")
    return f"{len(data) // 1024} KB, three copies, Chinese"


def run(data_dir: Path, out: TextIO | None = None) -> int:
    """Every check, in order; 0 when all passed."""
    out = out or sys.stdout
    # Offscreen always: IT runs this over SSH and CI has no screen. The xcb plugin is
    # still loaded (check_plugins), which proves the system libraries are there.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ui.app import qt_application

    test = SelfTest(out)
    try:
        version = metadata.version("fieldapp")
    except metadata.PackageNotFoundError:
        version = "unknown"
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    out.write(f"fieldapp {version} self-test ({frozen}, {sys.platform}), data folder {data_dir}\n")
    qt_application()
    test.check("Qt plugins", check_plugins)
    test.check("translations", check_translations)
    test.check("CJK font", check_font)
    with tempfile.TemporaryDirectory(prefix="fieldapp-self-test-") as temp:
        folder = Path(temp)
        test.check("store", lambda: copy_store(data_dir, folder / "store"))
        test.check("main window", lambda: build_window(folder / "store"))
        test.check("PDF report", lambda: render_pdf(folder))
    if test.failures:
        out.write(f"self-test FAILED: {test.failures} check(s)\n")
        return 1
    out.write("self-test passed\n")
    return 0
