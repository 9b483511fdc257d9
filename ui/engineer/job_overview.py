"""The job tab: what to do next, always in the same place and the same size (accept,
depart, arrive, go to sign-off), with the rare and the destructive actions (a new time,
hand back, leave unfinished) apart on the far side; a departure or an arrival tapped by
mistake can be undone for a few minutes. The dispatch information is read as text with
the phone and the address one tap from a call or the map, and corrected on "Edit"; the
machine with its warranty, its hour meter and its history; the job's timeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTimer
from PySide6.QtWidgets import (
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc
from fieldapp.models import Job, Machine, User
from fieldapp.models.enums import JobEventKind
from fieldapp.rules import jobflow, progress
from fieldapp.services.jobs import correct_dispatch, record_hour_meter, reschedule, transition
from fieldapp.views import JobView, Work
from ui.common.barcode import read_code_from_image
from ui.common.camera_roll import PhotoPicker
from ui.common.contact_links import AddressLink, PhoneLinks
from ui.common.labels import label
from ui.common.widgets import (
    Card,
    ErrorLabel,
    ReasonDialog,
    button,
    local_time,
    minutes_text,
    styled_label,
)
from ui.engineer.machine_history import MachineHistorySection

if TYPE_CHECKING:
    from ui.engineer.jobpage import JobPage

# The next steps, in the one big button; the others go to the row on the far side.
NEXT_STEPS = ("accepted", "departed", "arrived")
OTHER_ACTIONS = ("handed_back", "suspended")
NEXT_SIZE = (380, 72)  # the next step's button: one place, one size, whatever it says
FOLLOW_UP_FROM = ("on_site", "signed", "returned")
NEEDS_REASON = {JobEventKind.HANDED_BACK.value, JobEventKind.SUSPENDED.value}
TEXT_FIELDS = ("address", "phone", "model", "serial", "symptom", "request")
COLUMNS = {
    "address": "address",
    "phone": "contact_phone",
    "model": "reported_model",
    "serial": "reported_serial",
    "symptom": "reported_symptom",
    "request": "customer_request",
}


class RescheduleDialog(QDialog):
    def __init__(self, current: datetime | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New time agreed with the customer"))
        self.setMinimumWidth(560)
        layout = QFormLayout(self)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        start = as_utc(current).astimezone() if current else datetime.now() + timedelta(hours=2)
        self.when.setDateTime(QDateTime(start.replace(tzinfo=None)))
        layout.addRow(self.tr("New time"), self.when)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("Why the time changes, as agreed with the customer"))
        self.reason.setMaximumHeight(120)
        layout.addRow(self.tr("Reason"), self.reason)
        self.error = ErrorLabel()
        layout.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def _check(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.show_message(self.tr("Please give a reason."))
            return
        if self.chosen() < datetime.now().astimezone():
            self.error.show_message(self.tr("The new time is in the past."))
            return
        self.accept()

    def chosen(self) -> datetime:
        return self.when.dateTime().toPython().astimezone()  # type: ignore[union-attr]


class OverviewTab(QWidget):
    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        self.view: JobView | None = None
        self.next_action = ""
        self.undo: jobflow.UndoOffer | None = None
        layout = QVBoxLayout(self)

        # --- what to do next --------------------------------------------------------
        self.actions_card = Card(self.tr("Next step"))
        top = QHBoxLayout()
        self.next_button = button("", primary=True)
        # In its own style sheet: the theme's minimum sizes would otherwise win on polish.
        self.next_button.setStyleSheet(
            "QPushButton {{ min-width: {0}px; max-width: {0}px;"
            " min-height: {1}px; max-height: {1}px; font-size: 14pt; }}".format(*NEXT_SIZE)
        )
        policy = self.next_button.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the place stays the next step's
        self.next_button.setSizePolicy(policy)
        self.next_button.clicked.connect(self._next_clicked)
        top.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        self.next_hint = styled_label("", "muted")
        side.addWidget(self.next_hint)
        undo_row = QHBoxLayout()
        self.undo_button = button("")
        self.undo_button.clicked.connect(self._undo)
        keep = self.undo_button.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the card does not jump when it goes
        self.undo_button.setSizePolicy(keep)
        self.undo_button.hide()
        undo_row.addWidget(self.undo_button)
        undo_row.addStretch(1)
        side.addLayout(undo_row)
        side.addStretch(1)
        top.addLayout(side, 1)
        self.actions_card.body.addLayout(top)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        self.actions_card.body.addWidget(rule)
        self.more_row = QHBoxLayout()
        self.more_label = styled_label(self.tr("If the visit cannot go as planned:"), "muted")
        self.more_label.setWordWrap(False)
        self.more_row.addWidget(self.more_label)
        self.more_row.addStretch(1)
        self.other: dict[str, QPushButton] = {}
        reschedule_button = button(self.tr("Propose a new time"))
        reschedule_button.setObjectName("action_reschedule")
        reschedule_button.clicked.connect(self._reschedule)
        self.other["reschedule"] = reschedule_button
        follow_up_button = button(self.tr("Needs another visit"))
        follow_up_button.setObjectName("action_follow_up")
        follow_up_button.clicked.connect(self._follow_up)
        self.other["follow_up"] = follow_up_button
        for action in OTHER_ACTIONS:
            widget = button(label("action", action), danger=True)
            widget.setObjectName(f"action_{action}")
            widget.clicked.connect(lambda _checked=False, a=action: self._act(a))
            self.other[action] = widget
        for widget in self.other.values():
            widget.hide()
            self.more_row.addWidget(widget)
        self.actions_card.body.addLayout(self.more_row)
        self.rule = rule
        self.action_error = ErrorLabel()
        self.actions_card.body.addWidget(self.action_error)
        layout.addWidget(self.actions_card)
        self.undo_timer = QTimer(self)
        self.undo_timer.setInterval(5_000)
        self.undo_timer.timeout.connect(self._show_undo)

        # --- the dispatch information ----------------------------------------------------
        self.dispatch_card = Card()
        title_row = QHBoxLayout()
        title_row.addWidget(styled_label(self.tr("Dispatch information"), "section"))
        self.edit_dispatch = button(self.tr("Edit"))
        self.edit_dispatch.setObjectName("edit_dispatch")
        self.edit_dispatch.clicked.connect(lambda: self._set_editing(True))
        title_row.addWidget(self.edit_dispatch)
        # Save and Cancel take the place of Edit: where the finger already is.
        self.saved_note = styled_label("", "muted")
        title_row.insertWidget(1, self.saved_note, 1)
        self.cancel_dispatch = button(self.tr("Cancel"))
        self.cancel_dispatch.setObjectName("cancel_dispatch")
        self.cancel_dispatch.clicked.connect(self._cancel_editing)
        title_row.addWidget(self.cancel_dispatch)
        self.save_dispatch = button(self.tr("Save corrections"), primary=True)
        self.save_dispatch.setObjectName("save_dispatch")
        self.save_dispatch.clicked.connect(self._save_corrections)
        title_row.addWidget(self.save_dispatch)
        self.dispatch_card.body.addLayout(title_row)
        self.dispatch_error = ErrorLabel()
        self.dispatch_card.body.addWidget(self.dispatch_error)
        self.dispatch_hint = styled_label("", "warning")
        self.dispatch_card.body.addWidget(self.dispatch_hint)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.customer = styled_label()
        form.addRow(label("dispatch_field", "customer_name"), self.customer)
        self.contact = styled_label()
        form.addRow(self.tr("Contact"), self.contact)
        self.phone_links = PhoneLinks()
        self.address_link = AddressLink()
        self.fields: dict[str, QLineEdit] = {}
        self.values: dict[str, QWidget] = {}
        self.field_errors: dict[str, ErrorLabel] = {}
        for name in TEXT_FIELDS:
            editor = QLineEdit()
            editor.setObjectName(f"field_{name}")
            self.fields[name] = editor
            if name == "address":
                self.values[name] = self.address_link
            elif name == "phone":
                self.values[name] = self.phone_links
            else:
                self.values[name] = styled_label()
            error = ErrorLabel()
            self.field_errors[name] = error
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(self.values[name])
            if name == "serial":
                # The serial as the nameplate's code says it, read from a photo.
                editor_row = QHBoxLayout()
                editor_row.addWidget(editor, 1)
                self.read_nameplate = button(self.tr("Read the nameplate…"))
                self.read_nameplate.setObjectName("read_nameplate")
                self.read_nameplate.clicked.connect(self._pick_nameplate_photo)
                editor_row.addWidget(self.read_nameplate)
                box.addLayout(editor_row)
            else:
                box.addWidget(editor)
            box.addWidget(error)
            form.addRow(label("dispatch_field", name), box)
        self.purchase = QDateEdit()
        self.purchase.setCalendarPopup(True)
        self.purchase.setDisplayFormat("yyyy-MM-dd")
        self.purchase.setSpecialValueText(self.tr("unknown"))
        self.purchase.setMinimumDate(QDate(1990, 1, 1))
        self.values["purchase_date"] = styled_label()
        self.field_errors["purchase_date"] = ErrorLabel()
        box = QVBoxLayout()
        box.addWidget(self.values["purchase_date"])
        box.addWidget(self.purchase)
        box.addWidget(self.field_errors["purchase_date"])
        form.addRow(label("dispatch_field", "purchase_date"), box)
        self.dispatch_card.body.addLayout(form)
        layout.addWidget(self.dispatch_card)
        self.editing = False
        self.editable = False
        self.nameplate_picker: PhotoPicker | None = None

        # --- the machine -------------------------------------------------------------
        self.machine_card = Card(self.tr("Machine"))
        self.machine_text = styled_label()
        self.machine_card.body.addWidget(self.machine_text)
        hours_row = QHBoxLayout()
        self.hours = QDoubleSpinBox()
        self.hours.setRange(0, 200_000)
        self.hours.setDecimals(1)
        self.hours.setSuffix(" h")
        hours_row.addWidget(styled_label(self.tr("Hour meter now")))
        hours_row.addWidget(self.hours)
        self.save_hours = button(self.tr("Record reading"))
        self.save_hours.clicked.connect(self._save_hours)
        hours_row.addWidget(self.save_hours)
        hours_row.addStretch(1)
        self.machine_card.body.addLayout(hours_row)
        self.hours_error = ErrorLabel()
        self.machine_card.body.addWidget(self.hours_error)
        self.history_button = button("")
        self.history_button.setObjectName("machine_history")
        self.history_button.setCheckable(True)
        self.history_button.toggled.connect(self._toggle_history)
        self.history_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.machine_card.body.addWidget(self.history_button)
        self.history = MachineHistorySection(page)
        self.history.hide()
        self.machine_card.body.addWidget(self.history)
        self._toggle_history(False)
        layout.addWidget(self.machine_card)

        self.timeline_card = Card(self.tr("Timeline"))
        self.timeline = styled_label()
        self.timeline.setTextFormat(Qt.TextFormat.RichText)
        self.timeline_card.body.addWidget(self.timeline)
        layout.addWidget(self.timeline_card)
        layout.addStretch(1)

    # --- showing --------------------------------------------------------------------

    def show_job(self, view: JobView, work: Work) -> None:
        self.view = view
        job = view.job
        self._show_actions(view)
        self.customer.setText(
            view.customer.name
            + ("  ★ " + self.tr("Key customer") if view.customer.is_key_account else "")
        )
        self.contact.setText(job.contact_name or "—")
        self.phone_links.set_phone(job.contact_phone)
        self.address_link.set_address(job.address)
        keep_typed = self.editing  # a reload (the periodic sync) never wipes what is typed
        for name in TEXT_FIELDS:
            value = getattr(job, COLUMNS[name]) or ""
            if not keep_typed:
                self.fields[name].setText(value)
            if name not in ("address", "phone"):
                self.values[name].setText(value or "—")  # type: ignore[attr-defined]
        if not keep_typed:
            self.purchase.setDate(
                QDate(job.reported_purchase_date)
                if job.reported_purchase_date
                else self.purchase.minimumDate()
            )
        self.values["purchase_date"].setText(  # type: ignore[attr-defined]
            str(job.reported_purchase_date) if job.reported_purchase_date else self.tr("unknown")
        )
        for error in self.field_errors.values():
            error.clear_message()
        for issue in view.issues:
            target = self.field_errors.get(issue.field)
            text = self.tr("%1: %2").replace("%1", label("dispatch_field", issue.field))
            text = text.replace(
                "%2", label("issue", "missing" if issue.kind == "missing" else issue.code)
            )
            if target is not None:
                target.show_message(text, "error" if issue.kind == "missing" else "warning")
        separator = "、" if self.page.ctx.chinese else ", "
        fields = separator.join(label("dispatch_field", i.field) for i in view.issues)
        self.dispatch_hint.setText(
            self.tr("Check with the customer before the visit: %1").replace("%1", fields)
            if view.issues
            else ""
        )
        self.dispatch_hint.setVisible(bool(view.issues))
        self.editable = not view.frozen and job.status != "cancelled"
        self._set_editing(self.editing and self.editable)
        self.saved_note.setText("")
        self._show_machine(view)
        self.history.show_job(view, work)
        self._show_timeline(view)

    def _set_editing(self, editing: bool) -> None:
        """Read the dispatch as text; "Edit" turns it into fields with Save / Cancel."""
        self.editing = editing
        for name, editor in self.fields.items():
            editor.setVisible(editing)
            self.values[name].setVisible(not editing)
        self.read_nameplate.setVisible(editing)
        self.purchase.setVisible(editing)
        self.values["purchase_date"].setVisible(not editing)
        self.save_dispatch.setVisible(editing)
        self.cancel_dispatch.setVisible(editing)
        self.edit_dispatch.setVisible(not editing and self.editable)
        if editing:
            self.saved_note.setText("")
            self.dispatch_error.clear_message()
            self.fields["address"].setFocus()

    def _pick_nameplate_photo(self) -> None:
        picker = PhotoPicker(self.page.ctx, self.tr("Photo of the machine's nameplate"), self)
        picker.accepted.connect(lambda: self.read_nameplate_from(picker.path))
        self.nameplate_picker = picker
        picker.open()

    def read_nameplate_from(self, path: str) -> None:
        """Read the nameplate's code in the back and put it in the serial field."""
        if not path:
            return
        error = self.field_errors["serial"]
        self.read_nameplate.setEnabled(False)
        error.show_message(self.tr("Reading the nameplate…"), "muted")

        def done(code: str | None) -> None:
            self.read_nameplate.setEnabled(True)
            if not code or not code.strip():
                error.show_message(
                    self.tr("No code could be read in this photo: take it closer and straight.")
                )
                return
            error.clear_message()
            self.fields["serial"].setText(code.strip())

        def failed(_error: BaseException) -> None:
            self.read_nameplate.setEnabled(True)
            error.show_message(self.tr("This file is not a picture the app can read."))

        self.page.ctx.task_manager.run(
            read_code_from_image, path, on_done=done, on_error=failed, owner=self
        )

    def _cancel_editing(self) -> None:
        self.editing = False
        if self.view is not None and self.page.work is not None:
            self.show_job(self.view, self.page.work)  # the fields show the job again
        self._set_editing(False)

    def _show_actions(self, view: JobView) -> None:
        self.action_error.clear_message()
        step = next((a for a in NEXT_STEPS if a in view.actions), "")
        is_assignee = view.job.assignee_id == self.page.ctx.user_id
        on_site = view.job.status == "on_site" and view.can_record_work
        returned = view.job.status == "returned" and is_assignee  # amend, sign again
        if step:
            self.next_action = step
            self.next_button.setText(label("action", step))
            self.next_button.setObjectName(f"action_{step}")
        elif on_site or returned:
            self.next_action = "sign_off"
            self.next_button.setText(self.tr("Go to sign-off"))
            self.next_button.setObjectName("go_sign_off")
        else:
            self.next_action = ""
            self.next_button.setObjectName("no_next_step")
        self.next_button.setVisible(bool(self.next_action))

        if on_site:
            hint = self.tr("On site: record the work, then the customer signs.")
        elif returned:
            hint = self.tr("Returned for rework: correct it, then the customer signs again.")
        elif view.frozen:
            hint = self.tr("The report is signed and frozen.")
        elif not self.next_action and not view.actions and not view.can_reschedule:
            hint = self.tr("Nothing to do on this job now.")
        elif not progress.work_open(view.job.status, is_assignee=is_assignee):
            hint = self.tr("The work tabs open once the arrival on site is registered.")
        else:
            hint = ""
        self.next_hint.setText(hint)
        self.next_hint.setVisible(bool(hint))

        shown = {
            "reschedule": view.can_reschedule,
            # Not fixed in one visit: a follow-up job, once the engineer has been there.
            "follow_up": is_assignee and view.job.status in FOLLOW_UP_FROM,
            **{a: a in view.actions for a in OTHER_ACTIONS},
        }
        for name, widget in self.other.items():
            widget.setVisible(shown[name])
        anything = any(shown.values())
        self.more_label.setVisible(anything)
        self.rule.setVisible(anything)
        self._show_undo()

    def _show_undo(self) -> None:
        view = self.view
        offer = None
        if view is not None and view.job.assignee_id == self.page.ctx.user_id:
            offer = jobflow.undo_offer(view.job.status, view.events, self.page.ctx.now())
        self.undo = offer
        if offer is None:
            self.undo_button.hide()
            self.undo_timer.stop()
            return
        left = offer.seconds_left(self.page.ctx.now())
        self.undo_button.setObjectName(f"action_{offer.action.value}")
        self.undo_button.setText(
            self.tr("%1 (%2 left)")
            .replace("%1", label("action", offer.action.value))
            .replace("%2", minutes_text(max(1, -(-left // 60))))
        )
        self.undo_button.show()
        if not self.undo_timer.isActive():
            self.undo_timer.start()

    def _toggle_history(self, shown: bool) -> None:
        self.history_button.setText(
            self.tr("Hide the machine's history") if shown else self.tr("Machine history")
        )
        self.history.setVisible(shown)  # read from the store when it is shown

    def _show_machine(self, view: JobView) -> None:
        self.history_button.setVisible(view.machine is not None)
        if view.machine is None:
            self.machine_text.setText(self.tr("No machine on file for this job."))
            self.hours.setEnabled(False)
            self.save_hours.setEnabled(False)
            return
        machine = view.machine.machine
        model = view.machine.model
        warranty = view.machine.warranty
        name = ""
        if model is not None:
            name = model.name_zh if self.page.ctx.chinese else (model.name_en or model.name_zh)
        lines = [
            f"<b>{model.code if model else ''}</b> {name} · "
            + self.tr("Serial %1").replace("%1", machine.serial),
            self.tr("Hour meter: %1").replace(
                "%1", f"{machine.hour_meter:g} h" if machine.hour_meter is not None else "—"
            ),
            self.tr("Purchased: %1").replace("%1", str(machine.purchase_date or "—")),
            "<b>"
            + label("warranty", warranty.status)
            + "</b>"
            + (
                " · " + self.tr("free repair until %1").replace("%1", str(warranty.warranty_until))
                if warranty.warranty_until and warranty.free_repair
                else ""
            ),
        ]
        self.machine_text.setText("<br>".join(lines))
        self.hours.setValue(machine.hour_meter or 0)
        self.hours_error.clear_message()
        can = view.can_record_work
        self.hours.setEnabled(can)
        self.save_hours.setEnabled(can)

    def _show_timeline(self, view: JobView) -> None:
        job = view.job
        rows = [
            local_time(job.received_at) + " — " + self.tr("Received"),
            local_time(job.on_site_due_at) + " — " + self.tr("On site at the latest"),
        ]
        if job.appointment_at:
            rows.append(local_time(job.appointment_at) + " — " + self.tr("Agreed time"))
        for event in view.events:
            note = f": {event.note}" if event.note else ""
            rows.append(f"{local_time(event.occurred_at)} — {label('event', event.kind)}{note}")
        self.timeline.setText("<br>".join(rows))

    # --- acting -----------------------------------------------------------------------

    def _next_clicked(self) -> None:
        if self.next_action == "sign_off":
            self.page.go_to_sign_off()
        elif self.next_action:
            self._act(self.next_action)

    def _act(self, action: str) -> None:
        reason = ""
        if action in NEEDS_REASON:
            title = label("action", action)
            prompt = (
                self.tr("Why do you hand this job back to the dispatcher?")
                if action == "handed_back"
                else self.tr("Why do you leave the site unfinished (e.g. waiting for parts)?")
            )
            dialog = ReasonDialog(title, prompt, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            reason = dialog.reason()
        device = self.page.ctx.device_id
        now = self.page.ctx.now()

        def change(session: Any, job: Job, user: User) -> None:
            transition(
                session, job, JobEventKind(action), user, reason=reason, now=now, device_id=device
            )

        error = self.page.write(change)
        if error:
            self.action_error.show_message(error)

    def _follow_up(self) -> None:
        from ui.engineer.follow_up import ask_follow_up

        def done(error: str) -> None:
            if error:
                self.action_error.show_message(error)
            else:
                self.action_error.show_message(
                    self.tr("Follow-up job created. HQ receives it at the next sync."), "muted"
                )

        ask_follow_up(self.page, self, done)

    def _undo(self) -> None:
        if self.undo is None:
            return
        self._act(self.undo.action.value)

    def _reschedule(self) -> None:
        if self.view is None:
            return
        dialog = RescheduleDialog(self.view.job.appointment_at, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        when = as_utc(dialog.chosen())
        reason = dialog.reason.toPlainText()
        error = self.page.write(lambda s, job, user: reschedule(s, job, user, when, reason))
        if error:
            self.action_error.show_message(error)

    def _save_corrections(self) -> None:
        if self.view is None:
            return
        job = self.view.job
        changes: dict[str, Any] = {}
        for name, editor in self.fields.items():
            value = editor.text().strip()
            if value != (getattr(job, COLUMNS[name]) or ""):
                changes[name] = value
        picked: date | None = None
        if self.purchase.date() != self.purchase.minimumDate():
            picked = self.purchase.date().toPython()  # type: ignore[assignment]
        if picked != job.reported_purchase_date:
            changes["purchase_date"] = picked
        if not changes:
            self._set_editing(False)
            self.saved_note.setText(self.tr("Nothing changed."))
            return
        self.editing = False  # the reload after a saved write shows the text again
        error = self.page.write(lambda s, j, u: correct_dispatch(s, j, u, changes))
        if error:
            self._set_editing(True)
            self.dispatch_error.show_message(error)
        else:
            self.saved_note.setText(self.tr("Saved. HQ receives the correction at the next sync."))

    def _save_hours(self) -> None:
        hours = self.hours.value()

        def change(session: Any, job: Job, _user: User) -> None:
            machine = session.get(Machine, job.machine_id)
            record_hour_meter(session, machine, hours, job=job, now=self.page.ctx.now())

        error = self.page.write(change)
        if error:
            self.hours_error.show_message(error)
