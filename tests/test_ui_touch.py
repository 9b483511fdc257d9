"""A finger, a glove and the sun: kinetic scrolling by touch on every scroll area, no
field changed by a wheel it did not get focus from, every target at least 48 px, the
high-contrast theme and the text size kept and applied, the offline banner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.ui_support import open_window, tap  # isort: skip

from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QInputDevice, QPalette, QPointingDevice
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScrollBar,
    QScroller,
    QSpinBox,
    QStyle,
    QStyleOptionButton,
    QStyleOptionSpinBox,
    QTabBar,
    QWidget,
)

from fieldapp.models import Job
from fieldapp.store import Store
from sync.client import SERVER, USER_ID
from tests.factories import World, make_world
from ui.common import theme
from ui.common.i18n import INSTALLED
from ui.common.widgets import ReasonDialog
from ui.engineer.job_overview import RescheduleDialog
from ui.engineer.job_signoff import PreviewDialog
from ui.mainwindow import MainWindow, SettingsDialog, stored_look
from ui.sync_panel import ProblemsDialog

PURCHASE = date(2024, 3, 26)


@pytest.fixture
def job_window(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[MainWindow, World]]:
    """The engineer's window on a job (HQ out of reach: nothing here needs it)."""
    store = Store.open(tmp_path)
    with store.action(track=False) as session:
        world = make_world(session)
        job = session.get(Job, world.job_id)
        assert job is not None
        job.reported_purchase_date = PURCHASE
    store.set_setting(SERVER, "http://127.0.0.1:9")
    store.set_setting(USER_ID, world.engineer_id)
    window = open_window(qtbot, store, tmp_path)
    window.open_job(world.job_id)
    try:
        yield window, world
    finally:
        window.close()
        store.close()


_FINGER: QPointingDevice | None = None


def finger() -> QPointingDevice:
    global _FINGER
    if _FINGER is None:
        _FINGER = QTest.createTouchDevice(QInputDevice.DeviceType.TouchScreen)
    return _FINGER


def drag(qtbot: QtBot, widget: QWidget, start: QPoint, end: QPoint, steps: int = 12) -> None:
    """A finger put down on ``widget`` at ``start``, moved to ``end`` and lifted."""
    window = widget.window().windowHandle()
    at = widget.mapTo(widget.window(), start)
    to = widget.mapTo(widget.window(), end)
    QTest.touchEvent(window, finger()).press(0, at, window)
    for n in range(1, steps + 1):
        point = at + (to - at) * (n / steps)
        QTest.touchEvent(window, finger()).move(0, point, window)
        qtbot.wait(16)
    QTest.touchEvent(window, finger()).release(0, to, window)
    qtbot.wait(50)


def current_area(window: MainWindow) -> QScrollArea:
    assert window.job_page is not None
    area = window.job_page.tabs.currentWidget()
    assert isinstance(area, QScrollArea)
    return area


def test_a_finger_scrolls_a_job_tab_and_selects_nothing(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, _ = job_window
    area = current_area(window)
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0, "the Job tab is taller than the screen"
    viewport = area.viewport()
    middle = viewport.rect().center()
    drag(qtbot, viewport, middle + QPoint(0, 200), middle - QPoint(0, 200))
    qtbot.waitUntil(lambda: bar.value() > 100, timeout=3000)
    selected = [
        label.selectedText()
        for label in area.widget().findChildren(type(window.who))
        if label.hasSelectedText()
    ]
    assert selected == []


def test_a_drag_that_starts_on_text_scrolls_and_a_tap_still_presses(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, _ = job_window
    area = current_area(window)
    bar = area.verticalScrollBar()
    viewport = area.viewport()
    labels = [
        label
        for label in area.widget().findChildren(type(window.who))
        if label.isVisible()
        and label.text()
        and 250 < label.mapTo(viewport, QPoint(0, 0)).y() < viewport.height() - 50
    ]
    label = labels[0]
    start = label.mapTo(viewport, label.rect().center())
    drag(qtbot, viewport, start, start - QPoint(0, 250))
    qtbot.waitUntil(lambda: bar.value() > 100, timeout=3000)
    assert not any(label.hasSelectedText() for label in labels)
    # The flick runs out (a tap on a moving page only stops it, as on a phone).
    scroller = QScroller.scroller(viewport)
    qtbot.waitUntil(lambda: scroller.state() == QScroller.State.Inactive, timeout=5000)
    bar.setValue(0)
    accept = window.findChild(QPushButton, "action_accepted")
    assert accept is not None and accept.isVisible()
    window_handle = window.windowHandle()
    centre = accept.mapTo(window, accept.rect().center())
    with qtbot.waitSignal(accept.clicked, timeout=3000):
        QTest.touchEvent(window_handle, finger()).press(0, centre, window_handle)
        QTest.touchEvent(window_handle, finger()).release(0, centre, window_handle)


def wheel(qtbot: QtBot, widget: QWidget, notches: int) -> None:
    """The mouse wheel turned over the middle of ``widget`` (one notch is 120), as the
    window system delivers it."""
    window = widget.window()
    at = QPointF(widget.mapTo(window, widget.rect().center()))
    QTest.wheelEvent(window.windowHandle(), at, QPoint(0, 120 * notches))
    qtbot.wait(10)


def test_the_wheel_over_the_purchase_date_scrolls_the_page_not_the_date(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, _ = job_window
    area = current_area(window)
    edit = window.findChild(QPushButton, "edit_dispatch")
    if edit is not None and edit.isVisible():
        tap(qtbot, edit)  # the dispatch information, corrected
    dates = [d for d in area.widget().findChildren(QDateEdit) if d.isVisible()]
    assert dates, "the purchase date is on the Job tab"
    purchase = dates[0]
    assert purchase.date().toPython() == PURCHASE
    area.ensureWidgetVisible(purchase)
    bar = area.verticalScrollBar()
    before = bar.value()
    assert before < bar.maximum()
    for _ in range(3):
        wheel(qtbot, purchase, -1)  # down: the page moves, the date does not
    assert purchase.date().toPython() == PURCHASE
    assert bar.value() > before
    assert purchase.focusPolicy() == Qt.FocusPolicy.StrongFocus
    # Once the engineer tapped into it, the wheel is the field's.
    area.ensureWidgetVisible(purchase)
    purchase.setFocus()
    qtbot.waitUntil(purchase.hasFocus)
    wheel(qtbot, purchase, 1)
    assert purchase.date().toPython() != PURCHASE


def test_a_finger_signs_on_the_pad_in_a_scrolled_tab_without_scrolling(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, world = job_window
    with window.ctx.store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.status = "on_site"
    window.open_job(world.job_id)
    assert window.job_page is not None
    page = window.job_page
    page.tabs.setCurrentIndex(page.tabs.indexOf(page.signoff.parentWidget().parentWidget()))
    area = current_area(window)
    pad = page.signoff.pad
    qtbot.waitUntil(pad.isVisible)
    area.ensureWidgetVisible(pad, 0, 0)
    bar = area.verticalScrollBar()
    before = bar.value()
    assert before > 0, "the page could scroll up under the finger"
    viewport = area.viewport()
    top = pad.mapTo(viewport, QPoint(60, 30))
    drag(qtbot, viewport, top, top + QPoint(200, 160))
    assert pad.stroke_count() == 1
    assert bar.value() == before


# --- every target at least 48 px ------------------------------------------------------

MIN_BAR = 32  # a scroll bar's width a finger can hold


def _spin_steppers(box: QAbstractSpinBox) -> list[QRect]:
    if box.buttonSymbols() == QAbstractSpinBox.ButtonSymbols.NoButtons:
        return []
    option = QStyleOptionSpinBox()
    box.initStyleOption(option)  # type: ignore[attr-defined]
    controls = [QStyle.SubControl.SC_SpinBoxUp, QStyle.SubControl.SC_SpinBoxDown]
    if isinstance(box, QDateTimeEdit) and box.calendarPopup():
        return []  # one drop-down instead of steppers: the box itself is the target
    return [
        box.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, control, box)
        for control in controls
    ]


def small_targets(root: QWidget) -> list[str]:
    """Every interactive widget under ``root`` that is on screen and smaller than a
    finger (48 × 48 px), with what is too small."""
    found: list[str] = []

    def say(widget: QWidget, what: str, size: QSize) -> None:
        name = widget.objectName() or type(widget).__name__
        text = getattr(widget, "text", lambda: "")()
        found.append(f"{name} {text!r}: {what} {size.width()}×{size.height()}")

    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.window() is not root.window():
            continue
        parent = widget.parentWidget()
        inside_field = isinstance(parent, (QAbstractSpinBox, QComboBox))
        if isinstance(widget, QAbstractButton) and not isinstance(parent, QTabBar):
            if widget.height() < theme.TOUCH or widget.width() < theme.TOUCH:
                say(widget, "button", widget.size())
            if isinstance(widget, QCheckBox):
                option = QStyleOptionButton()
                widget.initStyleOption(option)  # type: ignore[attr-defined]
                box = widget.style().subElementRect(
                    QStyle.SubElement.SE_CheckBoxIndicator, option, widget
                )
                if min(box.width(), box.height()) < 36:
                    say(widget, "check box", box.size())
        elif isinstance(widget, QLineEdit) and not inside_field:
            if widget.height() < theme.TOUCH:
                say(widget, "field", widget.size())
        elif isinstance(widget, QAbstractSpinBox):
            if widget.height() < theme.TOUCH:
                say(widget, "spin box", widget.size())
            for rect in _spin_steppers(widget):
                if rect.height() < theme.TOUCH or rect.width() < theme.TOUCH:
                    say(widget, "stepper", rect.size())
        elif isinstance(widget, QComboBox):
            if widget.height() < theme.TOUCH:
                say(widget, "combo box", widget.size())
            if widget.count() and widget.view().sizeHintForRow(0) < theme.TOUCH:
                say(widget, "drop-down row", QSize(0, widget.view().sizeHintForRow(0)))
        elif isinstance(widget, QTabBar):
            for n in range(widget.count()):
                rect = widget.tabRect(n)
                if rect.height() < theme.TOUCH or rect.width() < theme.TOUCH:
                    say(widget, f"tab {widget.tabText(n)!r}", rect.size())
        elif isinstance(widget, QScrollBar):
            thickness = (
                widget.width()
                if widget.orientation() == Qt.Orientation.Vertical
                else (widget.height())
            )
            if thickness < MIN_BAR:
                say(widget, "scroll bar", widget.size())
    return found


def every_page(window: MainWindow) -> Iterator[str]:
    """The list, then each tab of the job page (the job on site), as the engineer sees
    them, scrolled through."""
    assert window.job_list is not None and window.job_page is not None
    window.back_to_list()
    yield "list"
    page = window.job_page
    window.open_job(page.job_id)
    for n in range(page.tabs.count()):
        page.tabs.setCurrentIndex(n)
        edit = window.findChild(QPushButton, "edit_dispatch")
        if edit is not None and edit.isVisible():
            edit.click()  # the dispatch fields in edit mode too
        yield page.tabs.tabText(n)


def test_every_target_on_every_page_is_big_enough_for_a_finger(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, world = job_window
    with window.ctx.store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.status = "on_site"  # every tab open, the work and the signature too
    window.open_job(world.job_id)
    problems: list[str] = []
    for name in every_page(window):
        qtbot.wait(20)
        problems += [f"{name}: {problem}" for problem in small_targets(window)]
    assert problems == []


def test_every_dialog_is_big_enough_for_a_finger(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, _ = job_window
    dialogs: list[QDialog] = [
        SettingsDialog("zh_CN", window),
        ReasonDialog("Hand back", "Why?", window),
        RescheduleDialog(None, window),
        ProblemsDialog(window.ctx.store, window),
        PreviewDialog("<h1>FW-2026-000123</h1>" + "<p>…</p>" * 80, window),
    ]
    files = QFileDialog(window, "Choose a picture", str(Path(__file__).parent))
    files.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialogs.append(files)
    problems: list[str] = []
    for dialog in dialogs:
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.wait(50)
        problems += [f"{dialog.windowTitle()}: {problem}" for problem in small_targets(dialog)]
        for view in dialog.findChildren(QAbstractItemView):
            if isinstance(view, QHeaderView):
                continue
            model = view.model()
            if view.isVisible() and model is not None and model.rowCount(view.rootIndex()):
                row = view.visualRect(model.index(0, 0, view.rootIndex())).height()
                if row < theme.TOUCH:
                    problems.append(f"{dialog.windowTitle()}: {type(view).__name__} row {row}")
        dialog.close()
    assert problems == []


def test_a_scroll_that_starts_on_a_stepper_leaves_the_minutes_and_a_tap_steps(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, world = job_window
    with window.ctx.store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.status = "on_site"
    window.open_job(world.job_id)
    assert window.job_page is not None
    page = window.job_page
    page.tabs.setCurrentIndex(page.tabs.indexOf(page.time.parentWidget().parentWidget()))
    minutes = page.time.findChild(QAbstractSpinBox, "minutes")
    assert isinstance(minutes, QSpinBox)
    qtbot.waitUntil(minutes.isVisible)
    area = current_area(window)
    area.ensureWidgetVisible(minutes, 0, 300)
    before = minutes.value()
    plus = _spin_steppers(minutes)[0]
    assert plus.width() >= theme.TOUCH and plus.height() >= theme.TOUCH
    assert plus.left() > minutes.width() // 2  # + on the right, − on the left
    viewport = area.viewport()
    start = minutes.mapTo(viewport, plus.center())
    drag(qtbot, viewport, start, start - QPoint(0, 120))
    assert minutes.value() == before
    scroller = QScroller.scroller(viewport)
    qtbot.waitUntil(lambda: scroller.state() == QScroller.State.Inactive, timeout=5000)
    area.ensureWidgetVisible(minutes, 0, 300)
    at = minutes.mapTo(window, plus.center())
    handle = window.windowHandle()
    QTest.touchEvent(handle, finger()).press(0, at, handle)
    QTest.touchEvent(handle, finger()).release(0, at, handle)
    qtbot.waitUntil(lambda: minutes.value() == before + minutes.singleStep())


# --- sunlight and reading ---------------------------------------------------------------


def test_high_contrast_and_text_size_are_kept_and_applied_at_once(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, _ = job_window
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    normal = app.font().pointSize()
    chosen: list[SettingsDialog] = []

    def choose() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        chosen.append(dialog)
        dialog.high_contrast.setChecked(True)
        dialog.text_size.setCurrentIndex(dialog.text_size.findData("extra_large"))
        dialog.accept()

    QTimer.singleShot(0, choose)
    tap(qtbot, window.settings_button)
    qtbot.waitUntil(lambda: bool(chosen))
    try:
        # Applied without a restart: black on white, bigger text, in this very window.
        assert app.font().pointSize() == theme.TEXT_SIZES["extra_large"] > normal
        palette = app.palette()
        assert palette.color(QPalette.ColorRole.Window) == QColor("white")
        assert palette.color(QPalette.ColorRole.WindowText) == QColor("black")
        muted = window.findChildren(QLabel)
        assert muted and all(
            label.palette().color(QPalette.ColorRole.WindowText) == QColor("black")
            for label in muted
            if label.property("role") == "muted" and label.isVisible()
        ), "no grey text"
        qtbot.waitUntil(lambda: window.settings_button.font().pointSize() > normal)
        # Kept: the next start opens the same way.
        store = window.ctx.store
        assert stored_look(store) == theme.Look(high_contrast=True, text_size="extra_large")
        theme.apply(app, theme.Look())
        again = MainWindow(window.ctx, auto_sync=False)
        qtbot.addWidget(again)
        assert theme.current_look() == theme.Look(high_contrast=True, text_size="extra_large")
        assert app.palette().color(QPalette.ColorRole.Window) == QColor("white")
    finally:
        theme.apply(app, theme.Look())
    assert app.font().pointSize() == normal


@pytest.mark.parametrize("scheme", ["light", "dark", "high contrast"])
def test_chip_text_reads_well_in_every_scheme(qtbot: QtBot, scheme: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = QPalette(app.palette())
    try:
        if scheme == "dark":
            from ui.screens import dark_palette

            app.setPalette(dark_palette())
        theme.apply(app, theme.Look(high_contrast=scheme == "high contrast"))
        assert theme.is_dark() == (scheme == "dark")
        chips = [theme.urgency_colour(m) for m in (-300, -1, 30, 600, 5000, None)]
        chips += [theme.ok_colour(), theme.warning_colour(), theme.error_colour()]
        for colour in chips:
            ratio = theme.contrast(colour, theme.text_on(colour))
            assert ratio >= 4.5, f"{colour.name()} in {scheme}: {ratio:.1f}"
        late = theme.urgency_colour(-1)
        assert theme.text_on(late) == QColor("white")  # a strong red, never salmon
        assert late.hslSaturationF() > 0.6 and late.lightnessF() < 0.5
    finally:
        app.setPalette(saved)
        theme.apply(app, theme.Look())


# --- Qt's own dialogs in Chinese; the slim bar ----------------------------------------------


def test_qts_own_dialogs_speak_chinese(qtbot: QtBot, tmp_path: Path) -> None:
    INSTALLED.install("zh_CN")
    files = QFileDialog(None, "", str(tmp_path))
    files.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(files)
    files.show()
    qtbot.waitExposed(files)
    buttons = {button.text() for button in files.findChildren(QPushButton)}
    assert "取消" in buttons and "Cancel" not in buttons
    labels = " ".join(label.text() for label in files.findChildren(QLabel))
    assert "查找范围" in labels and "文件类型" in labels and "Look in" not in labels
    colours = QColorDialog()
    colours.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog, True)
    qtbot.addWidget(colours)
    assert {b.text() for b in colours.findChildren(QPushButton)} >= {"确定", "取消"}
    printing = QPrintDialog(QPrinter())
    qtbot.addWidget(printing)
    assert {b.text() for b in printing.findChildren(QPushButton)} >= {"打印(&P)", "取消"}
    INSTALLED.install("en")
    english = QFileDialog(None, "", str(tmp_path))
    english.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    qtbot.addWidget(english)
    assert "Cancel" in {button.text() for button in english.findChildren(QPushButton)}


def test_the_bar_above_the_job_page_is_slim(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, _ = job_window
    assert window.top_bar.height() <= 56
    assert window.settings_button.height() >= theme.TOUCH
    # "%1's jobs", which Chinese says 张伟的工单 (no space before 的).
    assert window.who.text() in {"张伟's jobs", "张伟的工单"}


# The offscreen platform cannot raise a popup or give it the keyboard; a screen can.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_drop_down_opens_on_a_tap_not_on_a_scroll_that_starts_on_it(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, world = job_window
    with window.ctx.store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.status = "on_site"
    window.open_job(world.job_id)
    assert window.job_page is not None
    page = window.job_page
    page.tabs.setCurrentIndex(page.tabs.indexOf(page.time.parentWidget().parentWidget()))
    kinds = [box for box in page.time.findChildren(QComboBox) if box.isVisible()]
    assert kinds
    kind = kinds[0]
    area = current_area(window)
    viewport = area.viewport()
    start = kind.mapTo(viewport, kind.rect().center())
    drag(qtbot, viewport, start, start - QPoint(0, 100))
    assert not kind.view().isVisible()
    scroller = QScroller.scroller(viewport)
    qtbot.waitUntil(lambda: scroller.state() == QScroller.State.Inactive, timeout=5000)
    area.ensureWidgetVisible(kind, 0, 200)
    at = kind.mapTo(window, kind.rect().center())
    handle = window.windowHandle()
    QTest.touchEvent(handle, finger()).press(0, at, handle)
    QTest.touchEvent(handle, finger()).release(0, at, handle)
    qtbot.waitUntil(kind.view().isVisible)
    row = kind.view().visualRect(kind.model().index(kind.count() - 1, 0))
    assert row.height() >= theme.TOUCH
    rows = kind.view().viewport()
    QTest.touchEvent(rows, finger()).press(0, row.center(), rows)
    QTest.touchEvent(rows, finger()).release(0, row.center(), rows)
    qtbot.waitUntil(lambda: kind.currentIndex() == kind.count() - 1)


def test_a_drag_over_text_boxes_scrolls_the_sign_off_page_and_selects_nothing(
    qtbot: QtBot, job_window: tuple[MainWindow, World]
) -> None:
    window, world = job_window
    with window.ctx.store.action(track=False) as session:
        job = session.get(Job, world.job_id)
        assert job is not None
        job.status = "on_site"
    window.open_job(world.job_id)
    assert window.job_page is not None
    page = window.job_page
    page.tabs.setCurrentIndex(page.tabs.indexOf(page.signoff.parentWidget().parentWidget()))
    signoff = page.signoff
    qtbot.waitUntil(signoff.opinion.isVisible)
    signoff.signer.setText("刘建国")
    signoff.opinion.setPlainText("服务及时，问题已解决")
    area = current_area(window)
    bar = area.verticalScrollBar()
    viewport = area.viewport()
    scroller = QScroller.scroller(viewport)
    for box in (signoff.opinion, signoff.signer):
        area.ensureWidgetVisible(box, 0, 0)
        bar.setValue(min(bar.maximum(), bar.value() + 150))
        area.ensureWidgetVisible(box, 0, 0)
        before = bar.value()
        assert before > 0
        start = box.mapTo(viewport, box.rect().center())
        drag(qtbot, viewport, start, start + QPoint(-150, 180))
        qtbot.waitUntil(lambda: scroller.state() == QScroller.State.Inactive, timeout=5000)
        assert bar.value() < before, type(box).__name__  # the page moved with the finger
    assert not signoff.opinion.textCursor().hasSelection()
    assert not signoff.signer.hasSelectedText()
