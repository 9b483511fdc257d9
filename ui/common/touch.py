"""Finger and glove input for every screen, in one place.

The app's style (``TouchStyle``, installed by ``theme.apply``) is asked to polish every
widget Qt shows, whoever made it; there it:

- gives every scroll area and item view (tabs, lists, dialogs, the report preview)
  kinetic scrolling by finger (``QScroller`` with the touch gesture: on Linux and
  Windows a finger arrives as touch events; a mouse keeps selecting and dragging as on
  a desktop, so a drawn signature or a selected word is never taken for a scroll);
- lets a widget that takes the finger itself (the signature pad, a slider) keep it:
  a scroll never starts on one;
- makes fields that change on the wheel (spin boxes, date edits, combo boxes) take
  focus only from a tap or the keyboard, and pass the wheel on to the page while they
  have no focus, so scrolling over 购机日期 scrolls the page and leaves the date alone;
  a finger put down on one acts only when lifted where it went down (a tap), so a
  scroll that starts on a stepper or a drop-down changes nothing;
- takes text selection by mouse away from labels, and text selection by a finger's
  drag away from text fields: Qt gives the widget under a finger the mouse press and
  moves it makes from the touch, and a drag over one selected text instead of
  scrolling (links stay tappable, a tap still puts the cursor in a field);
- leaves a drag that starts on a scroll area with nothing to scroll (a short text
  box) to the page around it.

A mouse is not made to scroll by dragging (``LeftMouseButtonGesture``): on Linux
(XInput 2) and Windows a touch screen sends touch events, and a mouse drag must keep
drawing the signature and selecting text in fields.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QInputDevice, QMouseEvent, QScrollPrepareEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProxyStyle,
    QScroller,
    QScrollerProperties,
    QTextEdit,
    QWidget,
)

KINETIC = "touch_kinetic"  # dynamic property: the scroll area's viewport is set up
GUARDED = "touch_guarded"  # dynamic property: the field's wheel guard is installed
NO_DRAG = "touch_no_drag"  # dynamic property: a finger's drag does not select its text


def finger_scrolling(area: QAbstractScrollArea) -> None:
    """Kinetic scrolling by finger on ``area`` (once; further calls do nothing)."""
    viewport = area.viewport()
    if viewport is None or viewport.property(KINETIC):
        return
    viewport.setProperty(KINETIC, True)
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.TouchGesture)
    scroller = QScroller.scroller(viewport)
    properties = scroller.scrollerProperties()
    # A tap reaches the button at once (no press delay), a page stops at its ends
    # without a rubber band, and a flick does not fly off for pages.
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.MousePressEventDelay, 0.0)
    off = QScrollerProperties.OvershootPolicy.OvershootAlwaysOff
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.HorizontalOvershootPolicy, off)
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.VerticalOvershootPolicy, off)
    properties.setScrollMetric(QScrollerProperties.ScrollMetric.DecelerationFactor, 0.3)
    scroller.setScrollerProperties(properties)
    viewport.installEventFilter(GUARD)
    if isinstance(area, QAbstractItemView):
        # Pixels, not whole rows: a finger moves a list smoothly.
        area.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        area.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)


def wheel_guard(field: QWidget) -> None:
    """``field`` takes focus from a tap or Tab only, and lets the wheel scroll the page
    while it has no focus."""
    if field.property(GUARDED):
        return
    field.setProperty(GUARDED, True)
    field.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    field.installEventFilter(GUARD)


def owns_the_finger(widget: QWidget | None, viewport: QWidget) -> bool:
    """Whether a drag that starts on ``widget`` is its own (drawing, sliding), not a
    scroll of the page around it."""
    while widget is not None and widget is not viewport:
        if isinstance(widget, QAbstractSlider):
            return True
        if (
            widget.testAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
            and not widget.property(KINETIC)  # a scroll area's viewport: its scroller's
            and not isinstance(widget, QAbstractScrollArea)
        ):
            return True
        widget = widget.parentWidget()
    return False


def can_scroll(area: QAbstractScrollArea) -> bool:
    """Whether ``area`` has anything to scroll (a short text box has not: a drag on it
    is the page's)."""
    return area.verticalScrollBar().maximum() > 0 or area.horizontalScrollBar().maximum() > 0


def from_finger(event: QMouseEvent) -> bool:
    """Whether a mouse event is one Qt made from a finger on the screen."""
    return event.source() != Qt.MouseEventSource.MouseEventNotSynthesized or (
        event.pointingDevice() is not None
        and event.pointingDevice().type() == QInputDevice.DeviceType.TouchScreen
    )


class Guard(QObject):
    """The event filter installed on the widgets that ``TouchStyle`` polishes.

    A finger put down on a field (a spin box's stepper, a combo box, a date's
    calendar button) does nothing until it is lifted where it was put down: a drag
    that starts there scrolls the page and leaves the field as it was; a tap presses
    it as before."""

    def __init__(self) -> None:
        super().__init__()
        self._held: tuple[QWidget, QMouseEvent] | None = None
        self._replaying = False

    def _finger_on_field(self, field: QWidget, event: QMouseEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self._held = (field, QMouseEvent(event))  # a copy: Qt reuses the event
            return True
        if self._held is None or self._held[0] is not field:
            return kind in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonDblClick)
        held = self._held[1]
        moved = (event.globalPosition() - held.globalPosition()).manhattanLength()
        if moved > QApplication.startDragDistance():
            self._held = None  # a scroll, not a tap
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            self._held = None
            self._replaying = True
            try:
                QApplication.sendEvent(field, held)
            finally:
                self._replaying = False
            return False  # the release follows the press it was waiting for
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if (
            kind in _MOUSE
            and not self._replaying
            and isinstance(event, QMouseEvent)
            and isinstance(watched, QWidget)
            and watched.property(GUARDED)
            and from_finger(event)
        ):
            return self._finger_on_field(watched, event)
        if (
            kind == QEvent.Type.MouseMove
            and isinstance(event, QMouseEvent)
            and isinstance(watched, QWidget)
            and watched.property(NO_DRAG)
            and from_finger(event)
        ):
            return True  # the scroller has the drag
        if kind == QEvent.Type.Wheel:
            if (
                isinstance(watched, QWidget)
                and watched.property(GUARDED)
                and not watched.hasFocus()
            ):
                # Not ours to change: the parents (the scroll area) get the wheel.
                event.ignore()
                return True
            return False
        if kind == QEvent.Type.ScrollPrepare and isinstance(watched, QWidget):
            assert isinstance(event, QScrollPrepareEvent)
            start = event.startPos().toPoint()
            area = watched.parentWidget()
            if owns_the_finger(watched.childAt(start), watched) or (
                isinstance(area, QAbstractScrollArea) and not can_scroll(area)
            ):
                # The finger's, or nothing to scroll here: the page around scrolls.
                event.ignore()
                return True
            return False
        return False


_MOUSE = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
}
GUARD = Guard()


class TouchStyle(QProxyStyle):
    """Fusion, with every widget prepared for a finger as it is polished."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def polish(self, arg: object) -> object:  # type: ignore[override]
        result = super().polish(arg)  # type: ignore[call-overload]
        if isinstance(arg, QWidget):
            prepare(arg)
        return result


def no_finger_drag(widget: QWidget) -> None:
    """A finger dragging over ``widget`` (a text field) moves the page, never selects
    text; a tap still puts the cursor there."""
    if widget.property(NO_DRAG):
        return
    widget.setProperty(NO_DRAG, True)
    widget.installEventFilter(GUARD)


def prepare(widget: QWidget) -> None:
    if isinstance(widget, QAbstractScrollArea):
        finger_scrolling(widget)
        if isinstance(widget, (QTextEdit, QPlainTextEdit)) and widget.viewport() is not None:
            no_finger_drag(widget.viewport())
    if isinstance(widget, QLineEdit):
        no_finger_drag(widget)
    if isinstance(widget, (QAbstractSpinBox, QComboBox)):
        wheel_guard(widget)
    elif isinstance(widget, QLabel):
        flags = widget.textInteractionFlags()
        if flags & Qt.TextInteractionFlag.TextSelectableByMouse:
            # A finger dragging over it would select text instead of scrolling.
            widget.setTextInteractionFlags(flags & ~Qt.TextInteractionFlag.TextSelectableByMouse)
