"""The signature pad: input from mouse, pen and finger, undo/redo, and the PNG export."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
from collections.abc import Iterator, Sequence

import pytest

pytest.importorskip("PySide6.QtWidgets")
pytest.importorskip("pytestqt")

from PIL import Image
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QPointF, Qt, QTranslator
from PySide6.QtGui import (
    QColor,
    QImage,
    QInputDevice,
    QMouseEvent,
    QPalette,
    QPointingDevice,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QSizePolicy
from pytestqt.qtbot import QtBot

from ui.common.signature import MIN_INK_LENGTH, SignaturePad, png_box

Path = Sequence[tuple[float, float]]

ZIGZAG: Path = [(60, 60), (120, 120), (180, 60), (240, 120), (300, 60)]


@pytest.fixture
def pad(qtbot: QtBot) -> Iterator[SignaturePad]:
    widget = SignaturePad()
    qtbot.addWidget(widget)
    widget.resize(640, 240)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def _point(xy: tuple[float, float]) -> QPoint:
    return QPoint(round(xy[0]), round(xy[1]))


def draw(qtbot: QtBot, pad: SignaturePad, path: Path) -> None:
    """A mouse stroke along ``path``: a real press and release through QTest, the moves
    sent straight to the widget (QTest's moves do not always carry the held button)."""
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=_point(path[0]))
    for xy in path[1:]:
        move = QMouseEvent(
            QEvent.Type.MouseMove,
            QPointF(*xy),
            QPointF(pad.mapToGlobal(_point(xy))),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(pad, move)
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=_point(path[-1]))


def grey(image: QImage, x: int, y: int) -> int:
    return QColor(image.pixel(x, y)).lightness()


def dark_pixels(image: QImage, x0: int, y0: int, x1: int, y1: int, below: int = 200) -> int:
    return sum(1 for x in range(x0, x1) for y in range(y0, y1) if grey(image, x, y) < below)


def pen_device() -> QPointingDevice:
    return QPointingDevice(
        "test pen",
        4242,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        2,
    )


def pen_stroke(pad: SignaturePad, device: QPointingDevice, path: Path, pressure: float) -> None:
    """A pen stroke from synthetic tablet events, at a constant ``pressure``."""
    last = len(path) - 1
    for i, xy in enumerate(path):
        kind = (
            QEvent.Type.TabletPress
            if i == 0
            else QEvent.Type.TabletRelease
            if i == last
            else QEvent.Type.TabletMove
        )
        held = Qt.MouseButton.NoButton if i == last else Qt.MouseButton.LeftButton
        event = QTabletEvent(
            kind,
            device,
            QPointF(*xy),
            QPointF(pad.mapToGlobal(_point(xy))),
            0.0 if i == last else pressure,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.KeyboardModifier.NoModifier,
            Qt.MouseButton.LeftButton if i in (0, last) else Qt.MouseButton.NoButton,
            held,
        )
        QApplication.sendEvent(pad, event)


# -- the widget ----------------------------------------------------------------------


def test_starts_empty_and_big_enough_for_a_finger(pad: SignaturePad) -> None:
    assert pad.is_empty()
    assert not pad.has_valid_signature()
    assert pad.stroke_count() == 0
    assert pad.strokes() == []
    assert not pad.can_undo()
    assert not pad.can_redo()
    assert pad.minimumWidth() >= 600
    assert pad.minimumHeight() >= 220
    policy = pad.sizePolicy()
    assert policy.horizontalPolicy() == QSizePolicy.Policy.Expanding
    assert policy.verticalPolicy() == QSizePolicy.Policy.Expanding
    assert pad.testAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)


def test_a_mouse_stroke_is_recorded(qtbot: QtBot, pad: SignaturePad) -> None:
    with qtbot.waitSignal(pad.changed, timeout=1000):
        draw(qtbot, pad, ZIGZAG)
    assert not pad.is_empty()
    assert pad.has_valid_signature()
    assert pad.stroke_count() == 1
    (stroke,) = pad.strokes()
    assert [(round(x), round(y)) for x, y, _ in stroke] == list(ZIGZAG)
    assert all(0.0 < pressure <= 1.0 for _, _, pressure in stroke)
    assert pad.can_undo()


def test_a_tap_or_a_flick_is_not_a_signature(qtbot: QtBot, pad: SignaturePad) -> None:
    with qtbot.waitSignal(pad.changed, timeout=1000):
        draw(qtbot, pad, [(200, 100)])
    assert pad.stroke_count() == 1  # a dot is ink (undo takes it away) ...
    assert not pad.is_empty()
    assert not pad.has_valid_signature()  # ... but not a signature
    draw(qtbot, pad, [(300, 100), (300 + MIN_INK_LENGTH - 10, 100)])
    assert pad.stroke_count() == 2
    assert not pad.has_valid_signature()
    draw(qtbot, pad, [(300, 150), (300 + MIN_INK_LENGTH, 150)])
    assert pad.has_valid_signature()


def test_undo_redo_and_a_new_stroke_forgets_the_redo(qtbot: QtBot, pad: SignaturePad) -> None:
    draw(qtbot, pad, ZIGZAG)
    draw(qtbot, pad, [(350, 150), (500, 150)])
    assert pad.stroke_count() == 2
    first, second = pad.strokes()

    with qtbot.waitSignal(pad.changed, timeout=1000):
        pad.undo()
    assert pad.strokes() == [first]
    assert pad.can_redo()

    with qtbot.waitSignal(pad.changed, timeout=1000):
        pad.redo()
    assert pad.strokes() == [first, second]
    assert not pad.can_redo()

    pad.undo()
    pad.undo()
    assert pad.is_empty()
    assert not pad.can_undo()
    with qtbot.assertNotEmitted(pad.changed):
        pad.undo()  # nothing left: nothing happens

    pad.redo()
    assert pad.strokes() == [first]
    assert pad.can_redo()
    draw(qtbot, pad, [(100, 180), (400, 180)])
    assert not pad.can_redo()
    with qtbot.assertNotEmitted(pad.changed):
        pad.redo()
    assert pad.stroke_count() == 2


def test_clear(qtbot: QtBot, pad: SignaturePad) -> None:
    draw(qtbot, pad, ZIGZAG)
    draw(qtbot, pad, [(350, 150), (500, 150)])
    pad.undo()
    with qtbot.waitSignal(pad.changed, timeout=1000):
        pad.clear()
    assert pad.is_empty()
    assert not pad.can_undo()
    assert not pad.can_redo()
    with qtbot.assertNotEmitted(pad.changed):
        pad.clear()


def test_right_button_does_not_draw(qtbot: QtBot, pad: SignaturePad) -> None:
    qtbot.mousePress(pad, Qt.MouseButton.RightButton, pos=QPoint(100, 100))
    qtbot.mouseRelease(pad, Qt.MouseButton.RightButton, pos=QPoint(200, 100))
    assert pad.is_empty()


def test_ink_outside_the_pad_is_kept_on_the_paper(qtbot: QtBot, pad: SignaturePad) -> None:
    draw(qtbot, pad, [(600, 100), (700, 100), (700, 400)])
    (stroke,) = pad.strokes()
    assert all(0 <= x <= pad.width() and 0 <= y <= pad.height() for x, y, _ in stroke)


# -- pen and finger ------------------------------------------------------------------


def test_a_pen_stroke_records_pressure(pad: SignaturePad, qtbot: QtBot) -> None:
    device = pen_device()
    points = [(80, 100), (140, 110), (200, 100), (260, 120)]
    pressures = [0.1, 0.4, 0.8, 1.0]
    with qtbot.waitSignal(pad.changed, timeout=1000):
        QApplication.sendEvent(
            pad,
            QTabletEvent(
                QEvent.Type.TabletPress,
                device,
                QPointF(*points[0]),
                QPointF(pad.mapToGlobal(_point(points[0]))),
                pressures[0],
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                Qt.KeyboardModifier.NoModifier,
                Qt.MouseButton.LeftButton,
                Qt.MouseButton.LeftButton,
            ),
        )
        for xy, pressure in zip(points[1:], pressures[1:], strict=True):
            move = QTabletEvent(
                QEvent.Type.TabletMove,
                device,
                QPointF(*xy),
                QPointF(pad.mapToGlobal(_point(xy))),
                pressure,
                0.0,
                0.0,
                0.0,
                0.0,
                0.0,
                Qt.KeyboardModifier.NoModifier,
                Qt.MouseButton.NoButton,
                Qt.MouseButton.LeftButton,
            )
            QApplication.sendEvent(pad, move)
        release = QTabletEvent(
            QEvent.Type.TabletRelease,
            device,
            QPointF(*points[-1]),
            QPointF(pad.mapToGlobal(_point(points[-1]))),
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.KeyboardModifier.NoModifier,
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.NoButton,
        )
        QApplication.sendEvent(pad, release)
    (stroke,) = pad.strokes()
    assert [(round(x), round(y)) for x, y, _ in stroke] == points
    assert [round(p, 2) for _, _, p in stroke] == pressures


def test_pen_pressure_changes_the_width_a_little(qtbot: QtBot) -> None:
    device = pen_device()
    line = [(100.0, 100.0), (200.0, 100.0), (300.0, 100.0), (400.0, 100.0)]
    ink: dict[float, int] = {}
    for pressure in (0.05, 1.0):
        pad = SignaturePad()
        qtbot.addWidget(pad)
        pad.resize(640, 240)
        pen_stroke(pad, device, line, pressure)
        assert pad.stroke_count() == 1
        image = QImage.fromData(pad.to_png(width=600))
        ink[pressure] = dark_pixels(image, 0, 0, image.width(), image.height(), below=128)
    assert ink[1.0] > ink[0.05] * 1.3
    assert ink[1.0] < ink[0.05] * 3


def finger_stroke(pad: SignaturePad, finger: QPointingDevice, path: Path) -> None:
    """A finger stroke through the window system, as a touchscreen sends it. (Aimed at the
    window: QTest's widget variant puts the points off by the window frame offscreen.)"""
    window = pad.window().windowHandle()
    assert window is not None

    def at(xy: tuple[float, float]) -> QPoint:
        return pad.mapTo(pad.window(), _point(xy))

    QTest.touchEvent(window, finger).press(0, at(path[0]))
    for xy in path[1:]:
        QTest.touchEvent(window, finger).move(0, at(xy))
    QTest.touchEvent(window, finger).release(0, at(path[-1]))


def test_a_finger_stroke_is_recorded(qtbot: QtBot, pad: SignaturePad) -> None:
    finger = QTest.createTouchDevice()
    path = [(100, 100), (160, 140), (220, 100), (280, 140)]
    with qtbot.waitSignal(pad.changed, timeout=1000):
        finger_stroke(pad, finger, path)
    (stroke,) = pad.strokes()
    assert [(round(x), round(y)) for x, y, _ in stroke] == path
    assert pad.has_valid_signature()


def test_only_the_first_finger_draws_and_a_cancel_drops_the_stroke(pad: SignaturePad) -> None:
    finger = QTest.createTouchDevice()
    window = pad.window().windowHandle()
    assert window is not None

    def at(x: int, y: int) -> QPoint:
        return pad.mapTo(pad.window(), QPoint(x, y))

    QTest.touchEvent(window, finger).press(0, at(50, 50))
    QTest.touchEvent(window, finger).move(0, at(90, 80))
    # a second finger (a palm, say) comes down and moves: it does not draw
    QTest.touchEvent(window, finger).move(0, at(130, 50)).press(1, at(400, 200))
    QTest.touchEvent(window, finger).move(0, at(170, 80)).move(1, at(450, 150))
    QTest.touchEvent(window, finger).release(0, at(170, 80)).move(1, at(500, 150))
    QTest.touchEvent(window, finger).move(1, at(550, 200))
    QTest.touchEvent(window, finger).release(1, at(550, 200))
    (stroke,) = pad.strokes()
    assert [(round(x), round(y)) for x, y, _ in stroke] == [
        (50, 50),
        (90, 80),
        (130, 50),
        (170, 80),
    ]

    # a cancelled touch (the system took the gesture) leaves no ink
    QTest.touchEvent(window, finger).press(0, at(50, 150))
    QTest.touchEvent(window, finger).move(0, at(250, 150))
    QApplication.sendEvent(pad, QTouchEvent(QEvent.Type.TouchCancel, finger))
    QTest.touchEvent(window, finger).release(0, at(300, 150))
    assert pad.stroke_count() == 1


# -- read-only -----------------------------------------------------------------------


def test_read_only_ignores_all_input(qtbot: QtBot, pad: SignaturePad) -> None:
    draw(qtbot, pad, ZIGZAG)
    shown = pad.strokes()
    pad.set_read_only(True)
    assert pad.is_read_only()
    with qtbot.assertNotEmitted(pad.changed):
        draw(qtbot, pad, [(100, 180), (400, 180)])
        pen_stroke(pad, pen_device(), [(100, 190), (400, 190)], 0.7)
        finger_stroke(pad, QTest.createTouchDevice(), [(100, 200), (300, 200)])
    assert pad.strokes() == shown

    pad.set_read_only(False)
    draw(qtbot, pad, [(100, 180), (400, 180)])
    assert pad.stroke_count() == 2


def test_set_strokes_shows_a_captured_signature(qtbot: QtBot, pad: SignaturePad) -> None:
    draw(qtbot, pad, ZIGZAG)
    captured = pad.strokes()
    other = SignaturePad()
    qtbot.addWidget(other)
    other.set_read_only(True)
    with qtbot.waitSignal(other.changed, timeout=1000):
        other.set_strokes(captured)
    assert other.strokes() == captured
    assert other.to_png() == pad.to_png()


# -- the PNG for the report ------------------------------------------------------------


def test_to_png_is_the_ink_on_white(qtbot: QtBot, pad: SignaturePad) -> None:
    top = [(100.0, 60.0), (500.0, 60.0)]
    side = [(500.0, 60.0), (500.0, 180.0)]
    draw(qtbot, pad, top)
    draw(qtbot, pad, side)
    data = pad.to_png()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.format == "PNG"
        image = opened.convert("L")
    assert image.width == 900
    box = png_box(pad.strokes())
    assert image.height == round(box.height() * 900 / box.width())
    scale = image.width / box.width()

    def at(x: float, y: float) -> int:
        value = image.getpixel((int((x - box.left()) * scale), int((y - box.top()) * scale)))
        assert isinstance(value, int)
        return value

    # ink where it was drawn ...
    for x, y in [(100, 60), (300, 60), (500, 60), (500, 120), (500, 180)]:
        assert at(x, y) < 80, (x, y)
    # ... white elsewhere: the corners, and the open side of the "⌝"
    assert image.getpixel((0, 0)) == 255
    assert image.getpixel((image.width - 1, image.height - 1)) == 255
    for x, y in [(150, 150), (300, 120), (450, 170)]:
        assert at(x, y) == 255, (x, y)
    # a margin around the ink, not cut off
    assert min(image.getpixel((x, 0)) for x in range(image.width)) == 255
    assert min(image.getpixel((image.width - 1, y)) for y in range(image.height)) == 255


def test_to_png_is_deterministic_and_scales(qtbot: QtBot, pad: SignaturePad) -> None:
    draw(qtbot, pad, ZIGZAG)
    first = pad.to_png()
    assert pad.to_png() == first

    again = SignaturePad()
    qtbot.addWidget(again)
    again.resize(640, 240)
    again.show()
    qtbot.waitExposed(again)
    draw(qtbot, again, ZIGZAG)
    assert again.to_png() == first

    with Image.open(io.BytesIO(first)) as big, Image.open(io.BytesIO(pad.to_png(300))) as small:
        assert small.width == 300
        assert small.height == pytest.approx(big.height / 3, abs=1)


def test_to_png_of_an_upright_scribble_is_not_a_tower(qtbot: QtBot, pad: SignaturePad) -> None:
    draw(qtbot, pad, [(300, 20), (300, 200)])
    with Image.open(io.BytesIO(pad.to_png())) as image:
        assert image.width == 900
        assert image.height <= 450


def test_to_png_without_ink_raises(pad: SignaturePad) -> None:
    with pytest.raises(ValueError):
        pad.to_png()


# -- how it looks ------------------------------------------------------------------------


def hint_area(pad: SignaturePad) -> tuple[int, int, int, int]:
    """Where "Sign here" is written: the middle, just above the baseline."""
    baseline = int(pad.height() * 0.72)
    middle = pad.width() // 2
    return middle - 90, baseline - 60, middle + 90, baseline - 4


def test_the_hint_goes_once_drawing_starts(qtbot: QtBot, pad: SignaturePad) -> None:
    empty = pad.grab().toImage()
    assert dark_pixels(empty, *hint_area(pad), below=220) > 50
    draw(qtbot, pad, [(40, 220), (200, 225)])  # below the baseline, away from the hint
    drawn = pad.grab().toImage()
    assert dark_pixels(drawn, *hint_area(pad), below=220) == 0
    pad.undo()
    assert dark_pixels(pad.grab().toImage(), *hint_area(pad), below=220) > 50


def test_the_hint_is_translated(pad: SignaturePad) -> None:
    asked: list[tuple[str, str]] = []

    class Recorder(QTranslator):
        def translate(
            self,
            context: str,
            source: str,
            disambiguation: str | None = None,
            n: int = -1,
        ) -> str:
            asked.append((context, source))
            return "签名处" if source == "Sign here" else ""

        def isEmpty(self) -> bool:
            return False

    recorder = Recorder()
    app = QCoreApplication.instance()
    assert app is not None
    app.installTranslator(recorder)
    try:
        pad.grab()
    finally:
        app.removeTranslator(recorder)
    assert ("SignaturePad", "Sign here") in asked


def test_paper_stays_light_in_dark_mode_and_the_border_follows(pad: SignaturePad) -> None:
    dark = QPalette()
    for role, color in [
        (QPalette.ColorRole.Window, QColor(30, 30, 30)),
        (QPalette.ColorRole.Base, QColor(20, 20, 20)),
        (QPalette.ColorRole.WindowText, QColor(230, 230, 230)),
        (QPalette.ColorRole.Text, QColor(230, 230, 230)),
        (QPalette.ColorRole.Mid, QColor(200, 0, 0)),
    ]:
        dark.setColor(role, color)
    pad.setPalette(dark)
    image = pad.grab().toImage()
    assert grey(image, pad.width() // 2, 30) > 240  # the paper
    border = QColor(image.pixel(0, pad.height() // 2))
    assert border.red() > 150
    assert border.green() < 100
    assert dark_pixels(image, *hint_area(pad), below=220) > 50  # the hint still shows


def test_ink_is_scaled_to_fit_when_the_pad_shrinks(qtbot: QtBot, pad: SignaturePad) -> None:
    pad.resize(1000, 300)
    draw(qtbot, pad, [(850, 100), (980, 120), (900, 280)])
    captured = pad.strokes()
    pad.resize(640, 240)
    image = pad.grab().toImage()
    assert pad.strokes() == captured
    # the far end of the stroke (980, 120 on the big pad) is still on screen
    assert dark_pixels(image, 600, 0, 638, 240, below=120) > 0
