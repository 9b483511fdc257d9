"""The engineers' parts requests (备件申请), for the supervisor: waiting ones first,
warranty first (先顾客, 后生产), filtered by status and engineer with their counts. A
request opens beside the list with its lines and what the automatic-approval rule says;
Approve, Reject (with a reason) and Ship (carrier, tracking number, date) act on it.
Requests the rule allows are approved when the page loads after a sync, and marked so
(:func:`fieldapp.services.parts_requests.auto_approve_new`)."""

from __future__ import annotations

import logging
from datetime import datetime, time
from html import escape
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc
from fieldapp.models import PartsRequest, User
from fieldapp.rules.parts_approval import Hold, Reason
from fieldapp.services import parts_requests as service
from fieldapp.services.common import DomainError
from fieldapp.services.parts_requests import STATUS_ORDER, RequestRow
from ui.common.context import AppContext
from ui.common.labels import error_text, label
from ui.common.widgets import (
    Card,
    ErrorLabel,
    ReasonDialog,
    button,
    clear_layout,
    local_time,
    styled_label,
)

log = logging.getLogger(__name__)


def reason_text(reason: Reason) -> str:
    """Why the rule leaves a request to the supervisor, in plain words."""
    if reason.hold == Hold.QUANTITY_ABOVE_NORMAL:
        return (
            QCoreApplication.translate("PartsRequests", "%1: %2 asked, %3 is normal per job")
            .replace("%1", reason.part_no)
            .replace("%2", str(reason.quantity))
            .replace("%3", str(reason.normal))
        )
    return {
        Hold.NOT_PENDING: QCoreApplication.translate("PartsRequests", "Decided already"),
        Hold.NO_LINES: QCoreApplication.translate("PartsRequests", "No part in the request"),
        Hold.NO_JOB: QCoreApplication.translate("PartsRequests", "Van stock, not for a repair"),
        Hold.NOT_WARRANTY: QCoreApplication.translate(
            "PartsRequests", "Not a warranty repair: the customer pays"
        ),
    }.get(reason.hold, str(reason.hold))


ERRORS = {
    "not_your_team": lambda: QCoreApplication.translate(
        "PartsRequests", "This request is not from your team."
    ),
    "request_status": lambda: QCoreApplication.translate(
        "PartsRequests", "The request has moved on meanwhile: look again."
    ),
    "shipment_incomplete": lambda: QCoreApplication.translate(
        "PartsRequests", "Enter the carrier and the tracking number."
    ),
    "not_automatic": lambda: QCoreApplication.translate(
        "PartsRequests", "The rule does not approve this request."
    ),
}


def message_of(error: DomainError) -> str:
    known = ERRORS.get(error.code)
    return known() if known else error_text(error)


class ShipDialog(QDialog):
    """The dispatch record: carrier, tracking number, date."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Record the shipment"))
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        self.carrier = QLineEdit()
        self.carrier.setObjectName("ship_carrier")
        self.carrier.setPlaceholderText(self.tr("e.g. SF Express"))
        form.addRow(self.tr("Carrier"), self.carrier)
        self.tracking = QLineEdit()
        self.tracking.setObjectName("ship_tracking")
        form.addRow(self.tr("Tracking number"), self.tracking)
        self.date = QDateEdit()
        self.date.setObjectName("ship_date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        form.addRow(self.tr("Shipped on"), self.date)
        self.error = ErrorLabel()
        form.addRow(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = button(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        row.addWidget(cancel)
        self.confirm = button(self.tr("Save shipment"), primary=True)
        self.confirm.setObjectName("ship_confirm")
        self.confirm.clicked.connect(self._check)
        row.addWidget(self.confirm)
        form.addRow(row)

    def _check(self) -> None:
        if not self.carrier.text().strip() or not self.tracking.text().strip():
            self.error.show_message(self.tr("Enter the carrier and the tracking number."))
            return
        self.accept()

    def shipped_at(self) -> datetime:
        """Noon of the chosen day, local time: a date without a clock time."""
        day = self.date.date().toPython()
        return as_utc(datetime.combine(day, time(12)).astimezone())  # type: ignore[arg-type]


class PartsRequestsPage(QWidget):
    """The supervisor's parts requests page (a desk page)."""

    changed = Signal()
    open_job = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[RequestRow] = []
        self.current_id = ""
        self.status: str | None = service.Status.REQUESTED.value
        self.requester: str | None = None
        self.dialog: QDialog | None = None
        self._filling = False
        outer = QHBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        left = QVBoxLayout()
        left.addWidget(styled_label(self.title(), "title"))
        filters = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("parts_filter_status")
        self.status_filter.setMinimumHeight(48)
        self.status_filter.currentIndexChanged.connect(self._filter_changed)
        filters.addWidget(self.status_filter, 1)
        self.engineer_filter = QComboBox()
        self.engineer_filter.setObjectName("parts_filter_engineer")
        self.engineer_filter.setMinimumHeight(48)
        self.engineer_filter.currentIndexChanged.connect(self._filter_changed)
        filters.addWidget(self.engineer_filter, 1)
        left.addLayout(filters)
        self.summary = styled_label("", "muted")
        self.summary.setObjectName("parts_summary")
        left.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setObjectName("parts_requests_list")
        self.list.setStyleSheet("QListWidget::item { min-height: 64px; }")
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(self._picked)
        left.addWidget(self.list, 1)
        outer.addLayout(left, 5)

        self.detail = Card(self.tr("Request"))
        self.detail.setObjectName("parts_request_detail")
        self.detail_text = styled_label(self.tr("Pick a request in the list."))
        self.detail_text.setObjectName("parts_request_text")
        self.detail_text.setTextFormat(Qt.TextFormat.RichText)
        self.detail.body.addWidget(self.detail_text)
        self.lines_box = QVBoxLayout()
        self.detail.body.addLayout(self.lines_box)
        self.rule_text = styled_label("", "muted")
        self.rule_text.setObjectName("parts_rule")
        self.rule_text.setTextFormat(Qt.TextFormat.RichText)
        self.detail.body.addWidget(self.rule_text)
        actions = QHBoxLayout()
        self.reject_button = button(self.tr("Reject…"), danger=True)
        self.reject_button.setObjectName("parts_reject")
        self.reject_button.clicked.connect(self.ask_reject)
        actions.addWidget(self.reject_button)
        actions.addStretch(1)
        self.ship_button = button(self.tr("Ship…"))
        self.ship_button.setObjectName("parts_ship")
        self.ship_button.clicked.connect(self.ask_ship)
        actions.addWidget(self.ship_button)
        self.approve_button = button(self.tr("Approve"), primary=True)
        self.approve_button.setObjectName("parts_approve")
        self.approve_button.clicked.connect(self.approve)
        actions.addWidget(self.approve_button)
        self.detail.body.addLayout(actions)
        self.error = ErrorLabel()
        self.detail.body.addWidget(self.error)
        self.detail.body.addStretch(1)
        outer.addWidget(self.detail, 4)
        self._show_detail(None)

    def title(self) -> str:
        return self.tr("Parts requests")

    # --- loading ----------------------------------------------------------------------

    def refresh(self) -> None:
        """After a sync (and when shown): the rule approves what it may, then the list
        reloads (a team's requests are few: read at once)."""
        try:
            with self.ctx.store.action() as session:
                supervisor = session.get(User, self.ctx.user_id)
                approved = (
                    service.auto_approve_new(session, supervisor, now=self.ctx.now())
                    if supervisor is not None
                    else []
                )
        except DomainError as error:
            log.error("Automatic approval: %s", error)
            approved = []
        if approved:
            log.info("%d parts request(s) approved by the rule", len(approved))
            self.changed.emit()
        self.reload()

    def reload(self) -> None:
        with self.ctx.store.reader() as session:
            supervisor = session.get(User, self.ctx.user_id)
            if supervisor is None:
                self.rows, counts, people = [], {}, []
            else:
                self.rows = service.team_requests(
                    session, supervisor, status=self.status, requester_id=self.requester
                )
                counts = service.status_counts(session, supervisor)
                people = [
                    (u.id, u.display_name) for u in service.team_requesters(session, supervisor)
                ]
            session.expunge_all()
        self._fill_filters(counts, people)
        self.summary.setText(self.tr("%n request(s)", "", len(self.rows)))
        self.list.blockSignals(True)
        self.list.clear()
        chosen: QListWidgetItem | None = None
        for row in self.rows:
            item = QListWidgetItem(self.row_text(row))
            item.setData(Qt.ItemDataRole.UserRole, row.request.id)
            self.list.addItem(item)
            if row.request.id == self.current_id:
                chosen = item
        if chosen is None and self.list.count():
            chosen = self.list.item(0)
        self.list.setCurrentItem(chosen)
        self.list.blockSignals(False)
        self._show_detail(self.row_of(chosen.data(Qt.ItemDataRole.UserRole)) if chosen else None)

    def row_of(self, request_id: str) -> RequestRow | None:
        return next((r for r in self.rows if r.request.id == request_id), None)

    def row_text(self, row: RequestRow) -> str:
        request = row.request
        parts = ", ".join(
            f"{rl.part.part_no if rl.part else '?'} × {rl.line.quantity}" for rl in row.lines
        )
        first = " · ".join(p for p in (row.requester_name, row.job_number, row.customer_name) if p)
        marks = [label("request_status", request.status)]
        if request.warranty:
            marks.append(self.tr("Warranty"))
        if request.auto_approved and request.status != "rejected":
            marks.append(self.tr("Approved automatically"))
        return f"{first}\n{parts} · {' · '.join(marks)} · {local_time(request.requested_at)}"

    def _fill_filters(self, counts: dict[str, int], people: list[tuple[str, str]]) -> None:
        self._filling = True
        try:
            self.status_filter.clear()
            self.status_filter.addItem(self.tr("All statuses") + f" ({sum(counts.values())})", None)
            for status in STATUS_ORDER:
                self.status_filter.addItem(
                    f"{label('request_status', status)} ({counts.get(status, 0)})", status.value
                )
            self.status_filter.setCurrentIndex(max(0, self.status_filter.findData(self.status)))
            self.engineer_filter.clear()
            self.engineer_filter.addItem(self.tr("All engineers"), None)
            for user_id, name in people:
                self.engineer_filter.addItem(name, user_id)
            self.engineer_filter.setCurrentIndex(
                max(0, self.engineer_filter.findData(self.requester))
            )
        finally:
            self._filling = False

    def set_filter(self, name: str, value: Any) -> None:
        """Choose ``value`` in the filter ``name`` ("status" or "engineer"), as a tap does."""
        combo = self.status_filter if name == "status" else self.engineer_filter
        combo.setCurrentIndex(combo.findData(value))

    def _filter_changed(self) -> None:
        if self._filling:
            return
        self.status = self.status_filter.currentData()
        self.requester = self.engineer_filter.currentData()
        self.reload()

    # --- one request ------------------------------------------------------------------

    def _picked(self, current: QListWidgetItem | None, _previous: Any) -> None:
        self.error.clear_message()
        self._show_detail(self.row_of(current.data(Qt.ItemDataRole.UserRole)) if current else None)

    def select(self, request_id: str) -> None:
        for index in range(self.list.count()):
            item = self.list.item(index)
            if item.data(Qt.ItemDataRole.UserRole) == request_id:
                self.list.setCurrentItem(item)
                return
        raise LookupError(request_id)

    def _show_detail(self, row: RequestRow | None) -> None:
        clear_layout(self.lines_box)
        self.current_id = row.request.id if row else ""
        for widget in (self.approve_button, self.reject_button, self.ship_button):
            widget.setVisible(False)
        if row is None:
            self.detail_text.setText(self.tr("Pick a request in the list."))
            self.rule_text.setText("")
            return
        r = row.request
        job = row.job_number or self.tr("Van stock")
        facts = [
            f"<b>{escape(row.requester_name)}</b> · {escape(job)}"
            + (f" · {escape(row.customer_name)}" if row.customer_name else ""),
            self.tr("Requested %1").replace("%1", local_time(r.requested_at))
            + " · <b>"
            + label("request_status", r.status)
            + "</b>"
            + (" · " + self.tr("Warranty") if r.warranty else ""),
        ]
        if r.approved_at:
            facts.append(
                (self.tr("Approved automatically") if r.auto_approved else self.tr("Approved"))
                + " · "
                + local_time(r.approved_at)
            )
        if r.shipped_at or r.carrier:
            facts.append(
                self.tr("%1, tracking number %2, shipped %3")
                .replace("%1", escape(r.carrier))
                .replace("%2", escape(r.tracking_no))
                .replace("%3", local_time(r.shipped_at))
            )
        if r.received_at:
            facts.append(self.tr("Received %1").replace("%1", local_time(r.received_at)))
        if row.engineer_note:
            facts.append(self.tr("Note: %1").replace("%1", escape(row.engineer_note)))
        if row.rejection_reason:
            facts.append(self.tr("Rejected: %1").replace("%1", escape(row.rejection_reason)))
        self.detail_text.setText("<br>".join(facts))
        for rl in row.lines:
            part = rl.part
            name = ""
            if part is not None:
                name = part.name_zh if self.ctx.chinese else (part.name_en or part.name_zh)
            self.lines_box.addWidget(
                styled_label(f"{part.part_no if part else '?'}  {name}  × {rl.line.quantity}")
            )
        pending = r.status == service.Status.REQUESTED
        if pending:
            reasons = row.decision.reasons
            self.rule_text.setText(
                self.tr("The rule would approve it.")
                if not reasons
                else self.tr("Waits for you:")
                + "<br>"
                + "<br>".join("• " + escape(reason_text(x)) for x in reasons)
            )
        else:
            self.rule_text.setText("")
        self.approve_button.setVisible(pending)
        self.reject_button.setVisible(pending or r.status == service.Status.APPROVED)
        self.ship_button.setVisible(r.status in {service.Status.APPROVED, service.Status.SHIPPED})
        self.ship_button.setText(
            self.tr("Correct shipment…") if r.status == service.Status.SHIPPED else self.tr("Ship…")
        )

    # --- acting -----------------------------------------------------------------------

    def _act(self, change: Any) -> bool:
        request_id = self.current_id
        try:
            with self.ctx.store.action() as session:
                actor = session.get(User, self.ctx.user_id)
                request = session.get(PartsRequest, request_id)
                if actor is None or request is None:
                    raise DomainError("row_unknown", "That entry is not part of this job.")
                change(session, request, actor)
        except DomainError as error:
            self.error.show_message(message_of(error))
            return False
        self.changed.emit()
        self.reload()
        return True

    def approve(self) -> None:
        now = self.ctx.now()
        if self._act(lambda s, r, a: service.approve(s, r, a, now=now)):
            self.error.show_message(
                self.tr("Approved. The engineer sees it after the next sync."), "muted"
            )

    def ask_reject(self) -> None:
        dialog = ReasonDialog(
            self.tr("Reject the request"),
            self.tr("Why is it rejected? The engineer reads your reason."),
            self,
        )
        dialog.setObjectName("parts_reject_dialog")
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._reject(dialog.reason()))
        dialog.open()

    def _reject(self, reason: str) -> None:
        now = self.ctx.now()
        self._act(lambda s, r, a: service.reject(s, r, a, reason=reason, now=now))

    def ask_ship(self) -> None:
        dialog = ShipDialog(self)
        row = self.row_of(self.current_id)
        if row is not None and row.request.carrier:
            dialog.carrier.setText(row.request.carrier)
            dialog.tracking.setText(row.request.tracking_no)
        self.dialog = dialog
        dialog.accepted.connect(
            lambda: self._ship(dialog.carrier.text(), dialog.tracking.text(), dialog.shipped_at())
        )
        dialog.open()

    def _ship(self, carrier: str, tracking: str, shipped_at: datetime) -> None:
        self._act(
            lambda s, r, a: service.record_shipment(
                s, r, a, carrier=carrier, tracking_no=tracking, shipped_at=shipped_at
            )
        )
