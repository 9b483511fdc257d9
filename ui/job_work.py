"""Work recorded on site: pre-inspection findings, faults, time and photos. Each entry
is saved the moment it is added, and can be taken back until the customer signs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Attachment, Fault, PreInspectionFinding, TimeEntry
from fieldapp.models.enums import Assembly, RepairLocation, TimeKind
from fieldapp.photos import Photo, PhotoError, prepare_photo_file, thumbnail
from fieldapp.views import JobView, Work
from fieldapp.work import add_finding, add_photo, add_time, remove_entry, save_fault
from ui.labels import label
from ui.widgets import (
    IMAGE_FILTER,
    Card,
    ErrorLabel,
    button,
    clear_layout,
    local_time,
    minutes_text,
    styled_label,
)

if TYPE_CHECKING:
    from ui.jobpage import JobPage

log = logging.getLogger(__name__)
SHA_ROLE = Qt.ItemDataRole.UserRole + 1


class EntryList(QWidget):
    """Saved entries, one per line, each with its own buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)

    def clear(self) -> None:
        clear_layout(self.body)

    def add(self, html: str, actions: list[tuple[str, Callable[[], None]]]) -> None:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 4, 0, 4)
        text = styled_label(html)
        text.setTextFormat(Qt.TextFormat.RichText)
        line.addWidget(text, 1)
        for title, act in actions:
            widget = button(title)
            widget.clicked.connect(lambda _c=False, a=act: a())
            line.addWidget(widget)
        self.body.addWidget(row)

    def empty(self, text: str) -> None:
        self.body.addWidget(styled_label(text, "muted"))


class _WorkTab(QWidget):
    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        self.layout_ = QVBoxLayout(self)
        self.editable = False

    def add_list_card(self, title: str) -> Card:
        """The card listing the saved entries, under the form."""
        self.list_card = Card(title)
        self.entries = EntryList()
        self.list_card.body.addWidget(self.entries)
        self.layout_.addWidget(self.list_card)
        self.layout_.addStretch(1)
        return self.list_card

    def remove(self, model: type[Any], row_id: str, error: ErrorLabel) -> None:
        message = self.page.write(lambda s, job, user: remove_entry(s, job, model, row_id, user))
        if message:
            error.show_message(message)


class FindingsTab(_WorkTab):
    """预检单: problems found on arrival; what the customer declines is kept as a
    reminder for the next visit, with the danger explained."""

    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        self.form_card = Card(self.tr("Found on arrival"))
        form = QFormLayout()
        self.component = QLineEdit()
        self.component.setPlaceholderText(self.tr("e.g. bucket teeth, track chain"))
        form.addRow(self.tr("Part"), self.component)
        self.description = QLineEdit()
        form.addRow(self.tr("What is wrong"), self.description)
        self.fix_now = QCheckBox(self.tr("The customer wants it fixed now"))
        self.fix_now.setChecked(True)
        form.addRow("", self.fix_now)
        self.danger = QLineEdit()
        self.danger.setPlaceholderText(self.tr("What may happen if it is not fixed"))
        form.addRow(self.tr("Risk if not fixed"), self.danger)
        self.remaining = QLineEdit()
        form.addRow(self.tr("Remaining life"), self.remaining)
        self.remind = QDateEdit()
        self.remind.setCalendarPopup(True)
        self.remind.setDisplayFormat("yyyy-MM-dd")
        self.remind.setDate(QDate.currentDate().addMonths(1))
        form.addRow(self.tr("Remind on"), self.remind)
        self.form_card.body.addLayout(form)
        self.error = ErrorLabel()
        self.form_card.body.addWidget(self.error)
        add = button(self.tr("Add finding"), primary=True)
        add.clicked.connect(self._add)
        self.form_card.body.addWidget(add, 0, Qt.AlignmentFlag.AlignRight)
        self.layout_.addWidget(self.form_card)
        self.add_list_card(self.tr("Findings"))

    def show_job(self, view: JobView, work: Work) -> None:
        self.editable = view.can_record_work
        self.form_card.setVisible(self.editable)
        self.entries.clear()
        for f in work.findings:
            state = self.tr("fix now") if f.fix_now else self.tr("declined: reminder set")
            html = f"<b>{f.component}</b>: {f.description} · {state}"
            if f.danger_if_not:
                html += "<br>" + self.tr("Risk: %1").replace("%1", f.danger_if_not)
            actions = [
                (self.tr("Remove"), lambda i=f.id: self.remove(PreInspectionFinding, i, self.error))
            ]
            self.entries.add(html, actions if self.editable else [])
        if not work.findings:
            self.entries.empty(self.tr("Nothing recorded."))

    def _add(self) -> None:
        fields = {
            "component": self.component.text(),
            "description": self.description.text(),
            "fix_now": self.fix_now.isChecked(),
            "danger_if_not": self.danger.text(),
            "remaining_life": self.remaining.text(),
            "remind_on": self.remind.date().toPython(),
        }
        error = self.page.write(lambda s, job, _u: add_finding(s, job, **fields))
        if error:
            self.error.show_message(error)
            return
        self.error.clear_message()
        for editor in (self.component, self.description, self.danger, self.remaining):
            editor.clear()
        self.fix_now.setChecked(True)


class FaultsTab(_WorkTab):
    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        self.editing: str | None = None
        self.form_card = Card(self.tr("Record a fault"))
        form = QFormLayout()
        self.assembly = QComboBox()
        self.assembly.setObjectName("assembly")
        for value in Assembly:
            self.assembly.addItem(label("assembly", value), value.value)
        form.addRow(self.tr("Assembly"), self.assembly)
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("Fault code on the display, if any"))
        form.addRow(self.tr("Fault code"), self.code)
        self.symptom = QLineEdit()
        self.symptom.setObjectName("symptom")
        form.addRow(self.tr("Symptom") + " *", self.symptom)
        self.symptom_error = ErrorLabel()
        form.addRow("", self.symptom_error)
        self.cause = QLineEdit()
        self.cause.setObjectName("cause")
        form.addRow(self.tr("Cause"), self.cause)
        self.action = QLineEdit()
        self.action.setObjectName("action")
        form.addRow(self.tr("Action taken"), self.action)
        self.location = QComboBox()
        for value in RepairLocation:
            self.location.addItem(label("repair_location", value), value.value)
        form.addRow(self.tr("Where"), self.location)
        checks = QHBoxLayout()
        self.fixed = QCheckBox(self.tr("Fixed"))
        self.fixed.setObjectName("fixed")
        self.loaner = QCheckBox(self.tr("Loaner machine provided"))
        self.misuse = QCheckBox(self.tr("Caused by misuse (not covered)"))
        for box in (self.fixed, self.loaner, self.misuse):
            checks.addWidget(box)
        checks.addStretch(1)
        form.addRow("", checks)
        self.form_card.body.addLayout(form)
        self.error = ErrorLabel()
        self.form_card.body.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel = button(self.tr("Cancel editing"))
        self.cancel.clicked.connect(self._reset)
        buttons.addWidget(self.cancel)
        self.save = button(self.tr("Save fault"), primary=True)
        self.save.setObjectName("save_fault")
        self.save.clicked.connect(self._save)
        buttons.addWidget(self.save)
        self.form_card.body.addLayout(buttons)
        self.layout_.addWidget(self.form_card)
        self.add_list_card(self.tr("Faults on this job"))
        self.faults: dict[str, Fault] = {}
        self._reset()

    def show_job(self, view: JobView, work: Work) -> None:
        self.editable = view.can_record_work
        self.form_card.setVisible(self.editable)
        self.entries.clear()
        self.faults = {f.id: f for f in work.faults}
        for f in work.faults:
            state = self.tr("fixed") if f.fixed else self.tr("NOT fixed")
            html = (
                f"<b>{label('assembly', f.assembly)}</b> {f.fault_code} · {f.symptom}<br>"
                + self.tr("Cause: %1").replace("%1", f.cause or "—")
                + " · "
                + self.tr("Action: %1").replace("%1", f.action or "—")
                + f" · {label('repair_location', f.repair_location)} · <b>{state}</b>"
            )
            actions = [
                (self.tr("Edit"), lambda i=f.id: self._edit(i)),
                (self.tr("Remove"), lambda i=f.id: self.remove(Fault, i, self.error)),
            ]
            self.entries.add(html, actions if self.editable else [])
        if not work.faults:
            self.entries.empty(self.tr("No fault recorded."))

    def _edit(self, fault_id: str) -> None:
        fault = self.faults[fault_id]
        self.editing = fault_id
        self.assembly.setCurrentIndex(self.assembly.findData(fault.assembly))
        self.code.setText(fault.fault_code)
        self.symptom.setText(fault.symptom)
        self.cause.setText(fault.cause)
        self.action.setText(fault.action)
        self.location.setCurrentIndex(self.location.findData(fault.repair_location))
        self.fixed.setChecked(fault.fixed)
        self.loaner.setChecked(fault.loaner_provided)
        self.misuse.setChecked(fault.misuse)
        self.cancel.show()
        self.save.setText(self.tr("Save changes"))

    def _reset(self) -> None:
        self.editing = None
        for editor in (self.code, self.symptom, self.cause, self.action):
            editor.clear()
        for box in (self.fixed, self.loaner, self.misuse):
            box.setChecked(False)
        self.assembly.setCurrentIndex(0)
        self.location.setCurrentIndex(0)
        self.cancel.hide()
        self.save.setText(self.tr("Save fault"))
        self.symptom_error.clear_message()
        self.error.clear_message()

    def _save(self) -> None:
        if not self.symptom.text().strip():
            self.symptom_error.show_message(label("error", "symptom_required"))
            return
        fields = {
            "assembly": self.assembly.currentData(),
            "fault_code": self.code.text().strip(),
            "symptom": self.symptom.text().strip(),
            "cause": self.cause.text().strip(),
            "action": self.action.text().strip(),
            "repair_location": self.location.currentData(),
            "fixed": self.fixed.isChecked(),
            "loaner_provided": self.loaner.isChecked(),
            "misuse": self.misuse.isChecked(),
        }
        editing = self.editing
        error = self.page.write(lambda s, job, _u: save_fault(s, job, fields, editing))
        if error:
            self.error.show_message(error)
        else:
            self._reset()


class TimeTab(_WorkTab):
    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        self.form_card = Card(self.tr("Add time"))
        row = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("time_kind")
        for value in TimeKind:
            self.kind.addItem(label("time_kind", value), value.value)
        row.addWidget(self.kind)
        self.minutes = QSpinBox()
        self.minutes.setObjectName("minutes")
        self.minutes.setRange(0, 24 * 60)
        self.minutes.setSingleStep(15)
        self.minutes.setSuffix(" " + self.tr("min"))
        self.minutes.setMinimumWidth(150)
        row.addWidget(self.minutes)
        for step in (15, 30, 60):
            quick = button(f"+{step}")
            quick.clicked.connect(
                lambda _c=False, m=step: self.minutes.setValue(self.minutes.value() + m)
            )
            row.addWidget(quick)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Note"))
        row.addWidget(self.note, 1)
        add = button(self.tr("Add"), primary=True)
        add.setObjectName("add_time")
        add.clicked.connect(self._add)
        row.addWidget(add)
        self.form_card.body.addLayout(row)
        self.error = ErrorLabel()
        self.form_card.body.addWidget(self.error)
        self.layout_.addWidget(self.form_card)
        card = self.add_list_card(self.tr("Time on this job"))
        self.summary = styled_label("", "total")
        card.body.insertWidget(1, self.summary)

    def show_job(self, view: JobView, work: Work) -> None:
        self.editable = view.can_record_work
        self.form_card.setVisible(self.editable)
        self.summary.setText(
            self.tr("Labour %1 · travel %2")
            .replace("%1", minutes_text(work.labour_minutes))
            .replace("%2", minutes_text(work.travel_minutes))
        )
        self.entries.clear()
        for t in work.times:
            free = self.tr("warranty: not charged") if t.warranty and t.kind == "labour" else ""
            html = f"<b>{label('time_kind', t.kind)}</b> {minutes_text(t.minutes)} {free} {t.note}"
            actions = [(self.tr("Remove"), lambda i=t.id: self.remove(TimeEntry, i, self.error))]
            self.entries.add(html, actions if self.editable else [])
        if not work.times:
            self.entries.empty(self.tr("No time recorded."))

    def _add(self) -> None:
        kind, minutes, note = self.kind.currentData(), self.minutes.value(), self.note.text()
        now = self.page.ctx.now()
        error = self.page.write(
            lambda s, job, user: add_time(
                s, job, user, kind, minutes, note=note, started_at=now - timedelta(minutes=minutes)
            )
        )
        if error:
            self.error.show_message(error)
        else:
            self.error.clear_message()
            self.minutes.setValue(0)
            self.note.clear()


class PhotosTab(_WorkTab):
    """Photos from files (or a camera that saves files), turned upright, downscaled
    and thumbnailed in the back."""

    THUMB = 160

    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        bar = QHBoxLayout()
        self.add_button = button(self.tr("Add photos…"), primary=True)
        self.add_button.clicked.connect(self._pick)
        bar.addWidget(self.add_button)
        self.caption = QLineEdit()
        self.caption.setPlaceholderText(self.tr("Caption for the next photos (optional)"))
        bar.addWidget(self.caption, 1)
        self.remove_button = button(self.tr("Remove selected"), danger=True)
        self.remove_button.clicked.connect(self._remove_selected)
        bar.addWidget(self.remove_button)
        self.layout_.addLayout(bar)
        self.status = ErrorLabel()
        self.layout_.addWidget(self.status)
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(self.THUMB, self.THUMB))
        self.grid.setGridSize(QSize(self.THUMB + 24, self.THUMB + 48))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setMinimumHeight(420)
        self.layout_.addWidget(self.grid, 1)
        self.pending = 0

    scrolls = False

    def show_job(self, view: JobView, work: Work) -> None:
        self.editable = view.can_record_work
        self.add_button.setEnabled(self.editable)
        self.remove_button.setEnabled(self.editable)
        self.grid.clear()
        blobs = self.page.ctx.blobs
        wanted: list[str] = []
        for photo in work.photos:
            item = QListWidgetItem(photo.caption or local_time(photo.taken_at))
            item.setData(Qt.ItemDataRole.UserRole, photo.id)
            item.setData(SHA_ROLE, photo.sha256)
            self.grid.addItem(item)
            wanted.append(photo.sha256)

        def make_thumbs() -> dict[str, bytes]:
            thumbs = {}
            for sha in wanted:
                if blobs.has(sha):
                    try:
                        thumbs[sha] = thumbnail(blobs.get(sha), self.THUMB)
                    except PhotoError:
                        log.warning("Photo %s cannot be read for its thumbnail", sha)
            return thumbs

        def show_thumbs(thumbs: dict[str, bytes]) -> None:
            # The grid may have been refilled meanwhile: match by hash, not by item.
            for row in range(self.grid.count()):
                item = self.grid.item(row)
                data = thumbs.get(item.data(SHA_ROLE))
                if data is not None:
                    item.setIcon(QIcon(QPixmap.fromImage(QImage.fromData(data))))

        if wanted:
            self.page.ctx.task_manager.run(make_thumbs, on_done=show_thumbs, owner=self)

    def _pick(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Choose photos"), "", IMAGE_FILTER)
        for path in paths:
            self.add_file(path)

    def add_file(self, path: str) -> None:
        caption = self.caption.text()
        self.pending += 1
        self.status.show_message(self.tr("Processing %n photo(s)…", "", self.pending), "muted")

        def store(photo: Photo) -> None:
            self.pending -= 1
            blobs = self.page.ctx.blobs
            error = self.page.write(
                lambda s, job, _u: add_photo(s, blobs, job, photo, caption=caption)
            )
            if error:
                self.status.show_message(error)
            elif not self.pending:
                self.status.clear_message()

        def failed(_error: BaseException) -> None:
            self.pending -= 1
            self.status.show_message(self.tr("This file is not a picture the app can read."))

        self.page.ctx.task_manager.run(
            prepare_photo_file, path, on_done=store, on_error=failed, owner=self
        )

    def _remove_selected(self) -> None:
        for item in self.grid.selectedItems():
            self.remove(Attachment, item.data(Qt.ItemDataRole.UserRole), self.status)
