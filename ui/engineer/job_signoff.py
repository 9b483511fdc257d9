"""The sign-off: what is incomplete first — the engineer's own open items to settle,
then what the customer must see before signing (never silently accepted) — then what
the customer signs for (every charged line with its rate, the warranty lines at ¥0 and
why, the total, the declaration), the customer's and the engineer's signatures, the
signer's name, opinion and rating. Signing freezes the job with the report's hash; the
PDF report is made in the back, ready to preview, print, save or send by e-mail."""

from __future__ import annotations

import json
import logging
import shutil
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QTextDocument, QWheelEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGestureEvent,
    QHBoxLayout,
    QLineEdit,
    QPinchGesture,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp.delivery import deliveries_for, normalise_email, queue_report_email
from fieldapp.models import Job, PartUsage, TimeEntry, User
from fieldapp.models.enums import DeliveryStatus, Satisfaction
from fieldapp.services.billing import charge_lines, charges
from fieldapp.services.common import DomainError, live_rows
from fieldapp.services.review import approval_of, latest_return
from fieldapp.services.work import (
    ENGINEER,
    Gap,
    amendment_customer_changes,
    contact_email,
    customer_gaps,
    engineer_gaps,
    report_gaps,
    sign_amendment,
    sign_off_refusals,
    sign_with_signature,
)
from fieldapp.views import JobView, Work
from ui.common import report
from ui.common.i18n import CHINESE, ENGLISH
from ui.common.labels import error_text, label
from ui.common.report import render_report_pdf, report_html
from ui.common.signature import SignaturePad
from ui.common.widgets import (
    Card,
    ErrorLabel,
    ReasonDialog,
    button,
    clear_layout,
    local_time,
    money,
    styled_label,
)

if TYPE_CHECKING:
    from fieldapp.models.company import ReportDelivery
    from ui.engineer.jobpage import JobPage

log = logging.getLogger(__name__)
GAPS_LISTED = 4
ZOOM_STEP = 2  # points of font size per step of the preview's zoom
ZOOM_LIMITS = (-6, 16)

# Where the engineer settles each kind of open item (a tab of the job page).
SETTLED_ON = {
    "checklist_missing": "checklists",
    "unanswered": "checklists",
    "photo_missing": "checklists",
    "out_of_range": "checklists",
    "failed": "checklists",
    "not_a_number": "checklists",
    "no_labour": "time",
    "no_fault": "faults",
    "fault_not_fixed": "faults",
}


def report_path(
    data_dir: Path, number: str, report_hash: str, language: str, copies: str = ""
) -> Path:
    suffix = f"-{copies}" if copies else ""
    return data_dir / "reports" / f"{number}-{report_hash[:8]}-{language}{suffix}.pdf"


def delivery_language(language: str) -> str:
    """The report language as a delivery names it ("zh" or "en")."""
    return "en" if language == ENGLISH else "zh"


def ui_words(language: str) -> report.Words:
    """The report's words in the UI's language, so the screen says what the paper says."""
    return report.words_for(language)


class ZoomingBrowser(QTextBrowser):
    """A text view that zooms with a pinch of two fingers and with Ctrl and the wheel."""

    zoomed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.zoom = 0
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._pinch = 1.0

    def zoom_by(self, steps: int) -> None:
        target = max(ZOOM_LIMITS[0], min(ZOOM_LIMITS[1], self.zoom + steps))
        change = target - self.zoom
        if change > 0:
            self.zoomIn(change * ZOOM_STEP)
        elif change < 0:
            self.zoomOut(-change * ZOOM_STEP)
        self.zoom = target
        self.zoomed.emit(self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = 1 if event.angleDelta().y() > 0 else -1 if event.angleDelta().y() < 0 else 0
            self.zoom_by(steps)
            event.accept()
            return
        super().wheelEvent(event)

    def pinch(self, scale: float) -> None:
        """Two fingers moved apart (``scale`` > 1) or together: a step of zoom for every
        15 % of change."""
        self._pinch *= scale
        while self._pinch > 1.15:
            self.zoom_by(1)
            self._pinch /= 1.15
        while self._pinch < 1 / 1.15:
            self.zoom_by(-1)
            self._pinch *= 1.15

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Gesture and isinstance(event, QGestureEvent):
            gesture = event.gesture(Qt.GestureType.PinchGesture)
            if isinstance(gesture, QPinchGesture):
                self.pinch(gesture.scaleFactor())
                if gesture.state() == Qt.GestureState.GestureFinished:
                    self._pinch = 1.0
                event.accept()
                return True
        return super().viewportEvent(event)


class WideCheckBox(QCheckBox):
    """A check box a gloved finger can hit anywhere along its line, not only on the
    small square and its words."""

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)


class PreviewDialog(QDialog):
    def __init__(self, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Report preview"))
        self.resize(900, 700)
        layout = QVBoxLayout(self)
        self.view = ZoomingBrowser()
        self.view.setHtml(html)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.zoom_out = button("−")
        self.zoom_out.setObjectName("zoom_out")
        self.zoom_out.setToolTip(self.tr("Smaller"))
        self.zoom_in = button("+")
        self.zoom_in.setObjectName("zoom_in")
        self.zoom_in.setToolTip(self.tr("Larger"))
        for widget in (self.zoom_out, self.zoom_in):
            widget.setMinimumSize(56, 48)
            row.addWidget(widget)
        self.zoom_out.clicked.connect(lambda: self.view.zoom_by(-1))
        self.zoom_in.clicked.connect(lambda: self.view.zoom_by(1))
        self.view.zoomed.connect(self._limits)
        row.addStretch(1)
        close = button(self.tr("Close"))
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)

    def _limits(self, zoom: int) -> None:
        self.zoom_out.setEnabled(zoom > ZOOM_LIMITS[0])
        self.zoom_in.setEnabled(zoom < ZOOM_LIMITS[1])


class SignOffTab(QWidget):
    report_ready = Signal(str)  # path of the PDF

    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        self.view: JobView | None = None
        self.job_id = ""  # the job what is typed here belongs to
        self.gaps: list[Gap] = []
        self.acknowledged: frozenset[tuple[str, str]] | None = None
        self.engineer_reason = ""
        self.reason_for: frozenset[tuple[str, str]] = frozenset()
        self.reason_dialog: ReasonDialog | None = None
        layout = QVBoxLayout(self)

        # The supervisor's return: what to correct before the customer signs again.
        self.returned_card = Card(self.tr("Returned for rework"))
        self.returned_text = styled_label("", "error")
        self.returned_text.setObjectName("returned_comment")
        self.returned_text.setTextFormat(Qt.TextFormat.RichText)
        self.returned_card.body.addWidget(self.returned_text)
        self.returned_card.hide()
        layout.addWidget(self.returned_card)

        # The engineer's own open items: settled before anyone signs.
        self.todo_card = Card(self.tr("Your open items — settle them before the customer signs"))
        self.todo_rows = QVBoxLayout()
        self.todo_card.body.addLayout(self.todo_rows)
        self.reason_text = styled_label("", "muted")
        self.reason_text.hide()
        self.todo_card.body.addWidget(self.reason_text)
        reason_row = QHBoxLayout()
        self.reason_button = button(self.tr("Leave them open and say why…"))
        self.reason_button.setObjectName("record_reason")
        self.reason_button.clicked.connect(self.ask_reason)
        reason_row.addWidget(self.reason_button)
        reason_row.addStretch(1)
        self.todo_card.body.addLayout(reason_row)
        self.todo_error = ErrorLabel()
        self.todo_card.body.addWidget(self.todo_error)
        layout.addWidget(self.todo_card)

        # What the customer must see before signing.
        self.gaps_card = Card(self.tr("Incomplete — go through this with the customer"))
        self.gaps_text = styled_label("", "error")
        self.gaps_text.setTextFormat(Qt.TextFormat.RichText)
        self.gaps_card.body.addWidget(self.gaps_text)
        # A fault not fixed is settled by a follow-up job (not fixed in one visit).
        follow_row = QHBoxLayout()
        self.follow_up_button = button(self.tr("Needs another visit"))
        self.follow_up_button.setObjectName("signoff_follow_up")
        self.follow_up_button.clicked.connect(self._follow_up)
        follow_row.addWidget(self.follow_up_button)
        follow_row.addStretch(1)
        self.gaps_card.body.addLayout(follow_row)
        self.follow_up_button.hide()
        self.acknowledge = WideCheckBox(
            self.tr("The customer has seen what is incomplete and signs anyway")
        )
        self.acknowledge.setMinimumHeight(56)
        self.acknowledge.setObjectName("acknowledge")
        self.acknowledge.toggled.connect(self._acknowledged)
        self.gaps_card.body.addWidget(self.acknowledge)
        self.ack_error = ErrorLabel()
        self.gaps_card.body.addWidget(self.ack_error)
        layout.addWidget(self.gaps_card)

        # What the customer signs for.
        self.summary_card = Card(self.tr("What the customer signs for"))
        self.summary = styled_label()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary_card.body.addWidget(self.summary)
        self.charges_view = styled_label()
        self.charges_view.setObjectName("charges")
        self.charges_view.setTextFormat(Qt.TextFormat.RichText)
        self.summary_card.body.addWidget(self.charges_view)
        self.declaration = styled_label("", "section")
        self.declaration.setObjectName("declaration")
        self.summary_card.body.addWidget(self.declaration)
        layout.addWidget(self.summary_card)

        # A correction that changes nothing the customer signed for: the engineer alone
        # signs it (fieldapp.rules.review.customer_must_sign_again).
        self.alone_card = Card(self.tr("Who signs the correction"))
        self.alone_text = styled_label("")
        self.alone_text.setObjectName("amendment_signers")
        self.alone_text.setTextFormat(Qt.TextFormat.RichText)
        self.alone_card.body.addWidget(self.alone_text)
        self.alone_card.hide()
        layout.addWidget(self.alone_card)
        self.alone = False

        # The customer's signature.
        self.sign_card = Card(self.tr("Customer's signature"))
        row = QHBoxLayout()
        row.addWidget(styled_label(self.tr("Name") + " *"))
        self.signer = QLineEdit()
        self.signer.setObjectName("signer")
        row.addWidget(self.signer, 1)
        self.sign_card.body.addLayout(row)
        self.signer_error = ErrorLabel()
        self.sign_card.body.addWidget(self.signer_error)
        self.opinion = QPlainTextEdit()
        self.opinion.setObjectName("opinion")
        self.opinion.setPlaceholderText(self.tr("The customer's opinion (optional)"))
        self.opinion.setMaximumHeight(90)
        self.sign_card.body.addWidget(self.opinion)
        rating = QHBoxLayout()
        rating.addWidget(styled_label(self.tr("Satisfaction")))
        self.rating = QButtonGroup(self)
        self.rating.setExclusive(True)
        for value in Satisfaction:
            choice = QPushButton(label("satisfaction", value))
            choice.setCheckable(True)
            choice.setObjectName(f"rating_{value.value}")
            choice.setProperty("value", value.value)
            self.rating.addButton(choice)
            rating.addWidget(choice)
        rating.addStretch(1)
        self.sign_card.body.addLayout(rating)
        self.pad = SignaturePad()
        self.pad.setObjectName("signature_pad")
        self.sign_card.body.addWidget(self.pad)
        self.sign_card.body.addLayout(self._pad_buttons(self.pad, "customer"))
        self.pad_error = ErrorLabel()
        self.sign_card.body.addWidget(self.pad_error)
        layout.addWidget(self.sign_card)

        # The engineer's signature, then the button that signs.
        self.engineer_card = Card(self.tr("Engineer's signature"))
        self.engineer_pad = SignaturePad()
        self.engineer_pad.setObjectName("engineer_pad")
        self.engineer_pad.setMinimumHeight(160)
        self.engineer_pad.setMaximumHeight(200)
        self.engineer_card.body.addWidget(self.engineer_pad)
        buttons = self._pad_buttons(self.engineer_pad, "engineer")
        self.sign_button = button(self.tr("Sign and close the report"), primary=True)
        self.sign_button.setObjectName("sign")
        self.sign_button.clicked.connect(self.sign)
        buttons.addWidget(self.sign_button)
        self.engineer_card.body.addLayout(buttons)
        self.engineer_error = ErrorLabel()
        self.engineer_card.body.addWidget(self.engineer_error)
        self.sign_error = ErrorLabel()
        self.engineer_card.body.addWidget(self.sign_error)
        layout.addWidget(self.engineer_card)

        # After signing.
        self.signed_card = Card(self.tr("Signed report"))
        self.signed_text = styled_label()
        self.signed_text.setTextFormat(Qt.TextFormat.RichText)
        self.signed_card.body.addWidget(self.signed_text)
        report_row = QHBoxLayout()
        self.report_language = QComboBox()
        self.report_language.addItem("中文", CHINESE)
        self.report_language.addItem("English", ENGLISH)
        report_row.addWidget(styled_label(self.tr("Report language")))
        report_row.addWidget(self.report_language)
        report_row.addStretch(1)
        self.preview_button = button(self.tr("Preview"))
        self.preview_button.clicked.connect(self.preview)
        self.print_button = button(self.tr("Print…"))
        self.print_button.clicked.connect(self.print_report)
        self.save_button = button(self.tr("Save PDF…"), primary=True)
        self.save_button.clicked.connect(self.save_pdf)
        for widget in (self.preview_button, self.print_button, self.save_button):
            report_row.addWidget(widget)
        self.signed_card.body.addLayout(report_row)
        mail_row = QHBoxLayout()
        mail_row.addWidget(styled_label(self.tr("Customer's e-mail")))
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.email.setPlaceholderText("name@example.com")
        self.email.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly)
        self.email.returnPressed.connect(self.send_email)
        mail_row.addWidget(self.email, 1)
        self.send_button = button(self.tr("Send by e-mail"))
        self.send_button.setObjectName("send_email")
        self.send_button.clicked.connect(self.send_email)
        mail_row.addWidget(self.send_button)
        self.signed_card.body.addLayout(mail_row)
        self.email_error = ErrorLabel()
        self.signed_card.body.addWidget(self.email_error)
        self.deliveries = styled_label("", "muted")
        self.deliveries.setObjectName("deliveries")
        self.deliveries.setTextFormat(Qt.TextFormat.RichText)
        self.signed_card.body.addWidget(self.deliveries)
        self.report_status = ErrorLabel()
        self.signed_card.body.addWidget(self.report_status)
        layout.addWidget(self.signed_card)
        layout.addStretch(1)
        self.last_pdf: Path | None = None

    def _pad_buttons(self, pad: SignaturePad, name: str) -> QHBoxLayout:
        row = QHBoxLayout()
        for text, action, what in (
            (self.tr("Clear"), pad.clear, "clear"),
            (self.tr("Undo stroke"), pad.undo, "undo"),
            (self.tr("Redo stroke"), pad.redo, "redo"),
        ):
            widget = button(text)
            widget.setObjectName(f"{name}_{what}")
            widget.clicked.connect(action)
            row.addWidget(widget)
        row.addStretch(1)
        return row

    # --- showing ----------------------------------------------------------------------

    def _reset_form(self) -> None:
        """A different job: nothing typed for the previous one stays."""
        self.signer.clear()
        self.opinion.clear()
        checked = self.rating.checkedButton()
        if checked is not None:
            self.rating.setExclusive(False)
            checked.setChecked(False)
            self.rating.setExclusive(True)
        self.pad.clear()
        self.engineer_pad.clear()
        self._set_acknowledged(False)
        self.engineer_reason = ""
        self.reason_for = frozenset()
        self.email.clear()
        for message in (
            self.ack_error,
            self.todo_error,
            self.signer_error,
            self.pad_error,
            self.engineer_error,
            self.sign_error,
            self.email_error,
            self.report_status,
        ):
            message.clear_message()

    def show_job(self, view: JobView, work: Work) -> None:
        """Show the job; a reload of the same job (after a save, after a sync) keeps
        what was typed, drawn and ticked."""
        if view.job.id != self.job_id:
            self.job_id = view.job.id
            self._reset_form()
        self.view = view
        signed = view.sign_off is not None and view.frozen
        can_sign = view.can_record_work or (view.job.status == "returned")
        self.signed_card.setVisible(signed)
        self.sign_card.setVisible(can_sign and not signed)
        self.engineer_card.setVisible(can_sign and not signed)
        self.gaps_card.setVisible(False)
        self.todo_card.setVisible(False)
        self._show_return(view)
        self._show_signers(view, can_sign and not signed)
        if not signed:
            self._show_summary(view, work)
            if can_sign:
                self.refresh_gaps()
                if not self.signer.text():
                    self.signer.setText(view.job.contact_name)
            return
        self.summary_card.setVisible(False)
        s = view.sign_off
        assert s is not None
        self.signed_text.setText(
            self.tr("Signed by %1 on %2.")
            .replace("%1", escape(s.signer_name))
            .replace("%2", local_time(s.signed_at))
            + "<br>"
            + self.tr("Report hash: %1").replace("%1", f"<code>{s.report_hash}</code>")
        )
        self._show_deliveries()

    def _show_return(self, view: JobView) -> None:
        """The supervisor's reason and comment on a job returned for rework."""
        returned = None
        if view.job.status == "returned":
            with self.page.ctx.store.reader() as session:
                returned = latest_return(session, view.job.id)
                reviewer = session.get(User, returned.reviewer_id) if returned else None
                who = reviewer.display_name if reviewer else ""
        self.returned_card.setVisible(returned is not None)
        if returned is None:
            return
        self.returned_text.setText(
            f"<b>{escape(label('return_reason', returned.reason))}</b>: {escape(returned.comment)}"
            + "<br>"
            + self.tr("Returned by %1 on %2. Correct it, then sign it again.")
            .replace("%1", escape(who))
            .replace("%2", local_time(returned.reviewed_at))
        )

    def _show_signers(self, view: JobView, signing: bool) -> None:
        """On a returned report: whether the customer signs the correction again, or
        the engineer alone (nothing they pay for or had done changed)."""
        changes = None
        if signing and view.job.status == "returned":
            with self.page.ctx.store.reader() as session:
                job = session.get(Job, view.job.id)
                user = session.get(User, self.page.ctx.user_id)
                if job is not None and user is not None:
                    changes = amendment_customer_changes(session, job, user)
        self.alone = changes == []
        self.alone_card.setVisible(changes is not None)
        self.sign_card.setVisible(signing and not self.alone)
        if changes is None:
            return
        if self.alone:
            self.alone_text.setText(
                self.tr(
                    "Nothing the customer pays for or had done has changed: their signature "
                    "on the report they signed stands. Sign the correction yourself."
                )
            )
            return
        self.alone_text.setText(
            self.tr(
                "The correction changes what the customer signed for (%1 changes to what "
                "they pay or had done): the customer signs again."
            ).replace("%1", str(len(changes)))
        )

    def _approval(self) -> report.Approval | None:
        """The supervisor's approval of the report in force, for the company copy."""
        if self.view is None or self.view.sign_off is None:
            return None
        with self.page.ctx.store.reader() as session:
            approval = approval_of(session, self.view.sign_off)
            reviewer = session.get(User, approval.reviewer_id) if approval else None
        if approval is None:
            return None
        sha = approval.signature_sha256 or ""
        return report.Approval(
            reviewer=reviewer.display_name if reviewer else "",
            approved_at=approval.reviewed_at,
            signature=self._blob(sha) if sha else None,
        )

    def _side_of(self, gaps: list[Gap]) -> str:
        grouped: dict[str, list[str]] = {}
        for gap in gaps:
            grouped.setdefault(gap.code, []).append(gap.subject)
        lines = []
        separator = "、" if self.page.ctx.chinese else ", "
        for code, subjects in grouped.items():
            shown = separator.join(escape(s) for s in subjects[:GAPS_LISTED])
            if len(subjects) > GAPS_LISTED:
                shown += " " + self.tr("and %n more", "", len(subjects) - GAPS_LISTED)
            lines.append(
                self.tr("• <b>%1</b> (%2): %3")
                .replace("%1", label("gap", code))
                .replace("%2", str(len(subjects)))
                .replace("%3", shown)
            )
        return "<br>".join(lines)

    def refresh_gaps(self) -> None:
        """What is incomplete, read again. The customer's acknowledgement holds as long
        as what they acknowledged is what is open; the engineer's reason as long as no
        new item of theirs opened."""
        if self.view is None:
            return
        with self.page.ctx.store.reader() as session:
            job = session.get(Job, self.view.job.id)
            assert job is not None
            self.gaps = report_gaps(session, job, language="zh" if self.page.ctx.chinese else "en")
        # The engineer signs whenever anyone does (alone, on a correction the customer
        # need not sign again); the customer's part is asked only of the customer.
        signing = self.engineer_card.isVisibleTo(self)
        customer, own = customer_gaps(self.gaps), engineer_gaps(self.gaps)
        keys = frozenset(g.key for g in customer)
        if self.acknowledge.isChecked() and keys != self.acknowledged:
            self._set_acknowledged(False)
            if keys:
                self.ack_error.show_message(
                    self.tr(
                        "What is incomplete has changed: go through it with the customer again."
                    )
                )
        if not keys:
            self.ack_error.clear_message()
        self.gaps_card.setVisible(bool(customer) and signing and not self.alone)
        self.follow_up_button.setVisible(any(g.code == "fault_not_fixed" for g in customer))
        self.gaps_text.setText(self._side_of(customer))
        own_keys = frozenset(g.key for g in own)
        if self.engineer_reason and not own_keys <= self.reason_for:
            self.engineer_reason = ""
            self.todo_error.show_message(
                self.tr("Something new is open: settle it, or say again why it stays open.")
            )
        self.todo_card.setVisible(bool(own) and signing)
        self._show_todo(own)

    def _show_todo(self, own: list[Gap]) -> None:
        clear_layout(self.todo_rows)
        by_tab: dict[str, list[Gap]] = {}
        for gap in own:
            by_tab.setdefault(SETTLED_ON.get(gap.code, "checklists"), []).append(gap)
        for tab, gaps in by_tab.items():
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            text = styled_label(self._side_of(gaps))
            text.setTextFormat(Qt.TextFormat.RichText)
            line.addWidget(text, 1)
            go = button(self.tr("Go there"))
            go.setObjectName(f"settle_{tab}")
            go.clicked.connect(lambda _c=False, t=tab: self._go_to(t))
            line.addWidget(go)
            self.todo_rows.addWidget(row)
        if self.engineer_reason:
            self.reason_text.setText(
                self.tr("Left open, because: %1").replace("%1", self.engineer_reason)
            )
        self.reason_text.setVisible(bool(self.engineer_reason))

    def _follow_up(self) -> None:
        from ui.engineer.follow_up import ask_follow_up

        ask_follow_up(self.page, self, lambda error: self.ack_error.show_message(error))

    def _go_to(self, tab: str) -> None:
        widget = getattr(self.page, tab, None)
        if isinstance(widget, QWidget):
            self.page.show_tab(widget)

    def _set_acknowledged(self, ticked: bool) -> None:
        self.acknowledge.blockSignals(True)
        self.acknowledge.setChecked(ticked)
        self.acknowledge.blockSignals(False)
        self.acknowledged = frozenset(g.key for g in customer_gaps(self.gaps)) if ticked else None

    def _acknowledged(self, ticked: bool) -> None:
        """The engineer ticks for the customer: what is open now is what they saw."""
        self._set_acknowledged(ticked)
        if ticked:
            self.ack_error.clear_message()

    def ask_reason(self) -> None:
        dialog = ReasonDialog(
            self.tr("Open items"),
            self.tr("Why do these stay open? Your reason goes on the company copy of the report."),
            self,
        )
        dialog.text.setPlainText(self.engineer_reason)
        self.reason_dialog = dialog
        dialog.accepted.connect(lambda: self._reason_given(dialog.reason()))
        dialog.open()

    def _reason_given(self, reason: str) -> None:
        self.engineer_reason = reason
        self.reason_for = frozenset(g.key for g in engineer_gaps(self.gaps))
        self.todo_error.clear_message()
        self._show_todo(engineer_gaps(self.gaps))

    def _show_summary(self, view: JobView, work: Work) -> None:
        self.summary_card.setVisible(True)
        job = view.job
        rows = [f"<b>{escape(view.customer.name)}</b> · {escape(job.address)}"]
        if view.machine:
            model = view.machine.model
            rows.append(
                f"{escape(model.code if model else '')} · {escape(view.machine.machine.serial)}"
            )
        for f in work.faults:
            state = self.tr("fixed") if f.fixed else self.tr("NOT fixed")
            rows.append(
                self.tr("%1: %2 → %3 (%4)")
                .replace("%1", label("assembly", f.assembly))
                .replace("%2", escape(f.symptom))
                .replace("%3", escape(f.action))
                .replace("%4", state)
            )
        rows.append(self.tr("Photos: %1").replace("%1", str(len(work.photos))))
        self.summary.setText("<br>".join(rows))
        self.charges_view.setText(self.charges_html(view.job.id))
        words = ui_words(self.page.ctx.language)
        self.declaration.setText(report.declaration(words.tr))

    def charges_html(self, job_id: str) -> str:
        """Every line the customer pays or does not pay for, as the report prints it."""
        with self.page.ctx.store.reader() as session:
            job = session.get(Job, job_id)
            assert job is not None
            lines = [line.as_content() for line in charge_lines(session, job)]
            totals = charges(
                live_rows(session, PartUsage, PartUsage.job_id == job.id),
                live_rows(session, TimeEntry, TimeEntry.job_id == job.id),
            )
        words = ui_words(self.page.ctx.language)
        tr = words.tr
        cells = []
        for row in report.charge_rows(lines, words):
            why = f"<i>{escape(row.why)}</i>" if row.free else escape(row.why)
            cells.append(
                "<tr>"
                f"<td>{row.number}</td><td>{escape(row.item)}</td>"
                f'<td align="right">{escape(row.rate)}</td>'
                f"<td>{why}</td>"
                f'<td align="right"><b>{escape(row.amount)}</b></td>'
                "</tr>"
            )
        if not cells:
            cells.append(f'<tr><td colspan="5">{escape(tr(report.TEXT["none"]))}</td></tr>')
        head = "".join(
            f"<th align='{align}'>{escape(text)}</th>"
            for text, align in (
                ("#", "left"),
                (tr(report.TEXT["charged_item"]), "left"),
                (tr(report.TEXT["rate"]), "right"),
                (tr(report.TEXT["why"]), "left"),
                (tr(report.TEXT["line_total"]), "right"),
            )
        )
        covered = (
            f'<tr><td colspan="4">{escape(tr(report.TEXT["covered"]))}</td>'
            f'<td align="right">{money(totals.warranty_cents)}</td></tr>'
            if totals.warranty_cents
            else ""
        )
        total = (
            f'<tr><td colspan="4"><b>{escape(tr(report.TEXT["total_amount"]))}</b></td>'
            f'<td align="right"><b style="font-size: large;">{money(totals.total_cents)}</b>'
            "</td></tr>"
        )
        return (
            '<table width="100%" cellspacing="0" cellpadding="6">'
            f"<tr>{head}</tr>{''.join(cells)}{covered}{total}</table>"
        )

    # --- signing -------------------------------------------------------------------------

    def satisfaction(self) -> str | None:
        checked = self.rating.checkedButton()
        return str(checked.property("value")) if checked else None

    def _scroll_to(self, widget: QWidget) -> None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget, 40, 80)

    def sign(self) -> None:
        for message in (
            self.signer_error,
            self.pad_error,
            self.engineer_error,
            self.sign_error,
            self.ack_error,
            self.todo_error,
        ):
            message.clear_message()
        self.refresh_gaps()
        problems: list[QWidget] = []  # top to bottom: the first one is scrolled to
        refused = {
            r.code
            for r in sign_off_refusals(self.gaps, self.acknowledged or (), self.engineer_reason)
        }
        if "engineer_gaps_open" in refused:
            self.todo_error.show_message(
                self.tr("Settle your open items first, or say why they stay open.")
            )
            problems.append(self.todo_card)
        if "gaps_not_acknowledged" in refused:
            self.ack_error.show_message(
                self.tr("Go through what is incomplete with the customer first, then tick the box.")
            )
            problems.append(self.acknowledge)
        if self.alone:
            # The customer signed this before: only the engineer's part is asked.
            problems = [p for p in problems if p is not self.acknowledge]
            self.ack_error.clear_message()
        if not self.alone and not self.signer.text().strip():
            self.signer_error.show_message(label("error", "signer_required"))
            problems.append(self.signer)
        if not self.alone and not self.pad.has_valid_signature():
            self.pad_error.show_message(label("error", "signature_required"))
            problems.append(self.pad)
        if not self.engineer_pad.has_valid_signature():
            self.engineer_error.show_message(self.tr("Sign as the engineer too."))
            problems.append(self.engineer_pad)
        if problems:
            self._scroll_to(problems[0])
            self.sign_error.show_message(self.tr("Not signed yet: see the messages above."))
            return
        png = b"" if self.alone else self.pad.to_png()
        engineer_png = self.engineer_pad.to_png()
        alone = self.alone
        signer, opinion = self.signer.text(), self.opinion.toPlainText()
        rating, device, blobs = self.satisfaction(), self.page.ctx.device_id, self.page.ctx.blobs
        acknowledged = set(self.acknowledged or ())
        reason = self.engineer_reason
        own = {g.key for g in self.gaps if g.side == ENGINEER}

        def change(session: Any, job: Job, user: User) -> None:
            if alone:
                sign_amendment(
                    session,
                    blobs,
                    job,
                    user,
                    engineer_signature_png=engineer_png,
                    engineer_reason=reason if own else "",
                    device_id=device,
                )
                return
            sign_with_signature(
                session,
                blobs,
                job,
                user,
                png,
                signer_name=signer,
                opinion=opinion,
                satisfaction=rating,
                device_id=device,
                engineer_signature_png=engineer_png,
                acknowledged=acknowledged,
                engineer_reason=reason if own else "",
            )

        error = self.page.write(change)
        if error:
            self.sign_error.show_message(error)
            return
        self.pad.clear()
        self.engineer_pad.clear()
        self.make_pdf(CHINESE if self.page.ctx.chinese else ENGLISH)

    # --- the report -----------------------------------------------------------------------

    def _report_args(self) -> tuple[dict[str, Any], str, str]:
        assert self.view is not None and self.view.sign_off is not None
        s = self.view.sign_off
        server = self.page.ctx.server.rstrip("/")
        verify = f"{server}/api/v1/verify/{self.view.job.number}/{s.report_hash}" if server else ""
        return json.loads(s.content), s.report_hash, verify

    def _blob(self, sha: str) -> bytes | None:
        blobs = self.page.ctx.blobs
        return blobs.get(sha) if blobs.has(sha) else None

    def make_pdf(self, language: str, then: Any = None, *, customer_only: bool = False) -> None:
        """Render the PDF in the back (the three copies, or the customer's alone to send
        to them); ``then(path)`` runs when it is written."""
        if self.view is None or self.view.sign_off is None:
            return
        content, report_hash, verify = self._report_args()
        copies = ("customer",) if customer_only else report.COPIES
        approval = None if customer_only else self._approval()
        path = report_path(
            self.page.ctx.data_dir,
            self.view.job.number,
            report_hash,
            language,
            # An approved report's company copy carries the approval: another file.
            "customer" if customer_only else ("approved" if approval else ""),
        )
        self.report_status.show_message(self.tr("Making the PDF report…"), "muted")

        def render() -> Path:
            if path.exists():
                return path
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            render_report_pdf(
                content,
                report_hash,
                self._blob,
                partial,
                language=language,
                verify_url=verify,
                copies=copies,
                approval=approval,
            )
            partial.replace(path)
            return path

        def done(made: Path) -> None:
            self.last_pdf = made
            self.report_status.show_message(
                self.tr("Report ready: %1").replace("%1", str(made)), "muted"
            )
            self.report_ready.emit(str(made))
            if then is not None:
                then(made)

        def failed(error: BaseException) -> None:
            self.report_status.show_message(
                self.tr("The report could not be made: %1").replace("%1", str(error))
            )

        self.page.ctx.task_manager.run(render, on_done=done, on_error=failed, owner=self)

    def _with_html(self, copies: tuple[str, ...], then: Any) -> None:
        """Build the copies' HTML in the back (photos are decoded and scaled for it),
        then hand it to ``then`` on the UI thread."""
        if self.view is None or self.view.sign_off is None:
            return
        content, report_hash, verify = self._report_args()
        language = self.report_language.currentData()
        approval = self._approval()

        def build() -> list[str]:
            return [
                report_html(
                    content,
                    report_hash,
                    self._blob,
                    language=language,
                    copy=copy,
                    verify_url=verify,
                    approval=approval,
                )
                for copy in copies
            ]

        self.page.ctx.task_manager.run(build, on_done=then, owner=self)

    def preview(self) -> None:
        self._with_html(("customer",), lambda pages: PreviewDialog(pages[0], self).exec())

    def save_pdf(self) -> None:
        def ask(made: Path) -> None:
            target, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save the report"), str(Path.home() / made.name), "PDF (*.pdf)"
            )
            if target:
                shutil.copyfile(made, target)
                self.report_status.show_message(
                    self.tr("Saved to %1").replace("%1", target), "muted"
                )

        self.make_pdf(self.report_language.currentData(), then=ask)

    def print_report(self) -> None:
        if self.view is None or self.view.sign_off is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return

        def send(pages: list[str]) -> None:
            for html in pages:
                document = QTextDocument()
                document.setHtml(html)
                document.print_(printer)

        self._with_html(("customer", "company", "archive"), send)

    # --- handing it over by e-mail -----------------------------------------------------------

    def send_email(self) -> None:
        """Queue the report for the customer's address: HQ sends it when the device
        syncs. The address is checked here first, next to the field."""
        self.email_error.clear_message()
        try:
            address = normalise_email(self.email.text())
        except DomainError as error:
            self.email_error.show_message(error_text(error))
            self.email.setFocus()
            return
        language = self.report_language.currentData()
        self.send_button.setEnabled(False)

        def queue(made: Path) -> None:
            pdf = made.read_bytes()
            blobs = self.page.ctx.blobs

            def change(session: Any, job: Job, user: User) -> None:
                queue_report_email(
                    session,
                    blobs,
                    job,
                    user,
                    email=address,
                    language=delivery_language(language),
                    pdf=pdf,
                )

            self.send_button.setEnabled(True)
            error = self.page.write(change)
            if error:
                self.email_error.show_message(error)
                return
            self.email_error.show_message(
                self.tr("Queued for %1: it is sent at the next sync.").replace("%1", address),
                "muted",
            )

        self.make_pdf(language, then=queue, customer_only=True)

    def _show_deliveries(self) -> None:
        if self.view is None:
            return
        with self.page.ctx.store.reader() as session:
            job = session.get(Job, self.view.job.id)
            assert job is not None
            sent = deliveries_for(session, job)
            if not self.email.text():
                self.email.setText(contact_email(session, job))
            session.expunge_all()
        self.deliveries.setText("<br>".join(self._delivery_text(d) for d in sent))
        self.deliveries.setVisible(bool(sent))

    def _delivery_text(self, delivery: ReportDelivery) -> str:
        who = escape(delivery.email)
        if delivery.status == DeliveryStatus.SENT:
            state = self.tr("sent %1").replace("%1", local_time(delivery.sent_at))
        elif delivery.status == DeliveryStatus.FAILED:
            state = self.tr("failed: %1").replace("%1", escape(delivery.last_error))
        else:
            state = self.tr("queued until the next sync")
        return (
            self.tr("Report e-mailed to %1 (%2): %3")
            .replace("%1", who)
            .replace("%2", local_time(delivery.requested_at))
            .replace("%3", state)
        )
