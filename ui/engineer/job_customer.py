"""The customer's file as the engineer carries it: contacts (each phone one tap from a
call or a message, the address from the map), every machine with its warranty today,
the full service history, open complaints, and what is due (the office's reminders):
findings the customer declined on an earlier visit, maintenance, warranty ending."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from fieldapp.views import CustomerFile, JobView, Work, customer_file
from ui.common.contact_links import AddressLink, PhoneLinks
from ui.common.labels import label, reminder_text
from ui.common.widgets import Card, LazyTab, clear_layout, local_time, styled_label

if TYPE_CHECKING:
    from ui.engineer.jobpage import JobPage

HISTORY_SHOWN = 30


def _rich() -> object:
    widget = styled_label()
    widget.setTextFormat(Qt.TextFormat.RichText)
    return widget


class CustomerTab(LazyTab):
    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        layout = QVBoxLayout(self)
        self.cards: dict[str, tuple[Card, object]] = {}
        for key, title in (
            ("due", self.tr("Due: declined repairs, maintenance, warranty")),
            ("complaints", self.tr("Open complaints")),
            ("customer", self.tr("Customer")),
            ("machines", self.tr("Machines")),
            ("history", self.tr("Service history")),
        ):
            card = Card(title)
            text = _rich()
            card.body.addWidget(text)  # type: ignore[arg-type]
            layout.addWidget(card)
            self.cards[key] = (card, text)
        customer_card = self.cards["customer"][0]
        self.address = AddressLink()
        customer_card.body.addWidget(self.address)
        self.contacts = QVBoxLayout()
        customer_card.body.addLayout(self.contacts)
        layout.addStretch(1)

    def _set(self, key: str, html: str, *, hide_empty: bool = False) -> None:
        card, text = self.cards[key]
        text.setText(html)  # type: ignore[attr-defined]
        card.setVisible(bool(html) or not hide_empty)

    def load(self, view: JobView, work: Work) -> None:
        with self.page.ctx.store.reader() as session:
            file = customer_file(
                session, view.customer.id, self.page.ctx.today(), current_job_id=view.job.id
            )
        self._show(file)

    def _show(self, file: CustomerFile) -> None:
        c = file.customer
        rows = [f"<b>{escape(c.name)}</b> ({escape(c.code)})"]
        if c.is_key_account:
            rows.append("★ " + self.tr("Key customer: priority in dispatch and response"))
        if c.industry:
            rows.append(escape(label("industry", c.industry)))
        if c.notes:
            rows.append(f"<i>{escape(c.notes)}</i>")
        self._set("customer", "<br>".join(rows))
        self.address.set_address(c.address)
        self.address.setVisible(bool(c.address))
        self._show_contacts(file)

        machines = []
        chinese = self.page.ctx.chinese
        for m in file.machines:
            model = m.model
            name = (model.name_zh if chinese else model.name_en or model.name_zh) if model else ""
            hours = f"{m.machine.hour_meter:g} h" if m.machine.hour_meter is not None else "—"
            machines.append(
                f"<b>{escape(model.code if model else '')}</b> "
                f"{escape(name)} · {escape(m.machine.serial)} · "
                f"{hours} · {label('warranty', m.warranty.status)}"
            )
        self._set("machines", "<br>".join(machines) or self.tr("No machines on file."))

        history = []
        for entry in file.history[:HISTORY_SHOWN]:
            job = entry.job
            faults = self.tr("; ").join(
                self.tr("%1: %2")
                .replace("%1", escape(label("assembly", f.assembly)))
                .replace("%2", escape(f.symptom))
                for f in entry.faults
            )
            history.append(
                f"<b>{local_time(job.completed_at)[:10]}</b> {escape(job.number)} · "
                f"{label('job_type', job.job_type)} · {escape(entry.machine_serial)}"
                + (f"<br>&nbsp;&nbsp;{faults}" if faults else "")
            )
        more = len(file.history) - HISTORY_SHOWN
        if more > 0:
            history.append(self.tr("Older jobs not shown: %1").replace("%1", str(more)))
        self._set("history", "<br>".join(history) or self.tr("No earlier service."))

        complaints = [
            f"{local_time(x.received_at)[:10]} · {escape(x.description)}"
            for x in file.open_complaints
        ]
        self._set("complaints", "<br>".join(complaints), hide_empty=True)
        # The same reminders as the office's list (fieldapp.services.reminders).
        due = [
            f"<b>{escape(label('assembly', r.component))}</b>: {escape(r.description)}"
            + (f" — {escape(r.danger_if_not)}" if r.danger_if_not else "")
            if r.finding_id
            else escape(reminder_text(r))
            for r in file.reminders
        ]
        self._set("due", "<br>".join(due), hide_empty=True)

    def _show_contacts(self, file: CustomerFile) -> None:
        """Every contact with its number as big buttons: call, text, or copy it."""
        clear_layout(self.contacts)
        people = [(file.customer.contact_name, "", file.customer.phone)]
        people += [(x.name, x.title, x.phone) for x in file.contacts]
        seen: set[str] = set()
        for name, title, phone in people:
            if not phone or phone in seen:
                continue
            seen.add(phone)
            who = " · ".join(p for p in (name, title) if p)
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            person = styled_label(who or self.tr("Customer's phone"))
            person.setMinimumWidth(240)
            line.addWidget(person)
            links = PhoneLinks()
            links.set_phone(phone)
            line.addWidget(links, 1)
            self.contacts.addWidget(row)
