"""The customer's file as the engineer carries it: contacts, every machine with its
warranty today, the full service history, open complaints, and the pre-inspection
findings the customer declined on an earlier visit that are now due."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout

from fieldapp.views import CustomerFile, JobView, Work, customer_file
from ui.labels import label
from ui.widgets import Card, LazyTab, local_time, styled_label

if TYPE_CHECKING:
    from ui.jobpage import JobPage

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
            ("due", self.tr("Declined repairs now due")),
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
        if c.address:
            rows.append(escape(c.address))
        if c.industry:
            rows.append(escape(label("industry", c.industry)))
        for contact in file.contacts:
            rows.append(
                f"{escape(contact.name)} · {escape(contact.title)} · {escape(contact.phone)}"
            )
        if c.notes:
            rows.append(f"<i>{escape(c.notes)}</i>")
        self._set("customer", "<br>".join(rows))

        machines = []
        for m in file.machines:
            model = m.model
            hours = f"{m.machine.hour_meter:g} h" if m.machine.hour_meter is not None else "—"
            machines.append(
                f"<b>{escape(model.code if model else '')}</b> "
                f"{escape(model.name_zh if model else '')} · {escape(m.machine.serial)} · "
                f"{hours} · {label('warranty', m.warranty.status)}"
            )
        self._set("machines", "<br>".join(machines) or self.tr("No machines on file."))

        history = []
        for entry in file.history[:HISTORY_SHOWN]:
            job = entry.job
            faults = "; ".join(
                f"{label('assembly', f.assembly)}: {escape(f.symptom)}" for f in entry.faults
            )
            history.append(
                f"<b>{local_time(job.completed_at)[:10]}</b> {escape(job.number)} · "
                f"{label('job_type', job.job_type)} · {escape(entry.machine_serial)}"
                + (f"<br>&nbsp;&nbsp;{faults}" if faults else "")
            )
        more = len(file.history) - HISTORY_SHOWN
        if more > 0:
            history.append(self.tr("… and %n older job(s).", "", more))
        self._set("history", "<br>".join(history) or self.tr("No earlier service."))

        complaints = [
            f"{local_time(x.received_at)[:10]} · {escape(x.description)}"
            for x in file.open_complaints
        ]
        self._set("complaints", "<br>".join(complaints), hide_empty=True)
        due = [
            f"<b>{escape(f.component)}</b>: {escape(f.description)}"
            + (f" — {escape(f.danger_if_not)}" if f.danger_if_not else "")
            for f in file.due_findings
        ]
        self._set("due", "<br>".join(due), hide_empty=True)
