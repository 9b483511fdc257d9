"""Work recorded on site: pre-inspection findings, faults, time (with the travel the
departure register shows and a labour timer) and photos (picked by a tap from the
camera folder). Each entry is saved the moment it is added, and can be taken back until
the customer signs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Attachment, Fault, PreInspectionFinding, TimeEntry
from fieldapp.models.enums import RepairLocation, TimeKind
from fieldapp.models.local import LocalSetting
from fieldapp.photos import Photo, PhotoError, prepare_photo_file, thumbnail
from fieldapp.rules.assemblies import assemblies_for
from fieldapp.services.work import (
    TravelOffer,
    add_finding,
    add_photo,
    add_time,
    record_travel_from_register,
    remove_entry,
    save_fault,
    travel_from_register,
)
from fieldapp.timer import LabourTimer, timer_key
from fieldapp.views import JobView, Work
from ui.common import theme
from ui.common.camera_roll import CameraRoll
from ui.common.labels import label
from ui.common.widgets import (
    Card,
    ErrorLabel,
    button,
    clear_layout,
    local_time,
    minutes_text,
    styled_label,
)

if TYPE_CHECKING:
    from ui.engineer.jobpage import JobPage

log = logging.getLogger(__name__)
SHA_ROLE = Qt.ItemDataRole.UserRole + 1


def empty_state(text: str) -> QWidget:
    """What an empty list says: a centred message that names the action to take, in the
    space the list would fill (not a small line under an empty box)."""
    message = styled_label(text, "muted")
    message.setObjectName("empty_state")
    message.setAlignment(Qt.AlignmentFlag.AlignCenter)
    message.setMinimumHeight(120)
    message.setContentsMargins(24, 24, 24, 24)
    return message


def choice_buttons(
    owner: QWidget, choices: list[tuple[str, str]], on_choice: Callable[[str], None]
) -> tuple[QButtonGroup, dict[str, QPushButton]]:
    """Big exclusive answer buttons (a glove hits them; a check box is too small)."""
    group = QButtonGroup(owner)
    buttons: dict[str, QPushButton] = {}
    for code, text in choices:
        choice = QPushButton(text)
        choice.setCheckable(True)
        choice.setObjectName(f"choice_{code}")
        choice.setMinimumSize(140, theme.TOUCH + 8)
        choice.clicked.connect(lambda _c=False, v=code: on_choice(v))
        group.addButton(choice)
        buttons[code] = choice
    return group, buttons


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
        self.body.addWidget(empty_state(text))


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
    """预检单: problems found on arrival. Fixing it now is the default; only when the
    customer declines are the danger (explained to them) and the reminder date asked
    for, and then they are required: the reminder is for the next visit."""

    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        self.form_card = Card(self.tr("Found on arrival"))
        self.form = QFormLayout()
        self.component = QLineEdit()
        self.component.setObjectName("finding_component")
        self.component.setPlaceholderText(self.tr("e.g. bucket teeth, track chain"))
        self.form.addRow(self.tr("Part"), self.component)
        self.description = QLineEdit()
        self.description.setObjectName("finding_description")
        self.form.addRow(self.tr("What is wrong"), self.description)
        decision = QHBoxLayout()
        self.decision, self.decisions = choice_buttons(
            self,
            [
                ("fix_now", self.tr("Fix it now")),
                ("declined", self.tr("The customer declines")),
            ],
            self._decided,
        )
        for choice in self.decisions.values():
            decision.addWidget(choice)
        decision.addStretch(1)
        self.form.addRow(self.tr("Repair"), decision)
        self.danger = QLineEdit()
        self.danger.setObjectName("finding_danger")
        self.danger.setPlaceholderText(self.tr("What may happen if it is not fixed"))
        self.form.addRow(self.tr("Risk if not fixed") + " *", self.danger)
        self.danger_error = ErrorLabel()
        self.danger_error.setObjectName("danger_error")
        self.form.addRow("", self.danger_error)
        self.remaining = QLineEdit()
        self.form.addRow(self.tr("Remaining life"), self.remaining)
        self.remind = QDateEdit()
        self.remind.setObjectName("finding_remind")
        self.remind.setCalendarPopup(True)
        self.remind.setDisplayFormat("yyyy-MM-dd")
        self.form.addRow(self.tr("Remind on") + " *", self.remind)
        self.remind_error = ErrorLabel()
        self.form.addRow("", self.remind_error)
        self.declined_rows: list[QWidget] = [self.danger, self.remaining, self.remind]
        self.form_card.body.addLayout(self.form)
        self.error = ErrorLabel()
        self.form_card.body.addWidget(self.error)
        add = button(self.tr("Add finding"), primary=True)
        add.setObjectName("add_finding")
        add.clicked.connect(self._add)
        self.form_card.body.addWidget(add, 0, Qt.AlignmentFlag.AlignRight)
        self.layout_.addWidget(self.form_card)
        self.add_list_card(self.tr("Findings"))
        self.job_id = ""
        self._clear_form()

    @property
    def fix_now(self) -> bool:
        return self.decisions["fix_now"].isChecked()

    def _decided(self, code: str) -> None:
        declined = code == "declined"
        for widget in self.declined_rows:
            self.form.setRowVisible(widget, declined)
        self.danger_error.clear_message()
        self.remind_error.clear_message()

    def _clear_form(self) -> None:
        for editor in (self.component, self.description, self.danger, self.remaining):
            editor.clear()
        self.remind.setDate(QDate.currentDate().addMonths(1))
        self.decisions["fix_now"].setChecked(True)
        self._decided("fix_now")

    def show_job(self, view: JobView, work: Work) -> None:
        self.editable = view.can_record_work
        self.form_card.setVisible(self.editable)
        if view.job.id != self.job_id:  # another job: an empty form
            self.job_id = view.job.id
            self._clear_form()
        self.entries.clear()
        for f in work.findings:
            state = self.tr("fix now") if f.fix_now else self.tr("declined: reminder set")
            html = f"<b>{label('assembly', f.component)}</b>: {f.description} · {state}"
            if f.danger_if_not:
                html += "<br>" + self.tr("Risk: %1").replace("%1", f.danger_if_not)
            if f.remind_on:
                html += " · " + self.tr("remind on %1").replace("%1", f.remind_on.isoformat())
            actions = [
                (self.tr("Remove"), lambda i=f.id: self.remove(PreInspectionFinding, i, self.error))
            ]
            self.entries.add(html, actions if self.editable else [])
        if not work.findings:
            self.entries.empty(
                self.tr(
                    "Nothing found on arrival yet.\nWalk round the machine and add what"
                    " you find above: the customer sees it before the work starts."
                )
                if self.editable
                else self.tr("Nothing was found on arrival.")
            )

    def _add(self) -> None:
        fix_now = self.fix_now
        if not fix_now:
            missing = False
            if not self.danger.text().strip():
                self.danger_error.show_message(
                    self.tr("Say what may happen if it is not fixed: the customer is told.")
                )
                missing = True
            if self.remind.date() <= QDate.currentDate():
                self.remind_error.show_message(self.tr("Choose a reminder date after today."))
                missing = True
            if missing:
                return
        fields = {
            "component": self.component.text(),
            "description": self.description.text(),
            "fix_now": fix_now,
            "danger_if_not": "" if fix_now else self.danger.text(),
            "remaining_life": "" if fix_now else self.remaining.text(),
            "remind_on": None if fix_now else self.remind.date().toPython(),
        }
        error = self.page.write(lambda s, job, _u: add_finding(s, job, **fields))
        if error:
            self.error.show_message(error)
            return
        self.error.clear_message()
        self._clear_form()


class FaultsTab(_WorkTab):
    """Faults: the assemblies of the machine's product family only, none chosen until
    the engineer picks one; the first fault starts from the symptom the customer
    reported."""

    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        self.editing: str | None = None
        self.family: str | None = "?"  # not yet known: the list is filled by show_job
        self.reported_symptom = ""
        self.has_faults = False
        self.job_id = ""
        self.form_card = Card(self.tr("Record a fault"))
        form = QFormLayout()
        self.assembly = QComboBox()
        self.assembly.setObjectName("assembly")
        self.assembly.setMinimumWidth(320)
        self.assembly.activated.connect(lambda _i: self.assembly_error.clear_message())
        form.addRow(self.tr("Assembly") + " *", self.assembly)
        self.assembly_error = ErrorLabel()
        self.assembly_error.setObjectName("assembly_error")
        form.addRow("", self.assembly_error)
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
        self._fill_assemblies(None)
        self._reset()

    def _fill_assemblies(self, family: str | None) -> None:
        if family == self.family:
            return
        self.family = family
        current = self.assembly.currentData()
        self.assembly.clear()
        self.assembly.addItem(self.tr("— choose the assembly —"), None)
        for value in assemblies_for(family):
            self.assembly.addItem(label("assembly", value), value.value)
        self.assembly.setCurrentIndex(max(0, self.assembly.findData(current)))

    def show_job(self, view: JobView, work: Work) -> None:
        self.editable = view.can_record_work
        self.form_card.setVisible(self.editable)
        model = view.machine.model if view.machine else None
        self._fill_assemblies(model.family if model else None)
        self.reported_symptom = view.job.reported_symptom or ""
        self.has_faults = bool(work.faults)
        if view.job.id != self.job_id:  # another job: its own form, its own symptom
            self.job_id = view.job.id
            self._reset()
        elif self.editing is None and not self.has_faults and not self.symptom.text():
            self.symptom.setText(self.reported_symptom)
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
            self.entries.empty(
                self.tr(
                    "No fault recorded yet.\nPick the assembly above, describe the cause"
                    " and what you did, and tap Save fault."
                )
                if self.editable
                else self.tr("No fault was recorded.")
            )

    def _edit(self, fault_id: str) -> None:
        fault = self.faults[fault_id]
        self.editing = fault_id
        if self.assembly.findData(fault.assembly) < 0:  # recorded before the family rule
            self.assembly.addItem(label("assembly", fault.assembly), fault.assembly)
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
        if not self.has_faults:
            self.symptom.setText(self.reported_symptom)
        for box in (self.fixed, self.loaner, self.misuse):
            box.setChecked(False)
        self.assembly.setCurrentIndex(0)
        self.location.setCurrentIndex(0)
        self.cancel.hide()
        self.save.setText(self.tr("Save fault"))
        self.symptom_error.clear_message()
        self.assembly_error.clear_message()
        self.error.clear_message()

    def _save(self) -> None:
        refused = False
        if not self.assembly.currentData():
            self.assembly_error.show_message(self.tr("Choose the assembly the fault is in."))
            refused = True
        if not self.symptom.text().strip():
            self.symptom_error.show_message(label("error", "symptom_required"))
            refused = True
        if refused:
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
            self.has_faults = True
            self._reset()


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


class TimeTab(_WorkTab):
    """Labour, travel and waiting time: the travel the departure register shows is
    offered with one tap, and a labour timer (start / pause / stop) that survives a
    restart of the app writes the labour entry when stopped."""

    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        self.offer: TravelOffer | None = None
        self.timer_state: LabourTimer | None = None

        self.travel_card = Card(self.tr("Travel from the departure register"))
        travel_row = QHBoxLayout()
        self.travel_text = styled_label("")
        self.travel_text.setObjectName("travel_text")
        travel_row.addWidget(self.travel_text, 1)
        self.travel_button = button("", primary=True)
        self.travel_button.setObjectName("record_travel")
        self.travel_button.clicked.connect(self._record_travel)
        travel_row.addWidget(self.travel_button)
        self.travel_card.body.addLayout(travel_row)
        self.layout_.addWidget(self.travel_card)

        self.timer_card = Card(self.tr("Labour timer"))
        timer_row = QHBoxLayout()
        self.elapsed = styled_label(clock_text(0), "title")
        self.elapsed.setObjectName("timer_elapsed")
        self.elapsed.setMinimumWidth(160)
        timer_row.addWidget(self.elapsed)
        self.timer_state_text = styled_label("", "muted")
        timer_row.addWidget(self.timer_state_text, 1)
        self.start_button = button(self.tr("Start"), primary=True)
        self.start_button.setObjectName("timer_start")
        self.start_button.clicked.connect(self._start)
        timer_row.addWidget(self.start_button)
        self.pause_button = button(self.tr("Pause"))
        self.pause_button.setObjectName("timer_pause")
        self.pause_button.clicked.connect(self._pause)
        timer_row.addWidget(self.pause_button)
        self.stop_button = button(self.tr("Stop and record"))
        self.stop_button.setObjectName("timer_stop")
        self.stop_button.clicked.connect(self._stop)
        timer_row.addWidget(self.stop_button)
        self.timer_card.body.addLayout(timer_row)
        self.timer_error = ErrorLabel()
        self.timer_card.body.addWidget(self.timer_error)
        self.layout_.addWidget(self.timer_card)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._show_timer)

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

    # --- what is shown ------------------------------------------------------------------

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
            self.entries.empty(
                self.tr(
                    "No time recorded yet.\nStart the labour timer when the work begins,"
                    " or add the minutes above."
                )
                if self.editable
                else self.tr("No time was recorded.")
            )
        self.offer = None
        if self.editable:
            with self.page.ctx.store.reader() as session:
                self.offer = travel_from_register(session, view.job)
        self.travel_card.setVisible(self.offer is not None)
        if self.offer is not None:
            self.travel_text.setText(
                self.tr("Departed %1, arrived %2: %3 on the road.")
                .replace("%1", local_time(self.offer.departed_at))
                .replace("%2", local_time(self.offer.arrived_at))
                .replace("%3", minutes_text(self.offer.minutes))
            )
            self.travel_button.setText(
                self.tr("Record %1 travel").replace("%1", minutes_text(self.offer.minutes))
            )
        self.timer_card.setVisible(self.editable)
        self.timer_state = LabourTimer.from_json(
            self.page.ctx.store.get_setting(timer_key(view.job.id))
        )
        self._show_timer()

    def _show_timer(self) -> None:
        state = self.timer_state
        now = self.page.ctx.now()
        self.elapsed.setText(clock_text(state.elapsed_seconds(now) if state else 0))
        running = state is not None and state.running
        self.start_button.setText(
            self.tr("Resume") if state is not None and not running else self.tr("Start")
        )
        # Start / Resume and Pause share one place: the next tap is always there.
        self.start_button.setVisible(not running)
        self.pause_button.setVisible(running)
        self.stop_button.setEnabled(state is not None)
        if state is None:
            self.timer_state_text.setText(self.tr("Start it when the work begins."))
        elif running:
            self.timer_state_text.setText(
                self.tr("Running since %1").replace("%1", local_time(state.first_started))
            )
        else:
            self.timer_state_text.setText(self.tr("Paused"))
        if running and self.isVisible():
            self.ticker.start()
        else:
            self.ticker.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._show_timer()

    # --- travel -------------------------------------------------------------------------

    def _record_travel(self) -> None:
        error = self.page.write(lambda s, job, user: record_travel_from_register(s, job, user))
        if error:
            self.error.show_message(error)

    # --- the labour timer ---------------------------------------------------------------

    def _save_timer(self, state: LabourTimer | None) -> None:
        """Saved at once: a restart of the app (or a flat battery) keeps the timer."""
        self.page.ctx.store.set_setting(
            timer_key(self.page.job_id), state.to_json() if state else ""
        )
        self.timer_state = state
        self.timer_error.clear_message()
        self._show_timer()

    def _start(self) -> None:
        now = self.page.ctx.now()
        state = self.timer_state
        self._save_timer(state.resume(now) if state else LabourTimer.started(now))

    def _pause(self) -> None:
        if self.timer_state is not None:
            self._save_timer(self.timer_state.pause(self.page.ctx.now()))

    def _stop(self) -> None:
        state = self.timer_state
        if state is None:
            return
        minutes = state.minutes(self.page.ctx.now())
        if minutes < 1:
            self._save_timer(None)
            self.timer_error.show_message(
                self.tr("Less than a minute: nothing was recorded."), "muted"
            )
            return
        key = timer_key(self.page.job_id)

        def change(session: Any, job: Any, user: Any) -> None:
            add_time(session, job, user, TimeKind.LABOUR, minutes, started_at=state.first_started)
            # The entry and the end of the timer in one transaction: never both, never none.
            session.merge(LocalSetting(key=key, value=""))

        error = self.page.write(change)
        if error:
            self.timer_error.show_message(error)
            return
        self.timer_state = None
        self._show_timer()

    # --- by hand ------------------------------------------------------------------------

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
    """Photos picked by a tap from the camera folder's newest pictures (or from another
    folder), turned upright, downscaled and thumbnailed in the back."""

    THUMB = 160

    def __init__(self, page: JobPage) -> None:
        super().__init__(page)
        self.roll_card = Card(self.tr("Tap a picture to add it to the job"))
        self.roll = CameraRoll(page.ctx, multiple=True)
        self.roll.setObjectName("camera_roll")
        self.roll.grid.setFlow(QListView.Flow.LeftToRight)
        self.roll.grid.setWrapping(False)  # one row of the newest: the rest scrolls sideways
        self.roll.grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.roll.grid.setFixedHeight(self.roll.grid.gridSize().height() + 56)
        self.roll.empty.setMinimumHeight(self.roll.grid.gridSize().height())
        self.roll.picked.connect(self.add_file)
        self.roll_card.body.addWidget(self.roll)
        self.caption = QLineEdit()
        self.caption.setPlaceholderText(self.tr("Caption for the next photos (optional)"))
        self.roll_card.body.addWidget(self.caption)
        self.status = ErrorLabel()
        self.roll_card.body.addWidget(self.status)
        self.layout_.addWidget(self.roll_card)

        self.job_card = Card(self.tr("Photos of this job"))
        self.grid = QListWidget()
        self.grid.setObjectName("job_photos")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(self.THUMB, self.THUMB))
        self.grid.setGridSize(QSize(self.THUMB + 24, self.THUMB + 48))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setMinimumHeight(2 * (self.THUMB + 48) + 8)  # two rows, then it scrolls
        self.job_card.body.addWidget(self.grid, 1)
        self.no_photos = empty_state("")
        self.job_card.body.addWidget(self.no_photos, 1)
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.remove_button = button(self.tr("Remove selected"), danger=True)
        self.remove_button.clicked.connect(self._remove_selected)
        bar.addWidget(self.remove_button)
        self.job_card.body.addLayout(bar)
        self.layout_.addWidget(self.job_card, 1)
        self.pending = 0
        self.add_button = self.roll.other_button  # the desktop dialog: "Other folder…"

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.editable:
            self.roll.refresh()  # what the camera took since the tab was last shown

    def show_job(self, view: JobView, work: Work) -> None:
        was_editable = self.editable
        self.editable = view.can_record_work
        self.roll_card.setVisible(self.editable)
        self.remove_button.setVisible(self.editable and bool(work.photos))
        if self.editable and not was_editable and self.isVisible():
            self.roll.refresh()
        self.grid.clear()
        self.grid.setVisible(bool(work.photos))
        self.no_photos.setVisible(not work.photos)
        self.no_photos.setText(
            self.tr("No photo of this job yet.\nTake it with the camera, then tap it above.")
            if self.editable
            else self.tr("No photo was taken on this job.")
        )
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
                self.status.show_message(self.tr("Added to the job."), "muted")

        def failed(_error: BaseException) -> None:
            self.pending -= 1
            self.status.show_message(self.tr("This file is not a picture the app can read."))

        self.page.ctx.task_manager.run(
            prepare_photo_file, path, on_done=store, on_error=failed, owner=self
        )

    def _remove_selected(self) -> None:
        for item in self.grid.selectedItems():
            self.remove(Attachment, item.data(Qt.ItemDataRole.UserRole), self.status)
