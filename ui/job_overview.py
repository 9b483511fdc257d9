"""The job tab: what to do next (accept, new time, hand back, depart, arrive), the
dispatch information with what is missing highlighted and correctable, the machine
with its warranty today, and the job's timeline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc
from fieldapp.models import Job, Machine, User
from fieldapp.models.enums import JobEventKind
from fieldapp.services import correct_dispatch, record_hour_meter, reschedule, transition
from fieldapp.views import JobView, Work
from ui.labels import label
from ui.widgets import (
    Card,
    ErrorLabel,
    ReasonDialog,
    button,
    clear_layout,
    local_time,
    styled_label,
)

if TYPE_CHECKING:
    from ui.jobpage import JobPage

ENGINEER_ACTIONS = ("accepted", "departed", "arrived", "handed_back", "suspended")
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
        layout = QVBoxLayout(self)

        self.actions_card = Card(self.tr("Next step"))
        self.next_hint = styled_label("", "muted")
        self.next_hint.hide()
        self.actions_card.body.addWidget(self.next_hint)
        self.action_row = QHBoxLayout()
        self.actions_card.body.addLayout(self.action_row)
        self.action_error = ErrorLabel()
        self.actions_card.body.addWidget(self.action_error)
        layout.addWidget(self.actions_card)

        self.dispatch_card = Card(self.tr("Dispatch information"))
        self.dispatch_hint = styled_label("", "warning")
        self.dispatch_card.body.addWidget(self.dispatch_hint)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.customer = styled_label()
        form.addRow(label("dispatch_field", "customer_name"), self.customer)
        self.contact = styled_label()
        form.addRow(self.tr("Contact"), self.contact)
        self.fields: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, ErrorLabel] = {}
        for name in TEXT_FIELDS:
            editor = QLineEdit()
            self.fields[name] = editor
            error = ErrorLabel()
            self.field_errors[name] = error
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(editor)
            box.addWidget(error)
            form.addRow(label("dispatch_field", name), box)
        self.purchase = QDateEdit()
        self.purchase.setCalendarPopup(True)
        self.purchase.setDisplayFormat("yyyy-MM-dd")
        self.purchase.setSpecialValueText(self.tr("unknown"))
        self.purchase.setMinimumDate(QDate(1990, 1, 1))
        self.field_errors["purchase_date"] = ErrorLabel()
        box = QVBoxLayout()
        box.addWidget(self.purchase)
        box.addWidget(self.field_errors["purchase_date"])
        form.addRow(label("dispatch_field", "purchase_date"), box)
        self.dispatch_card.body.addLayout(form)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        self.saved_note = styled_label("", "muted")
        save_row.addWidget(self.saved_note)
        self.save_dispatch = button(self.tr("Save corrections"))
        self.save_dispatch.clicked.connect(self._save_corrections)
        save_row.addWidget(self.save_dispatch)
        self.dispatch_card.body.addLayout(save_row)
        layout.addWidget(self.dispatch_card)

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
        self.contact.setText(f"{job.contact_name}  {job.contact_phone}".strip())
        self.fields["address"].setText(job.address)
        self.fields["phone"].setText(job.contact_phone)
        self.fields["model"].setText(job.reported_model)
        self.fields["serial"].setText(job.reported_serial)
        self.fields["symptom"].setText(job.reported_symptom)
        self.fields["request"].setText(job.customer_request)
        self.purchase.setDate(
            QDate(job.reported_purchase_date)
            if job.reported_purchase_date
            else self.purchase.minimumDate()
        )
        for error in self.field_errors.values():
            error.clear_message()
        for issue in view.issues:
            target = self.field_errors.get(issue.field)
            text = (
                label("dispatch_field", issue.field)
                + ": "
                + label("issue", "missing" if issue.kind == "missing" else issue.code)
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
        editable = not view.frozen and job.status != "cancelled"
        for editor in self.fields.values():
            editor.setReadOnly(not editable)
        self.purchase.setEnabled(editable)
        self.save_dispatch.setVisible(editable)
        self.saved_note.setText("")
        self._show_machine(view)
        self._show_timeline(view)

    def _show_actions(self, view: JobView) -> None:
        clear_layout(self.action_row)
        self.action_error.clear_message()
        primary_done = False
        for action in view.actions:
            if action not in ENGINEER_ACTIONS:
                continue
            is_primary = action in {"accepted", "departed", "arrived"} and not primary_done
            primary_done = primary_done or is_primary
            widget = button(
                label("action", action), primary=is_primary, danger=action in NEEDS_REASON
            )
            widget.setObjectName(f"action_{action}")
            widget.clicked.connect(lambda _checked=False, a=action: self._act(a))
            self.action_row.addWidget(widget)
        if view.can_reschedule:
            widget = button(self.tr("Propose a new time"))
            widget.setObjectName("action_reschedule")
            widget.clicked.connect(self._reschedule)
            self.action_row.addWidget(widget)
        self.next_hint.setVisible(False)
        if view.job.status == "on_site" and view.can_record_work:
            self.next_hint.setText(self.tr("On site: record the work, then the customer signs."))
            self.next_hint.setVisible(True)
            to_sign = button(self.tr("Go to sign-off"), primary=True)
            to_sign.setObjectName("go_sign_off")
            to_sign.clicked.connect(self.page.go_to_sign_off)
            self.action_row.insertWidget(0, to_sign)
        elif not view.actions and not view.can_reschedule:
            if view.frozen:
                text = self.tr("The report is signed and frozen.")
            else:
                text = self.tr("Nothing to do on this job now.")
            self.action_row.addWidget(styled_label(text, "muted"))
        self.action_row.addStretch(1)

    def _show_machine(self, view: JobView) -> None:
        if view.machine is None:
            self.machine_text.setText(self.tr("No machine on file for this job."))
            self.hours.setEnabled(False)
            self.save_hours.setEnabled(False)
            return
        machine = view.machine.machine
        model = view.machine.model
        warranty = view.machine.warranty
        lines = [
            f"<b>{model.code if model else ''}</b> {model.name_zh if model else ''} · "
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
                if warranty.warranty_until
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

        def change(session: Any, job: Job, user: User) -> None:
            transition(session, job, JobEventKind(action), user, reason=reason, device_id=device)

        error = self.page.write(change)
        if error:
            self.action_error.show_message(error)

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
            self.saved_note.setText(self.tr("Nothing changed."))
            return
        error = self.page.write(lambda s, j, u: correct_dispatch(s, j, u, changes))
        if error:
            self.action_error.show_message(error)
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
