"""Complaints tracked to closure: the 4-hour answer countdown (overdue ones red), the
owner, the answer, the closing with what was done; licence points for the engineer
(written by a supervisor, proposed by a clerk) and the proposals a supervisor decides."""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from sqlmodel import col, select

from fieldapp.models import Complaint, Customer, Job, User
from fieldapp.models.enums import ComplaintStatus, LicenceEventKind, Role
from fieldapp.rules import follow_up as rules
from fieldapp.services import complaints as svc
from fieldapp.services.common import DomainError
from ui.common import theme
from ui.common.context import AppContext
from ui.common.labels import error_text
from ui.common.widgets import (
    Card,
    ErrorLabel,
    button,
    clear_layout,
    countdown_text,
    local_time,
    styled_label,
)
from ui.office.follow_ups import licence_label
from ui.office.office_list import ListDetailPage

log = logging.getLogger(__name__)
TICK_MS = 30_000  # the countdowns move on twice a minute


class ComplaintsPage(ListDetailPage):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.items: list[svc.ComplaintRow] = []
        self.proposals: list[svc.LicenceProposal] = []
        self.show_closed = QCheckBox(self.tr("Show closed"))
        self.show_closed.setObjectName("show_closed")
        self.show_closed.toggled.connect(self.refresh)
        self.header.addWidget(self.show_closed)
        self.new = button(self.tr("New complaint"))
        self.new.setObjectName("new_complaint")
        self.new.clicked.connect(self._new_form)
        self.header.addWidget(self.new)

        self.new_card = Card(self.tr("New complaint"))
        self.customer = QComboBox()
        self.customer.setObjectName("complaint_customer")
        self.new_card.body.addWidget(self.customer)
        self.new_text = QPlainTextEdit()
        self.new_text.setObjectName("new_complaint_text")
        self.new_text.setPlaceholderText(self.tr("The complaint in the customer's words"))
        self.new_text.setFixedHeight(96)
        self.new_card.body.addWidget(self.new_text)
        self.open_button = button(self.tr("Record the complaint"), primary=True)
        self.open_button.setObjectName("open_complaint")
        self.open_button.clicked.connect(self._open)
        self.new_card.body.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignRight)
        self.new_card.hide()
        self.detail.addWidget(self.new_card)

        self.card = Card(self.tr("The complaint"))
        self.summary = styled_label()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.card.body.addWidget(self.summary)
        self.countdown = styled_label("", "section")
        self.countdown.setObjectName("countdown")
        self.card.body.addWidget(self.countdown)
        self.take = button(self.tr("I take it over"))
        self.take.setObjectName("take_over")
        self.take.clicked.connect(self._take_over)
        self.card.body.addWidget(self.take, 0, Qt.AlignmentFlag.AlignLeft)
        self.answer_text = QLineEdit()
        self.answer_text.setObjectName("answer_text")
        self.answer_text.setPlaceholderText(self.tr("What the customer was told"))
        self.answer = button(self.tr("Answered"))
        self.answer.setObjectName("answer")
        self.answer.clicked.connect(self._answer)
        self.card.body.addLayout(self._line(self.answer_text, self.answer))
        self.resolution = QLineEdit()
        self.resolution.setObjectName("resolution")
        self.resolution.setPlaceholderText(self.tr("What was done"))
        self.close_button = button(self.tr("Close"), primary=True)
        self.close_button.setObjectName("close_complaint")
        self.close_button.clicked.connect(self._close)
        self.card.body.addLayout(self._line(self.resolution, self.close_button))
        self.licence_kind = QComboBox()
        self.licence_kind.setObjectName("complaint_licence_kind")
        for kind in LicenceEventKind:
            self.licence_kind.addItem(licence_label(kind), kind.value)
        self.licence_reason = QLineEdit()
        self.licence_reason.setObjectName("complaint_licence_reason")
        self.licence_reason.setPlaceholderText(self.tr("Why"))
        self.licence = button("")
        self.licence.setObjectName("licence")
        self.licence.clicked.connect(self._licence)
        line = self._line(self.licence_reason, self.licence)
        line.insertWidget(0, self.licence_kind)
        self.card.body.addLayout(line)
        self.error = ErrorLabel()
        self.card.body.addWidget(self.error)
        self.detail.addWidget(self.card)

        self.proposal_card = Card(self.tr("Licence points proposed by the office"))
        self.detail.addWidget(self.proposal_card)
        self.detail.addStretch(1)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def title(self) -> str:
        return self.tr("Complaints")

    @staticmethod
    def _line(field: QWidget, action: QWidget) -> QHBoxLayout:
        line = QHBoxLayout()
        line.addWidget(field, 1)
        line.addWidget(action)
        return line

    def _role(self) -> str:
        try:
            return self.ctx.user().role
        except LookupError:
            return Role.CLERK.value

    def refresh(self) -> None:
        now, closed = self.ctx.now(), self.show_closed.isChecked()

        def read() -> tuple[list[svc.ComplaintRow], list[svc.LicenceProposal], dict[str, str]]:
            with self.ctx.store.reader() as session:
                rows = svc.complaint_rows(session, now, include_closed=closed)
                proposals = svc.pending_proposals(session)
                engineers = {p.engineer_id for p in proposals}
                names = {
                    u.id: u.display_name
                    for u in session.exec(select(User).where(col(User.id).in_(engineers)))
                }
            return rows, proposals, names

        self.load(read, lambda result: self._show_all(now, *result))

    def _show_all(
        self,
        now: datetime,
        rows: list[svc.ComplaintRow],
        proposals: list[svc.LicenceProposal],
        names: dict[str, str],
    ) -> None:
        self.items, self.proposals = rows, proposals
        late = sum(1 for r in self.items if r.clock.state == rules.AnswerState.OVERDUE)
        self.heading.setText(
            self.tr("Complaints: %1 open, %2 overdue")
            .replace("%1", str(sum(1 for r in self.items if r.complaint.status != "closed")))
            .replace("%2", str(late))
        )
        self.set_rows([self._row(r, now) for r in self.items], self.tr("No complaints."))
        self._show_proposals(names)

    def _row(self, row: svc.ComplaintRow, now: object) -> tuple[str, str, object]:
        complaint = row.complaint
        who = row.customer.name if row.customer else ""
        first = f"{local_time(complaint.received_at)[5:]} · {who}"
        second = f"{self._state_text(row, now)} · {complaint.description}"
        colour = theme.error_colour() if row.clock.red else None
        if row.clock.state == rules.AnswerState.URGENT:
            colour = theme.warning_colour()
        return complaint.id, f"{first}\n{second}", colour

    def _state_text(self, row: svc.ComplaintRow, now: object) -> str:
        status = row.complaint.status
        if status == ComplaintStatus.CLOSED:
            return self.tr("Closed")
        if status == ComplaintStatus.ANSWERED:
            on_time = row.clock.state == rules.AnswerState.ON_TIME
            return self.tr("Answered on time") if on_time else self.tr("Answered late")
        return self.tr("Answer: %1").replace("%1", countdown_text(row.clock.due_at, now))  # type: ignore[arg-type]

    def _tick(self) -> None:
        """Move the countdowns on without reading the store again."""
        now = self.ctx.now()
        self.items = [
            svc.ComplaintRow(
                r.complaint, r.customer, r.job, r.engineer, r.owner, svc.clock(r.complaint, now)
            )
            for r in self.items
        ]
        for n, row in enumerate(self.items):
            _key, text, colour = self._row(row, now)
            item = self.rows.item(n)
            if item is not None:
                item.setText(text)
                item.setForeground(colour if colour is not None else self.palette().text().color())  # type: ignore[arg-type]
        self.show_row(self.current_key())

    def _chosen_row(self) -> svc.ComplaintRow | None:
        key = self.current_key()
        return next((r for r in self.items if r.complaint.id == key), None)

    def show_row(self, key: str) -> None:
        row = self._chosen_row()
        self.card.setVisible(row is not None)
        if row is None:
            return
        self.new_card.hide()
        complaint = row.complaint
        lines = [
            f"<b>{escape(row.customer.name if row.customer else '')}</b> · "
            + escape(self.tr("received %1").replace("%1", local_time(complaint.received_at))),
            escape(complaint.description),
        ]
        if row.job is not None:
            lines.append(
                escape(
                    self.tr("Job %1 · engineer %2")
                    .replace("%1", row.job.number)
                    .replace("%2", row.engineer.display_name if row.engineer else "—")
                )
            )
        lines.append(
            escape(self.tr("Owner: %1").replace("%1", row.owner.display_name if row.owner else "—"))
        )
        if complaint.resolution:
            lines.append("<i>" + escape(complaint.resolution).replace("\n", "<br>") + "</i>")
        self.summary.setText("<br>".join(lines))
        self.countdown.setText(self._state_text(row, self.ctx.now()))
        colour = (
            theme.error_colour()
            if row.clock.red
            else theme.warning_colour()
            if row.clock.state == rules.AnswerState.URGENT
            else theme.ok_colour()
        )
        self.countdown.setStyleSheet(f"color: {colour.name()};")
        is_open = complaint.status == ComplaintStatus.OPEN
        not_closed = complaint.status != ComplaintStatus.CLOSED
        self.take.setVisible(not_closed and complaint.owner_id != self.ctx.user_id)
        self.answer_text.setVisible(is_open)
        self.answer.setVisible(is_open)
        self.resolution.setVisible(not_closed)
        self.close_button.setVisible(not_closed)
        has_engineer = row.job is not None and row.job.assignee_id is not None
        for widget in (self.licence_kind, self.licence_reason, self.licence):
            widget.setVisible(has_engineer)
        writes = self._role() in {Role.SUPERVISOR.value, Role.ADMIN.value}
        self.licence.setText(
            self.tr("Record licence points") if writes else self.tr("Propose licence points")
        )

    def _act(self, work: object) -> bool:
        """Run one user action on the chosen complaint; refresh on success."""
        row = self._chosen_row()
        if row is None:
            return False
        try:
            with self.ctx.store.action() as session:
                complaint = session.get(Complaint, row.complaint.id)
                actor = session.get(User, self.ctx.user_id)
                if complaint is None or actor is None:
                    raise DomainError("not_found", self.tr("Not on this device."))
                work(session, complaint, actor)  # type: ignore[operator]
        except DomainError as error:
            self.error.show_message(error_text(error))
            return False
        self.error.clear_message()
        self.changed.emit()
        self.refresh()
        return True

    def _take_over(self) -> None:
        self._act(lambda s, c, a: svc.set_owner(s, c, a.id, a))

    def _answer(self) -> None:
        text = self.answer_text.text()
        if self._act(
            lambda s, c, a: svc.answer_complaint(s, c, a, now=self.ctx.now(), answer=text)
        ):
            self.answer_text.clear()

    def _close(self) -> None:
        text = self.resolution.text()
        if self._act(
            lambda s, c, a: svc.close_complaint(s, c, a, now=self.ctx.now(), resolution=text)
        ):
            self.resolution.clear()

    def _licence(self) -> None:
        kind = LicenceEventKind(self.licence_kind.currentData())
        reason = self.licence_reason.text()

        def write(session: object, complaint: Complaint, actor: User) -> None:
            job = session.get(Job, complaint.job_id) if complaint.job_id else None  # type: ignore[attr-defined]
            if job is None:
                raise DomainError("not_found", self.tr("This complaint names no job."))
            svc.record_licence(
                session,  # type: ignore[arg-type]
                actor,
                job=job,
                kind=kind,
                reason=reason,
                now=self.ctx.now(),
                complaint_id=complaint.id,
                device_id=self.ctx.device_id,
            )

        if self._act(write):
            self.licence_reason.clear()

    # --- a complaint received directly -----------------------------------------------

    def _new_form(self) -> None:
        with self.ctx.store.reader() as session:
            customers = session.exec(
                select(Customer)
                .where(col(Customer.deleted_at).is_(None))
                .order_by(col(Customer.name))
            ).all()
        self.customer.clear()
        for customer in customers:
            self.customer.addItem(f"{customer.name} ({customer.code})", customer.id)
        self.new_text.clear()
        self.card.hide()
        self.new_card.show()

    def _open(self) -> None:
        customer_id = self.customer.currentData()
        text = self.new_text.toPlainText()
        try:
            with self.ctx.store.action() as session:
                actor = session.get(User, self.ctx.user_id)
                if actor is None or not customer_id:
                    raise DomainError("not_found", self.tr("Choose the customer."))
                complaint = svc.open_complaint(
                    session,
                    customer_id=customer_id,
                    description=text,
                    actor=actor,
                    now=self.ctx.now(),
                )
                new_id = complaint.id
        except DomainError as error:
            self.error.show_message(error_text(error))
            self.card.show()
            return
        self.new_card.hide()
        self.changed.emit()
        self.refresh()
        self.choose(new_id)

    # --- proposals a supervisor decides ----------------------------------------------

    def _show_proposals(self, names: dict[str, str]) -> None:
        body = self.proposal_card.body
        while body.count() > 1:  # the first item is the card's title
            item = body.takeAt(1)
            if item.widget() is not None:
                item.widget().deleteLater()
            elif item.layout() is not None:
                clear_layout(item.layout())
        decides = self._role() in {Role.SUPERVISOR.value, Role.ADMIN.value}
        self.proposal_card.setVisible(bool(self.proposals))
        for n, proposal in enumerate(self.proposals):
            line = QHBoxLayout()
            text = styled_label(
                f"{proposal.job.number} · {names.get(proposal.engineer_id, '')} · "
                f"{licence_label(proposal.kind)} · {proposal.reason}"
            )
            line.addWidget(text, 1)
            if decides:
                accept = button(self.tr("Confirm"), primary=True)
                accept.setObjectName(f"confirm_proposal_{n}")
                accept.clicked.connect(lambda _=False, p=proposal: self._decide(p, True))
                reject = button(self.tr("Reject"))
                reject.setObjectName(f"reject_proposal_{n}")
                reject.clicked.connect(lambda _=False, p=proposal: self._decide(p, False))
                line.addWidget(accept)
                line.addWidget(reject)
            body.addLayout(line)

    def _decide(self, proposal: svc.LicenceProposal, accept: bool) -> None:
        note = "" if accept else self.licence_reason.text() or self.tr("Not confirmed")
        try:
            with self.ctx.store.action() as session:
                actor = session.get(User, self.ctx.user_id)
                fresh = next(
                    (p for p in svc.pending_proposals(session) if p.event.id == proposal.event.id),
                    None,
                )
                if actor is None or fresh is None:
                    raise DomainError("already_decided", self.tr("Decided already."))
                svc.decide_proposal(
                    session,
                    fresh,
                    actor,
                    accept=accept,
                    now=self.ctx.now(),
                    note=note,
                    device_id=self.ctx.device_id,
                )
        except DomainError as error:
            self.error.show_message(error_text(error))
            return
        self.changed.emit()
        self.refresh()
