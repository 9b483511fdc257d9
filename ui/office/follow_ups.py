"""The follow-up calls (回访): the approved jobs due for a call, what the clerk tells the
customer (the engineer, what was done and charged), and the call recorded — reached or
not, satisfaction, praise, comment, a complaint — which closes the job. The header sets
the company's grade-C sample rate (on the company profile: every clerk's queue follows
once synced)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from fieldapp.company import company_profile
from fieldapp.models import Job, User
from fieldapp.models.enums import LicenceEventKind, Satisfaction
from fieldapp.rules import follow_up as rules
from fieldapp.services.common import DomainError
from fieldapp.services.complaints import record_licence
from fieldapp.services.follow_up import (
    CallRecord,
    FollowUpQueue,
    QueueItem,
    close_not_sampled,
    follow_up_queue,
    record_call,
    sample_percent,
    set_sample_percent,
)
from ui.common import theme
from ui.common.contact_links import PhoneLinks
from ui.common.context import AppContext
from ui.common.labels import error_text, label
from ui.common.widgets import Card, ErrorLabel, button, local_time, money, styled_label
from ui.office.office_list import ListDetailPage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueView:
    """What a refresh reads: the queue, and the company's sample rate it was drawn with."""

    queue: FollowUpQueue
    percent: int  # the grade-C sample rate, in percent
    settable: bool  # the company profile is on this device (HQ makes it)


class FollowUpQueuePage(ListDetailPage):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.queue = FollowUpQueue([])
        self.view = QueueView(self.queue, 0, settable=False)
        self.sample = QSpinBox()
        self.sample.setObjectName("sample_percent")
        self.sample.setRange(0, 100)
        self.sample.setPrefix(self.tr("Grade C called back: "))
        self.sample.setSuffix(" %")
        self.sample.setMinimumWidth(220)
        self.sample.setMinimumHeight(44)  # a finger's size
        self.sample.setEnabled(False)  # until a refresh reads the company profile
        self.sample.valueChanged.connect(self._enable_rate)
        self.header.addWidget(self.sample)
        self.set_rate = button(self.tr("Set for the company"))
        self.set_rate.setObjectName("set_sample_percent")
        self.set_rate.setEnabled(False)
        self.set_rate.clicked.connect(self._set_rate)
        self.header.addWidget(self.set_rate)
        self.close_skipped = button("")
        self.close_skipped.setObjectName("close_not_sampled")
        self.close_skipped.clicked.connect(self._close_not_sampled)
        self.header.addWidget(self.close_skipped)
        self.rate_error = ErrorLabel()
        self.rate_error.setObjectName("sample_error")
        self.detail.addWidget(self.rate_error)

        self.job_card = Card(self.tr("The job"))
        self.summary = styled_label()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.job_card.body.addWidget(self.summary)
        self.phone = PhoneLinks()
        self.job_card.body.addWidget(self.phone)
        self.detail.addWidget(self.job_card)

        self.call_card = Card(self.tr("The call"))
        outcome = QHBoxLayout()
        self.reached = self._choice(self.tr("Reached"), "reached")
        self.not_reached = self._choice(self.tr("Not reached, try later"), "not_reached")
        self.outcome = QButtonGroup(self)
        for choice in (self.reached, self.not_reached):
            self.outcome.addButton(choice)
            outcome.addWidget(choice)
            choice.toggled.connect(self._enable)
        outcome.addStretch(1)
        self.call_card.body.addLayout(outcome)
        # Two by two: the four words fit a tablet's half screen in English too.
        ratings = QGridLayout()
        self.satisfaction = QButtonGroup(self)
        self.ratings: dict[Satisfaction, QPushButton] = {}
        for index, value in enumerate(Satisfaction):
            choice = self._choice(label("satisfaction", value), f"sat_{value.value}")
            self.satisfaction.addButton(choice)
            self.ratings[value] = choice
            ratings.addWidget(choice, index // 2, index % 2)
            choice.toggled.connect(self._enable)
        self.call_card.body.addLayout(ratings)
        self.praise = QCheckBox(self.tr("The customer praised the engineer"))
        self.praise.setObjectName("praise")
        self.call_card.body.addWidget(self.praise)
        self.comment = QLineEdit()
        self.comment.setObjectName("comment")
        self.comment.setPlaceholderText(self.tr("The customer's comments"))
        self.call_card.body.addWidget(self.comment)
        self.has_complaint = QCheckBox(self.tr("The customer has a complaint"))
        self.has_complaint.setObjectName("has_complaint")
        self.has_complaint.toggled.connect(self._enable)
        self.call_card.body.addWidget(self.has_complaint)
        self.complaint = QPlainTextEdit()
        self.complaint.setObjectName("complaint_text")
        self.complaint.setPlaceholderText(self.tr("The complaint in the customer's words"))
        self.complaint.setFixedHeight(96)
        self.complaint.textChanged.connect(self._enable)
        self.call_card.body.addWidget(self.complaint)
        licence = QHBoxLayout()
        self.licence_kind = QComboBox()
        self.licence_kind.setObjectName("licence_kind")
        self.licence_kind.addItem(self.tr("No licence points"), "")
        for kind in LicenceEventKind:
            self.licence_kind.addItem(licence_label(kind), kind.value)
        self.licence_kind.currentIndexChanged.connect(self._enable)
        licence.addWidget(self.licence_kind)
        self.licence_reason = QLineEdit()
        self.licence_reason.setObjectName("licence_reason")
        self.licence_reason.setPlaceholderText(self.tr("Why (for the supervisor)"))
        self.licence_reason.textChanged.connect(self._enable)
        licence.addWidget(self.licence_reason, 1)
        self.call_card.body.addLayout(licence)
        self.error = ErrorLabel()
        self.call_card.body.addWidget(self.error)
        self.save = button(self.tr("Save the call"), primary=True)
        self.save.setObjectName("save_call")
        self.save.clicked.connect(self._save)
        self.call_card.body.addWidget(self.save, 0, Qt.AlignmentFlag.AlignRight)
        self.detail.addWidget(self.call_card)
        self.detail.addStretch(1)

    def title(self) -> str:
        return self.tr("Follow-up calls")

    @staticmethod
    def _choice(text: str, name: str) -> QPushButton:
        choice = button(text)
        choice.setObjectName(name)
        choice.setCheckable(True)
        return choice

    def refresh(self) -> None:
        now = self.ctx.now()

        def read() -> QueueView:
            with self.ctx.store.reader() as session:
                return QueueView(
                    follow_up_queue(session, now),  # drawn with the company's rate
                    sample_percent(session),
                    settable=company_profile(session) is not None,
                )

        self.load(read, self._show_queue)

    def _show_rate(self, view: QueueView) -> None:
        self.sample.blockSignals(True)
        self.sample.setValue(view.percent)
        self.sample.blockSignals(False)
        self.sample.setEnabled(view.settable)
        self.sample.setToolTip(
            self.tr("The share of grade-C jobs called back, the same for every clerk.")
            if view.settable
            else self.tr("HQ has not sent the company profile yet: sync first.")
        )
        self._enable_rate()

    def _enable_rate(self) -> None:
        self.set_rate.setEnabled(self.view.settable and self.sample.value() != self.view.percent)

    def _set_rate(self) -> None:
        percent = self.sample.value()
        self.rate_error.clear_message()
        try:
            with self.ctx.store.action() as session:
                actor = session.get(User, self.ctx.user_id)
                if actor is None:
                    raise DomainError("not_found", self.tr("The user is not on this device."))
                set_sample_percent(session, actor, percent)
        except DomainError as error:
            self.rate_error.show_message(error_text(error))
            return
        log.info("Grade-C follow-up sample rate set to %d %%", percent)
        self.changed.emit()
        self.refresh()

    def _show_queue(self, view: QueueView) -> None:
        self.view = view
        self.queue = view.queue
        self._show_rate(view)
        now = self.ctx.now()
        self.heading.setText(self.tr("Calls due: %1").replace("%1", str(len(self.queue.items))))
        skipped = len(self.queue.not_sampled)
        self.close_skipped.setText(
            self.tr("Close jobs not sampled (%1)").replace("%1", str(skipped))
        )
        self.close_skipped.setVisible(skipped > 0)
        rows = []
        for item in self.queue.items:
            waiting = item.state.waiting(now)
            first = f"{item.job.number} · {item.customer.name}"
            second = " · ".join(
                x
                for x in (
                    "★ " + self.tr("Key customer") if item.customer.is_key_account else "",
                    item.engineer.display_name if item.engineer else "",
                    self.tr("Try again after %1").replace(
                        "%1", local_time(item.state.next_try_at)[11:]
                    )
                    if waiting
                    else "",
                    self.tr("Calls not answered: %1").replace("%1", str(item.state.attempts))
                    if item.state.attempts
                    else "",
                )
                if x
            )
            rows.append(
                (item.job.id, f"{first}\n{second}", theme.warning_colour() if waiting else None)
            )
        self.set_rows(rows, self.tr("No calls due."))

    def _item(self) -> QueueItem | None:
        key = self.current_key()
        return next((i for i in self.queue.items if i.job.id == key), None)

    def show_row(self, key: str) -> None:
        item = self._item()
        self.job_card.setVisible(item is not None)
        self.call_card.setVisible(item is not None)
        self._reset()
        if item is None:
            return
        self.summary.setText(self._summary(item))
        self.phone.set_phone(item.phone)
        self._enable()

    def _summary(self, item: QueueItem) -> str:
        job = item.job
        chinese = self.ctx.chinese
        model = item.model
        machine = (
            f"{escape(model.code if model else '')} · {escape(item.machine.serial)}"
            if item.machine
            else "—"
        )
        reason = {
            rules.DueReason.KEY_CUSTOMER: self.tr("key customer: always called"),
            rules.DueReason.GRADE: self.tr("grade %1 region: every job").replace(
                "%1", item.region_grade
            ),
            rules.DueReason.SAMPLE: self.tr("grade C region: in the sample"),
        }[item.reason]
        lines = [
            f"<b>{escape(job.number)}</b> · {label('job_type', job.job_type)} · {escape(reason)}",
            f"<b>{escape(item.customer.name)}</b> · {escape(item.contact)}",
            self.tr("Engineer: %1").replace(
                "%1", escape(item.engineer.display_name if item.engineer else "—")
            ),
            self.tr("Machine: %1").replace("%1", machine),
            self.tr("Finished: %1").replace("%1", local_time(job.completed_at)),
        ]
        for fault in item.faults:
            lines.append(
                f"• {escape(label('assembly', fault.assembly))}: {escape(fault.symptom)}"
                + (f" → {escape(fault.action)}" if fault.action else "")
            )
        for usage, part in item.parts:
            name = part.name_zh if chinese else (part.name_en or part.name_zh)
            charge = (
                self.tr("warranty")
                if usage.warranty
                else money(usage.unit_price_cents * usage.quantity)
            )
            lines.append(f"◦ {escape(name)} × {usage.quantity} · {escape(charge)}")
        lines.append("<b>" + self.tr("Charged: %1").replace("%1", money(job.amount_cents)) + "</b>")
        for call in item.calls:
            lines.append(
                "<i>"
                + self.tr("%1: not reached").replace("%1", local_time(call.called_at))
                + (f" — {escape(call.comment)}" if call.comment else "")
                + "</i>"
            )
        return "<br>".join(lines)

    def _reset(self) -> None:
        for group in (self.outcome, self.satisfaction):
            group.setExclusive(False)
            for choice in group.buttons():
                choice.setChecked(False)
            group.setExclusive(True)
        self.praise.setChecked(False)
        self.has_complaint.setChecked(False)
        self.comment.clear()
        self.complaint.clear()
        self.licence_kind.setCurrentIndex(0)
        self.licence_reason.clear()
        self.error.clear_message()

    def _rating(self) -> Satisfaction | None:
        return next((v for v, b in self.ratings.items() if b.isChecked()), None)

    def _enable(self) -> None:
        reached = self.reached.isChecked()
        for choice in self.ratings.values():
            choice.setEnabled(reached)
        for widget in (self.praise, self.has_complaint, self.licence_kind):
            widget.setEnabled(reached)
        self.complaint.setVisible(reached and self.has_complaint.isChecked())
        self.licence_reason.setVisible(reached and bool(self.licence_kind.currentData()))
        ready = self.not_reached.isChecked() or (
            reached
            and self._rating() is not None
            and (not self.has_complaint.isChecked() or bool(self.complaint.toPlainText().strip()))
            and (not self.licence_kind.currentData() or bool(self.licence_reason.text().strip()))
        )
        self.save.setEnabled(ready)

    def _save(self) -> None:
        item = self._item()
        if item is None:
            return
        reached = self.reached.isChecked()
        record = CallRecord(
            reached=reached,
            satisfaction=self._rating() if reached else None,
            praise=reached and self.praise.isChecked(),
            comment=self.comment.text(),
            complaint=self.complaint.toPlainText()
            if reached and self.has_complaint.isChecked()
            else "",
        )
        kind = self.licence_kind.currentData() if reached else ""
        now = self.ctx.now()
        try:
            with self.ctx.store.action() as session:
                job = session.get(Job, item.job.id)
                clerk = session.get(User, self.ctx.user_id)
                if job is None or clerk is None:
                    raise DomainError("not_found", self.tr("The job is no longer on this device."))
                result = record_call(
                    session, job, clerk, record, now=now, device_id=self.ctx.device_id
                )
                if kind:
                    record_licence(
                        session,
                        clerk,
                        job=job,
                        kind=LicenceEventKind(kind),
                        reason=self.licence_reason.text(),
                        now=now,
                        complaint_id=result.complaint.id if result.complaint else None,
                        device_id=self.ctx.device_id,
                    )
        except DomainError as error:
            self.error.show_message(error_text(error))
            return
        log.info("Follow-up call on %s recorded (reached: %s)", item.job.number, reached)
        self.changed.emit()
        self.refresh()

    def _close_not_sampled(self) -> None:
        try:
            with self.ctx.store.action() as session:
                clerk = session.get(User, self.ctx.user_id)
                if clerk is None:
                    return
                close_not_sampled(
                    session,
                    clerk,
                    now=self.ctx.now(),
                    rate=Fraction(self.view.percent, 100),  # the sample the clerk saw
                    device_id=self.ctx.device_id,
                )
        except DomainError as error:
            self.error.show_message(error_text(error))
            return
        self.changed.emit()
        self.refresh()


def licence_label(kind: LicenceEventKind) -> str:
    """A licence event's name with its sign (points lost or gained)."""
    return label("licence", kind.value)
