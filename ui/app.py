"""The ``fieldapp`` command. Without a command it opens the app; ``fieldapp demo``
starts a local HQ with the demo data, enrolls the demo engineer and opens the app;
the other commands (status, sync, enroll, demo-data, ``demo --headless``) are the
command line of ``sync.device_cli``."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.paths import default_data_dir, setup_logging

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from fieldapp.store import Store
    from sync.preconfig import Preconfig
    from ui.context import AppContext
    from ui.mainwindow import MainWindow

log = logging.getLogger(__name__)

CLI_COMMANDS = {"status", "sync", "enroll", "demo-data"}


def _split(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="fieldapp", add_help=False)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--headless", action="store_true")
    parser.add_argument("--language", default=None)
    return parser.parse_known_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    known, rest = _split(args_list)
    command = rest[0] if rest else None
    if (
        command in CLI_COMMANDS
        or command in ("-h", "--help")
        or (command == "demo" and known.headless)
    ):
        from sync.device_cli import main as cli_main

        return cli_main([a for a in args_list if a != "--headless"])
    if command not in (None, "demo"):
        sys.stderr.write(f"fieldapp: unknown command {command!r}; try fieldapp --help\n")
        return 2
    if command == "demo" and not has_display():
        sys.stderr.write(
            "fieldapp: no display here (no DISPLAY or WAYLAND_DISPLAY): running the demo's "
            "headless part; open it on a desktop to see the app.\n"
        )
        from sync.device_cli import main as cli_main

        return cli_main(args_list)
    data_dir: Path = known.data_dir or default_data_dir()
    if command == "demo":
        return run_app(
            data_dir / "demo" / "device", demo_root=data_dir / "demo", language=known.language
        )
    return run_app(data_dir, language=known.language)


def has_display() -> bool:
    """Whether a window can be shown (Linux without X or Wayland cannot, unless Qt is
    told to draw offscreen)."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def qt_application() -> QApplication:
    """The QApplication, made once: high-DPI, names, fonts and the style sheet."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from ui import theme

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    # Qt's own file, colour and print dialogs: big rows for a finger (theme.py), in the
    # app's language (ui/i18n.py), on every system alike.
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    # The UI thread waits at most 1 ms (not 5) for the interpreter lock when a worker
    # (the sync) holds it: each of its database calls gives the lock away and back.
    sys.setswitchinterval(0.001)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("fieldapp")
    app.setOrganizationName("FieldApp")
    app.setDesktopFileName("fieldapp")
    theme.apply(app)
    theme.follow_colour_scheme(app)
    return app


def choose_language(store: Store, preset: Preconfig | None, asked: str | None) -> str:
    """The command line's choice, else the engineer's, else IT's, else Chinese."""
    from ui.context import LANGUAGE
    from ui.i18n import DEFAULT_LANGUAGE, LANGUAGES

    chosen = (
        asked or store.get_setting(LANGUAGE) or (preset.language if preset else "")
    ) or DEFAULT_LANGUAGE
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


class Launcher:
    """Opens the main window, and opens it again in the other language when the
    engineer switches in the settings."""

    def __init__(self, ctx: AppContext, preset: Preconfig | None = None, *, auto_sync: bool = True):
        self.ctx = ctx
        self.preset = preset
        self.auto_sync = auto_sync
        self.window: MainWindow | None = None

    def open_window(self, language: str) -> MainWindow:
        from ui.i18n import INSTALLED
        from ui.mainwindow import MainWindow

        self.ctx.language = language
        INSTALLED.install(language)
        old = self.window
        window = MainWindow(self.ctx, on_language=self.open_window, auto_sync=self.auto_sync)
        enroll_page = getattr(window, "enroll_page", None)
        if enroll_page is not None and self.preset is not None:
            enroll_page.apply(self.preset)
        if old is not None:
            window.setGeometry(old.geometry())
            old.close()
            old.deleteLater()
        self.window = window
        window.show()
        # What start-up made (modules, Qt wrappers, the first page) lives as long as the
        # app: out of the collector's full sweeps, which then walk a tenth as much and
        # no longer freeze the window for 100+ ms after a big sync. (Freezing is
        # instant; collecting first would delay the first paint.)
        gc.freeze()
        return window


def run_app(data_dir: Path, *, demo_root: Path | None = None, language: str | None = None) -> int:
    started = time.perf_counter()
    from fieldapp.store import Store
    from sync.preconfig import load_preconfig
    from ui.context import AppContext
    from ui.tasks import tasks

    data_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(data_dir)
    app = qt_application()
    store = Store.open(data_dir)
    with contextlib.ExitStack() as stack:
        stack.callback(store.close)
        preset = load_preconfig(data_dir)
        chosen = choose_language(store, preset, language)
        if demo_root is not None:
            stack.enter_context(_demo_hq(demo_root, store, data_dir))
        launcher = Launcher(AppContext(store=store, data_dir=data_dir, language=chosen), preset)
        launcher.open_window(chosen)
        log.info("window shown %.0f ms after start", (time.perf_counter() - started) * 1000)
        code = app.exec()
        tasks().wait(30_000)
        return int(code)


@contextlib.contextmanager
def _demo_hq(root: Path, store: Store, device_dir: Path) -> Iterator[str]:
    """The demo's local HQ on loopback for the app's lifetime, the demo engineer's
    device enrolled (the window's first sync brings the jobs)."""
    from sync.demo import enroll_demo_device, local_hq, prepare_hq

    url = prepare_hq(root / "hq")
    with local_hq(url) as base:
        enroll_demo_device(url, base, store, device_dir)
        log.info("demo HQ at %s", base)
        yield base


if __name__ == "__main__":
    raise SystemExit(main())
