"""Reminders that bring customers back (seed 003): maintenance falling due by hour meter
or date, repairs the customer declined (with the danger written then), warranty ending.
The clerk calls, then turns the reminder into a job or dismisses it with a reason."""

from __future__ import annotations

import logging
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from fieldapp.models import User
from fieldapp.rules.reminders import Reminder
from fieldapp.services import reminders as svc
from fieldapp.services.common import DomainError
from ui.common import theme
from ui.common.contact_links import PhoneLinks
from ui.common.context import AppContext
from ui.common.labels import error_text, reminder_text
from ui.common.widgets import Card, ErrorLabel, button, styled_label
from ui.office.office_list import ListDetailPage

log = logging.getLogger(__name__)


class RemindersPage(ListDetailPage):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.items: list[svc.ReminderItem] = []
        self.card = Card(self.tr("The reminder"))
        self.summary = styled_label()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.card.body.addWidget(self.summary)
        self.phone = PhoneLinks()
        self.card.body.addWidget(self.phone)
        self.make_job = button(self.tr("Make a job"), primary=True)
        self.make_job.setObjectName("make_job")
        self.make_job.clicked.connect(self._make_job)
        self.card.body.addWidget(self.make_job, 0, Qt.AlignmentFlag.AlignLeft)
        self.reason = QLineEdit()
        self.reason.setObjectName("dismiss_reason")
        self.reason.setPlaceholderText(self.tr("Why it is dismissed"))
        self.reason.textChanged.connect(lambda text: self.dismiss.setEnabled(bool(text.strip())))
        self.card.body.addWidget(self.reason)
        self.dismiss = button(self.tr("Dismiss"))
        self.dismiss.setObjectName("dismiss")
        self.dismiss.setEnabled(False)
        self.dismiss.clicked.connect(self._dismiss)
        self.card.body.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = ErrorLabel()
        self.card.body.addWidget(self.error)
        self.detail.addWidget(self.card)
        self.detail.addStretch(1)

    def title(self) -> str:
        return self.tr("Reminders")

    def refresh(self) -> None:
        today = self.ctx.today()

        def read() -> list[svc.ReminderItem]:
            with self.ctx.store.reader() as session:
                return svc.reminder_list(session, today)

        self.load(read, self._show_items)

    def _show_items(self, items: list[svc.ReminderItem]) -> None:
        self.items = items
        self.heading.setText(
            self.tr("Customers to call back: %1").replace("%1", str(len(self.items)))
        )
        rows = []
        for item in self.items:
            machine = f" · {item.machine.serial}" if item.machine else ""
            colour = theme.error_colour() if item.reminder.overdue else None
            rows.append(
                (
                    item.reminder.key,
                    f"{item.customer.name}{machine}\n{reminder_text(item.reminder)}",
                    colour,
                )
            )
        self.set_rows(rows, self.tr("No reminders due."))

    def _item(self) -> svc.ReminderItem | None:
        key = self.current_key()
        return next((i for i in self.items if i.reminder.key == key), None)

    def show_row(self, key: str) -> None:
        item = self._item()
        self.card.setVisible(item is not None)
        self.reason.clear()
        self.error.clear_message()
        if item is None:
            return
        r = item.reminder
        model = item.model.code if item.model else ""
        lines = [
            f"<b>{escape(item.customer.name)}</b> · {escape(item.customer.contact_name)}",
            escape(reminder_text(r)),
        ]
        if item.machine is not None:
            lines.append(escape(f"{model} · {item.machine.serial}"))
        if r.danger_if_not:
            lines.append(
                "<b>"
                + escape(self.tr("Danger if not repaired: %1").replace("%1", r.danger_if_not))
                + "</b>"
            )
        self.summary.setText("<br>".join(lines))
        self.phone.set_phone(item.customer.phone)

    def _write(self, work: object) -> bool:
        item = self._item()
        if item is None:
            return False
        try:
            with self.ctx.store.action() as session:
                actor = session.get(User, self.ctx.user_id)
                if actor is None:
                    raise DomainError("not_found", self.tr("The user is not on this device."))
                work(session, item.reminder, actor)  # type: ignore[operator]
        except DomainError as error:
            self.error.show_message(error_text(error))
            return False
        self.changed.emit()
        self.refresh()
        return True

    def _make_job(self) -> None:
        def make(session: object, reminder: Reminder, actor: User) -> None:
            job = svc.reminder_to_job(
                session,  # type: ignore[arg-type]
                reminder,
                actor,
                now=self.ctx.now(),
                symptom=reminder_text(reminder),
                request=reminder.danger_if_not,
                device_id=self.ctx.device_id,
            )
            log.info("Reminder %s became job %s", reminder.key, job.number)

        self._write(make)

    def _dismiss(self) -> None:
        reason = self.reason.text()
        self._write(
            lambda s, r, a: svc.dismiss_reminder(
                s, r, a, reason, now=self.ctx.now(), device_id=self.ctx.device_id
            )
        )
