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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fieldapp.paths import default_data_dir, setup_logging

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from fieldapp.store import Store
    from fieldapp.store_health import StoreProblem
    from sync.preconfig import Preconfig
    from ui.common.context import AppContext
    from ui.mainwindow import MainWindow

log = logging.getLogger(__name__)

CLI_COMMANDS = {"status", "sync", "enroll", "demo-data", "rescue", "set-aside"}


def _split(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="fieldapp", add_help=False)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--headless", action="store_true")
    parser.add_argument("--language", default=None)
    parser.add_argument("--as", dest="demo_as", default=None)
    parser.add_argument("--self-test", action="store_true")
    return parser.parse_known_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    known, rest = _split(args_list)
    command = rest[0] if rest else None
    if known.self_test:
        # For IT and CI: checks this installation offscreen on copies (ui/self_test.py).
        from ui.self_test import run as self_test

        return self_test(known.data_dir or default_data_dir())
    if (
        command in CLI_COMMANDS
        or command in ("-h", "--help", "--version")
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
        from ui.platform_check import check as platform_check

        # A fresh machine: name the system packages Qt lacks rather than Qt's abort.
        if (code := platform_check()) != 0:
            return code
        from fieldapp.paths import DEMO_ENGINEER, DEMO_USERS, demo_device_dir

        login = known.demo_as or DEMO_ENGINEER
        if login not in DEMO_USERS:
            sys.stderr.write(f"fieldapp: the demo is opened as one of {', '.join(DEMO_USERS)}\n")
            return 2
        return run_app(
            demo_device_dir(data_dir / "demo", login),
            demo_root=data_dir / "demo",
            language=known.language,
            demo_login=login,
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

    from ui.common import theme

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    # Qt's own file, colour and print dialogs: big rows for a finger (theme.py), in the
    # app's language (ui/common/i18n.py), on every system alike.
    QApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    # The UI thread waits at most 1 ms (not 5) for the interpreter lock when a worker
    # (the sync) holds it: each of its database calls gives the lock away and back.
    sys.setswitchinterval(0.001)
    app = QApplication(sys.argv[:1])
    load_bundled_fonts()
    app.setApplicationName("fieldapp")
    app.setOrganizationName("FieldApp")
    app.setDesktopFileName("fieldapp")
    theme.apply(app)
    theme.follow_colour_scheme(app)
    return app


def load_bundled_fonts() -> list[str]:
    """The fonts the installed app carries (``resources/fonts/``, only in a packaged
    build): Chinese shows on a machine with no CJK font of its own."""
    from PySide6.QtGui import QFontDatabase

    from fieldapp.paths import resources_dir

    families: list[str] = []
    folder = resources_dir() / "fonts"
    for path in sorted(folder.glob("*.tt[cf]")) + sorted(folder.glob("*.otf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.error("The bundled font %s does not load", path)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def choose_language(store: Store, preset: Preconfig | None, asked: str | None) -> str:
    """The command line's choice, else the engineer's, else IT's, else Chinese."""
    from ui.common.context import LANGUAGE
    from ui.common.i18n import DEFAULT_LANGUAGE, LANGUAGES

    chosen = (
        asked or store.get_setting(LANGUAGE) or (preset.language if preset else "")
    ) or DEFAULT_LANGUAGE
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


class Launcher:
    """Opens the main window, and opens it again in the other language when the
    engineer switches in the settings."""

    def __init__(
        self, ctx: AppContext | None, preset: Preconfig | None = None, *, auto_sync: bool = True
    ):
        self.ctx = ctx  # None while the store cannot be opened (the problem screen)
        #: Opens the store and the main window: after the problem screen's fresh start.
        self.start: Callable[[], None] | None = None
        self.preset = preset
        self.auto_sync = auto_sync
        self.window: MainWindow | None = None
        self.problem_window: QWidget | None = None

    def open_window(self, language: str) -> MainWindow:
        from ui.common.i18n import INSTALLED
        from ui.mainwindow import MainWindow

        assert self.ctx is not None, "open_window needs an open store"
        self.ctx.language = language
        INSTALLED.install(language)
        old = self.window
        window = MainWindow(self.ctx, on_language=self.open_window, auto_sync=self.auto_sync)
        enroll_page = getattr(window, "enroll_page", None)
        if enroll_page is not None and self.preset is not None:
            enroll_page.apply(self.preset)
            # IT placed HQ's address and a code: the device enrolls itself.
            enroll_page.enroll_by_itself()
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

    def show_problem(self, data_dir: Path, problem: StoreProblem, language: str) -> None:
        """The store cannot be used: its problem screen in place of the main window."""
        from ui.common.i18n import INSTALLED
        from ui.store_problem import StoreProblemWindow

        INSTALLED.install(language)
        old = self.window
        window = StoreProblemWindow(data_dir, problem)
        window.page.fresh_start.connect(lambda: self._fresh_start(window))
        window.page.check_again.connect(lambda: self._check_again(window, data_dir, language))
        if old is not None:
            window.setGeometry(old.geometry())
            old.close()
            old.deleteLater()
        self.problem_window = window
        self.window = None
        window.show()

    def _fresh_start(self, problem_window: QWidget) -> None:
        assert self.start is not None
        self.start()
        if self.window is not None:
            self.window.setGeometry(problem_window.geometry())
        self.problem_window = None
        problem_window.close()
        problem_window.deleteLater()

    def _check_again(self, problem_window: QWidget, data_dir: Path, language: str) -> None:
        from fieldapp.store_health import check_data_dir
        from sync.token_store import has_token

        problem = check_data_dir(
            data_dir, has_token=lambda: has_token(data_dir), quick_check=True
        )
        if problem is None:
            self._fresh_start(problem_window)
        else:
            self.problem_window = None
            problem_window.close()
            problem_window.deleteLater()
            self.show_problem(data_dir, problem, language)

    def check_in_back(self, data_dir: Path, *, then_sync: bool) -> None:
        """SQLite's quick_check of every page, in the back, before the first sync: a
        damaged store found then closes the job list for the problem screen; a sound
        one lets the sync start (``then_sync``)."""
        from fieldapp.paths import STORE_FILE
        from fieldapp.store_health import check_store_file

        if self.ctx is None:
            return
        self.ctx.task_manager.run(
            check_store_file,
            data_dir / STORE_FILE,
            has_token=False,
            quick_check=True,
            # No owner: the answer is for whichever window is shown by then (the
            # engineer may have switched the language meanwhile).
            on_done=lambda problem: self._checked(data_dir, problem, then_sync),
        )

    def _checked(self, data_dir: Path, problem: StoreProblem | None, then_sync: bool) -> None:
        window = self.window
        if window is None or self.ctx is None:
            return
        if problem is not None:
            log.error("The store was found damaged after start: %s", problem.detail)
            self.show_problem(data_dir, problem, self.ctx.language)
            # Closed at once: no more reads of it, and its empty journal files go (they
            # would otherwise be kept aside with it).
            self.ctx.store.close()
            return
        if then_sync and not self.auto_sync:
            self.auto_sync = window.auto_sync = True
            if window.job_list is not None:  # else the sync starts once enrolled
                window.sync.start()


def run_app(
    data_dir: Path,
    *,
    demo_root: Path | None = None,
    language: str | None = None,
    demo_login: str | None = None,
) -> int:
    started = time.perf_counter()
    from fieldapp.store import StoreOpenError
    from ui.common.tasks import tasks

    app = qt_application()
    with contextlib.ExitStack() as stack:
        try:
            launch(data_dir, stack, demo_root=demo_root, language=language, demo_login=demo_login)
        except StoreOpenError as error:
            # A failed migration (the store was put back as it was): say so, plainly.
            from PySide6.QtWidgets import QMessageBox

            log.error("Store not opened: %s", error)
            sys.stderr.write(f"fieldapp: {error}\n")
            QMessageBox.critical(None, "fieldapp", str(error))
            return 4
        log.info("window shown %.0f ms after start", (time.perf_counter() - started) * 1000)
        code = app.exec()
        tasks().wait(30_000)
        return int(code)


def launch(
    data_dir: Path,
    stack: contextlib.ExitStack,
    *,
    demo_root: Path | None = None,
    language: str | None = None,
    auto_sync: bool = True,
    demo_login: str | None = None,
) -> Launcher:
    """Check the store, then show the main window on it, or the store's problem screen
    (ui/store_problem.py) when it cannot be used. What is opened closes with ``stack``."""
    from fieldapp.store_health import check_data_dir, shutdown_was_clean
    from sync.preconfig import load_preconfig
    from sync.token_store import has_token

    # The store is checked before it is opened (fieldapp/store_health.py): header, size
    # and schema revision every time (under a millisecond); SQLite's quick_check of every
    # page here only after a shutdown that was not clean (on a 100 MB store it takes
    # 80 ms warm, 800 ms from a cold disk), else in the back once the window is shown,
    # and the first sync waits for it.
    clean = shutdown_was_clean(data_dir)
    problem = check_data_dir(
        data_dir, has_token=lambda: has_token(data_dir), quick_check=not clean
    )
    if problem is None or problem.kind not in FOLDER_PROBLEMS:
        setup_logging(data_dir)
    preset = load_preconfig(data_dir) if problem is None or problem.rescuable else None
    launcher = Launcher(None, preset, auto_sync=auto_sync)
    launcher.start = lambda: _open_store(
        launcher, stack, data_dir, demo_root, language, demo_login
    )
    if problem is not None:
        from ui.common.i18n import DEFAULT_LANGUAGE, LANGUAGES

        asked = language or (preset.language if preset else "")
        chosen = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
        launcher.show_problem(data_dir, problem, chosen)
    elif clean:
        launcher.auto_sync = False  # until the check in the back has passed
        launcher.start()
        launcher.check_in_back(data_dir, then_sync=auto_sync)
    else:
        launcher.start()
    return launcher


FOLDER_PROBLEMS = {"folder_is_file", "folder_not_writable"}


def _open_store(
    launcher: Launcher,
    stack: contextlib.ExitStack,
    data_dir: Path,
    demo_root: Path | None,
    language: str | None,
    demo_login: str | None = None,
) -> None:
    """Open the store and the main window on it (at start, or after a fresh start)."""
    from fieldapp.store import Store
    from fieldapp.store_health import open_marker
    from sync.preconfig import load_preconfig
    from ui.common.context import AppContext

    store = Store.open(data_dir)
    stack.callback(store.close)
    stack.enter_context(open_marker(data_dir))
    preset = launcher.preset or load_preconfig(data_dir)
    launcher.preset = preset
    chosen = choose_language(store, preset, language)
    if demo_root is not None:
        stack.enter_context(_demo_hq(demo_root, store, data_dir, demo_login))
    launcher.ctx = AppContext(store=store, data_dir=data_dir, language=chosen)
    launcher.open_window(chosen)


@contextlib.contextmanager
def _demo_hq(
    root: Path, store: Store, device_dir: Path, login: str | None = None
) -> Iterator[str]:
    """The demo's local HQ on loopback for the app's lifetime, the demo device of
    ``login`` (the engineer's by default) enrolled (the window's first sync brings
    the jobs)."""
    from fieldapp.paths import DEMO_ENGINEER
    from sync.demo import enroll_demo_device, local_hq, prepare_hq

    url = prepare_hq(root / "hq")
    with local_hq(url) as base:
        enroll_demo_device(url, base, store, device_dir, login or DEMO_ENGINEER)
        log.info("demo HQ at %s", base)
        yield base


if __name__ == "__main__":
    raise SystemExit(main())
