"""One signed report under review: rendered exactly as the customer saw it (the customer
copy, from the signed content, with its photos and signature), beside it the
verification mark — a big ✓, a loud red ✗ with every difference, or "not arrived yet"
which holds the approval back — the changes from the previous revision highlighted, the
report's history, and the decisions: Approve (signed once on the pad; the signature is
kept on this device as a blob and reused for the next approvals) or Return for rework
(a reason from the list and a comment)."""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Job, SignOff, User
from fieldapp.models.enums import JobStatus, ReturnReason
from fieldapp.rules.review import (
    Difference,
    Flag,
    customer_must_sign_again,
)
from fieldapp.services import review
from fieldapp.services.common import DomainError
from fieldapp.services.review import (
    CLEAN,
    SIGNATURE_SETTING,
    HistoryEntry,
    HistoryKind,
    QueueStatus,
    Verification,
)
from fieldapp.signoffs import report_in_force
from ui.common.context import AppContext
from ui.common.labels import error_text, label
from ui.common.report import format_time, report_html
from ui.common.signature import SignaturePad
from ui.common.widgets import Card, ErrorLabel, button, local_time, styled_label

log = logging.getLogger(__name__)

HIGHLIGHT = "background: #fff3b0; color: #3a3000; padding: 2px;"  # a change between revisions
VALUE_CHARS = 60  # a long value (a whole added fault) is cut after this many characters


def flag_text(flag: str) -> str:
    return {
        Flag.SYNC_CONFLICT: QCoreApplication.translate("ReportReview", "Sync conflict"),
        Flag.OUT_OF_RANGE: QCoreApplication.translate("ReportReview", "Value out of range"),
        Flag.CHECKLIST_FAILED: QCoreApplication.translate("ReportReview", "Checklist failure"),
        Flag.FAULT_NOT_FIXED: QCoreApplication.translate("ReportReview", "Fault not fixed"),
        Flag.WARRANTY_OVERRIDE: QCoreApplication.translate("ReportReview", "Warranty overridden"),
        CLEAN: QCoreApplication.translate("ReportReview", "No flag"),
    }.get(flag, str(flag))


def status_text(status: str) -> str:
    return {
        QueueStatus.WAITING: QCoreApplication.translate("ReportReview", "Waiting"),
        QueueStatus.RETURNED: QCoreApplication.translate("ReportReview", "Returned"),
        QueueStatus.RESUBMITTED: QCoreApplication.translate("ReportReview", "Resubmitted"),
        QueueStatus.APPROVED: QCoreApplication.translate("ReportReview", "Approved"),
    }.get(status, str(status))


def reason_text(reason: str) -> str:
    """Why a report was returned, in the UI's language (one table: ui.common.labels)."""
    return label("return_reason", reason)


def history_text(kind: str) -> str:
    return {
        "signed": QCoreApplication.translate("ReportReview", "Signed by the customer"),
        "resubmitted": QCoreApplication.translate("ReportReview", "Corrected and signed again"),
        "returned": QCoreApplication.translate("ReportReview", "Returned for rework"),
        "approved": QCoreApplication.translate("ReportReview", "Approved"),
    }.get(kind, str(kind))


def section_text(section: str) -> str:
    """The name of a part of the report, for a difference."""
    names = {
        "faults": QCoreApplication.translate("ReportReview", "Faults"),
        "parts": QCoreApplication.translate("ReportReview", "Parts"),
        "charges": QCoreApplication.translate("ReportReview", "Charges"),
        "amount_cents": QCoreApplication.translate("ReportReview", "Amount"),
        "checklists": QCoreApplication.translate("ReportReview", "Checklists"),
        "time": QCoreApplication.translate("ReportReview", "Time"),
        "photos": QCoreApplication.translate("ReportReview", "Photos"),
        "findings": QCoreApplication.translate("ReportReview", "Pre-inspection"),
        "sign_off": QCoreApplication.translate("ReportReview", "Sign-off"),
        "open_items": QCoreApplication.translate("ReportReview", "Open items"),
        "machine": QCoreApplication.translate("ReportReview", "Machine"),
        "customer": QCoreApplication.translate("ReportReview", "Customer"),
        "engineer": QCoreApplication.translate("ReportReview", "Engineer"),
        "job": QCoreApplication.translate("ReportReview", "Job"),
        "events": QCoreApplication.translate("ReportReview", "Register"),
        "left_site_at": QCoreApplication.translate("ReportReview", "Left site"),
        "letterhead": QCoreApplication.translate("ReportReview", "Letterhead"),
    }
    return names.get(section, section)


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str) and value.endswith("Z") and format_time(value):
        return format_time(value)  # an instant of the content, in China time
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:12] + "…"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def difference_html(difference: Difference) -> str:
    """One difference as "Section · the rest of the path: before → after"."""
    head, _, rest = difference.path.partition(".")
    section, bracket, key = head.partition("[")
    where = section_text(section)
    detail = (bracket + key if bracket else "") + ("." + rest if rest else "")
    return (
        f"<b>{html.escape(where)}</b> {html.escape(detail.strip('.'))}: "
        f"{html.escape(_value(difference.before))} → <b>{html.escape(_value(difference.after))}</b>"
    )


def kept_signature(ctx: AppContext) -> str | None:
    """The supervisor's signature kept on this device, if its picture is still whole."""
    return review.reusable_signature(ctx.store.get_setting(SIGNATURE_SETTING), ctx.blobs)


@dataclass(frozen=True)
class Loaded:
    signoff_id: str
    job_id: str
    job_number: str
    job_status: str
    in_force: bool
    html: str
    verification: Verification
    history: list[HistoryEntry]
    revision: list[Difference]
    amends: bool
    customer_signed_again: bool


def load_report(ctx: AppContext, signoff_id: str) -> Loaded:
    """Everything the view shows, read and checked in the back."""
    with ctx.store.reader() as session:
        signoff = session.get(SignOff, signoff_id)
        if signoff is None:
            raise LookupError("This report is not on this device.")
        job = session.get(Job, signoff.job_id)
        verification = review.verify_report(session, signoff, ctx.blobs)
        history = review.report_history(session, signoff.job_id)
        revision = review.revision_differences(session, signoff)
        current = report_in_force(session, signoff.job_id)
        previous = session.get(SignOff, signoff.amends_id) if signoff.amends_id else None
        content = json.loads(signoff.content) if verification.hash_ok else _lenient(signoff)
        again = bool(previous and customer_must_sign_again(json.loads(previous.content), content))

    def blob(sha: str) -> bytes | None:
        return ctx.blobs.get(sha) if ctx.blobs.verify(sha) else None

    page = report_html(
        content,
        signoff.report_hash,
        blob,
        language=ctx.language if ctx.language in ("zh_CN", "en") else "zh_CN",
        copy="customer",
    )
    return Loaded(
        signoff.id,
        signoff.job_id,
        job.number if job else "",
        job.status if job else "",
        current is not None and current.id == signoff.id,
        page,
        verification,
        history,
        revision,
        signoff.amends_id is not None,
        again,
    )


def _lenient(signoff: SignOff) -> dict[str, Any]:
    try:
        value = json.loads(signoff.content)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class SignatureDialog(QDialog):
    """The supervisor signs once; the picture is kept on this device and reused."""

    kept = Signal(str)  # the signature's SHA-256

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Your signature"))
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(
            styled_label(
                self.tr(
                    "Sign once. Your signature is kept on this device and printed on the "
                    "company copy of every report you approve."
                )
            )
        )
        self.pad = SignaturePad()
        self.pad.setObjectName("review_signature_pad")
        self.pad.setMinimumHeight(200)
        layout.addWidget(self.pad, 1)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        clear = button(self.tr("Clear"))
        clear.setObjectName("signature_clear")
        clear.clicked.connect(self.pad.clear)
        row.addWidget(clear)
        row.addStretch(1)
        cancel = button(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        row.addWidget(cancel)
        self.keep = button(self.tr("Keep and approve"), primary=True)
        self.keep.setObjectName("signature_keep")
        self.keep.clicked.connect(self._keep)
        row.addWidget(self.keep)
        layout.addLayout(row)

    def _keep(self) -> None:
        if not self.pad.has_valid_signature():
            self.error.show_message(self.tr("Please sign in the box."))
            return
        sha = self.ctx.blobs.put(self.pad.to_png())
        self.ctx.store.set_setting(SIGNATURE_SETTING, sha)
        self.accept()
        self.kept.emit(sha)


class ReturnDialog(QDialog):
    """Why the report goes back: a reason from the list and a comment (required)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Return for rework"))
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        layout.addWidget(styled_label(self.tr("Reason")))
        self.reason = QComboBox()
        self.reason.setObjectName("return_reason")
        for value in ReturnReason:
            self.reason.addItem(reason_text(value), value.value)
        layout.addWidget(self.reason)
        layout.addWidget(styled_label(self.tr("What must the engineer correct?")))
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("return_comment")
        self.comment.setMinimumHeight(120)
        layout.addWidget(self.comment)
        self.error = ErrorLabel()
        self.error.setObjectName("return_error")
        layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = button(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        row.addWidget(cancel)
        self.confirm = button(self.tr("Return"), danger=True)
        self.confirm.setObjectName("return_confirm")
        self.confirm.clicked.connect(self._check)
        row.addWidget(self.confirm)
        layout.addLayout(row)

    def _check(self) -> None:
        if not self.comment.toPlainText().strip():
            self.error.show_message(self.tr("Write what must be corrected."))
            self.comment.setFocus()
            return
        self.accept()

    def choice(self) -> tuple[ReturnReason, str]:
        return ReturnReason(self.reason.currentData()), self.comment.toPlainText().strip()


class ReportReviewView(QWidget):
    """The report, its verification, history and the decisions."""

    back = Signal()
    decided = Signal()  # a review was recorded locally
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current: Loaded | None = None
        self.signoff_id: str | None = None
        self.return_dialog: ReturnDialog | None = None
        self.signature_dialog: SignatureDialog | None = None
        self._generation = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        top = QHBoxLayout()
        self.back_button = button(self.tr("Back to the list"))
        self.back_button.setObjectName("review_back")
        self.back_button.clicked.connect(self.back)
        top.addWidget(self.back_button)
        self.heading = styled_label("", "title")
        top.addWidget(self.heading, 1)
        outer.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.browser = QTextBrowser()
        self.browser.setObjectName("review_report")
        self.browser.setOpenLinks(False)
        split.addWidget(self.browser)
        side = QWidget()
        self.side = QVBoxLayout(side)
        self.side.setContentsMargins(8, 0, 0, 0)
        self.mark = styled_label("")
        self.mark.setObjectName("verification_mark")
        self.mark.setTextFormat(Qt.TextFormat.RichText)
        self.side.addWidget(self.mark)
        self.problems = styled_label("")
        self.problems.setObjectName("verification_problems")
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.side.addWidget(self.problems)
        self.revision_card = Card(self.tr("Changes from the previous revision"))
        self.revision = styled_label("")
        self.revision.setObjectName("revision_differences")
        self.revision.setTextFormat(Qt.TextFormat.RichText)
        self.revision_card.body.addWidget(self.revision)
        self.side.addWidget(self.revision_card)
        history_card = Card(self.tr("History"))
        self.history = styled_label("")
        self.history.setObjectName("review_history")
        self.history.setTextFormat(Qt.TextFormat.RichText)
        history_card.body.addWidget(self.history)
        self.side.addWidget(history_card)
        self.side.addStretch(1)
        self.error = ErrorLabel()
        self.error.setObjectName("review_error")
        self.side.addWidget(self.error)
        actions = QHBoxLayout()
        self.return_button = button(self.tr("Return for rework"), danger=True)
        self.return_button.setObjectName("review_return")
        self.return_button.clicked.connect(self.ask_return)
        actions.addWidget(self.return_button)
        self.approve_button = button(self.tr("Approve"), primary=True)
        self.approve_button.setObjectName("review_approve")
        self.approve_button.clicked.connect(self.approve)
        actions.addWidget(self.approve_button)
        self.side.addLayout(actions)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setMinimumWidth(400)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([640, 420])  # the customer copy's width first
        outer.addWidget(split, 1)
        self._set_state("loading")

    # --- loading ----------------------------------------------------------------------

    def open(self, signoff_id: str) -> None:
        self.signoff_id = signoff_id
        self.current = None
        self.browser.clear()
        self.heading.setText("")
        self._set_state("loading")
        self.reload()

    def reload(self) -> None:
        if self.signoff_id is None:
            return
        self._generation += 1
        generation = self._generation
        self.ctx.task_manager.run(
            load_report,
            self.ctx,
            self.signoff_id,
            on_done=lambda loaded: self._show(generation, loaded),
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        log.error("Report review: %s", error)
        self.error.show_message(error_text(error))

    def _set_state(self, state: str) -> None:
        self.mark.setProperty("state", state)
        if state == "loading":
            self.mark.setText(html.escape(self.tr("Checking the report…")))
            self.problems.setText("")
            self._set_approvable(False)
            self.return_button.setEnabled(False)

    def _set_approvable(self, approvable: bool) -> None:
        """Approve is blue only while it can be tapped (the theme's primary colour would
        otherwise make a disabled Approve look ready)."""
        self.approve_button.setEnabled(approvable)
        self.approve_button.setProperty("primary", approvable)
        self.approve_button.style().unpolish(self.approve_button)
        self.approve_button.style().polish(self.approve_button)

    def _show(self, generation: int, loaded: Loaded) -> None:
        if generation != self._generation:
            return
        self.current = loaded
        self.error.clear_message()
        self.heading.setText(loaded.job_number)
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(loaded.html)
        self.browser.verticalScrollBar().setValue(scroll)
        self._show_verification(loaded)
        self._show_revision(loaded)
        self._show_history(loaded.history)
        waiting = loaded.job_status == JobStatus.SIGNED and loaded.in_force
        self._set_approvable(waiting and loaded.verification.ok)
        self.return_button.setEnabled(waiting)
        self.loaded.emit()

    def _show_verification(self, loaded: Loaded) -> None:
        check = loaded.verification
        big = "font-size: 22pt; font-weight: bold;"
        if check.failed:
            state = "failed"
            text = (
                f'<span style="{big} color: #b3261e;">✗ '
                + html.escape(self.tr("Does not match what was signed"))
                + "</span>"
            )
            lines = []
            if not check.hash_ok:
                lines.append(self.tr("The content no longer gives the signed hash."))
            if not check.signature_ok:
                lines.append(self.tr("The sign-off names another signature than the content."))
            for blob in check.mismatched:
                lines.append(
                    self.tr("A picture does not match its hash: %1").replace("%1", blob.sha256[:12])
                )
            problems = [html.escape(line) for line in lines]
            problems += [difference_html(d) for d in check.differences]
            self.problems.setText(
                '<div style="color: #b3261e;">' + "<br>".join(problems) + "</div>"
            )
        elif check.missing:
            state = "waiting"
            text = (
                f'<span style="{big} color: #8a5a00;">⏳ '
                + html.escape(self.tr("Photos or signature not arrived yet — sync"))
                + "</span>"
            )
            self.problems.setText(
                html.escape(self.tr("%n picture(s) still to come.", "", len(check.missing)))
            )
        else:
            state = "ok"
            text = (
                f'<span style="{big} color: #1b7f3b;">✓ '
                + html.escape(self.tr("Verified: as the customer signed"))
                + "</span>"
            )
            note = (
                self.tr("Hash, signature and photos match; the work recorded agrees.")
                if check.live_checked
                else self.tr("Hash, signature and photos match.")
            )
            self.problems.setText(html.escape(note))
        self._set_state(state)
        self.mark.setText(text)

    def _show_revision(self, loaded: Loaded) -> None:
        self.revision_card.setVisible(loaded.amends)
        if not loaded.amends:
            return
        rows = [f'<div style="{HIGHLIGHT}">{difference_html(d)}</div>' for d in loaded.revision]
        again = (
            self.tr("What the customer pays or what was done changed: they signed again.")
            if loaded.customer_signed_again
            else self.tr("Only the company's own records changed.")
        )
        self.revision.setText("".join(rows) + f"<p>{html.escape(again)}</p>")

    def _show_history(self, history: list[HistoryEntry]) -> None:
        lines = []
        for entry in history:
            line = (
                f"<b>{html.escape(history_text(entry.kind))}</b>"
                f" · {html.escape(local_time(entry.at))} · {html.escape(entry.who)}"
            )
            if entry.kind == HistoryKind.RETURNED:
                line += (
                    f"<br>{html.escape(reason_text(entry.reason))}: {html.escape(entry.comment)}"
                )
            lines.append(line + f' <span style="color: #666;">{entry.report_hash[:10]}</span>')
        self.history.setText("<br>".join(lines))

    # --- decisions --------------------------------------------------------------------

    def approve(self) -> None:
        self.error.clear_message()
        sha = kept_signature(self.ctx)
        if sha:
            self._approve_with(sha)
            return
        self.signature_dialog = SignatureDialog(self.ctx, self)
        self.signature_dialog.kept.connect(self._approve_with)
        self.signature_dialog.open()

    def _approve_with(self, signature: str) -> None:
        if self.current is None:
            return
        signoff_id = self.current.signoff_id
        try:
            with self.ctx.store.action() as session:
                signoff = session.get(SignOff, signoff_id)
                reviewer = session.get(User, self.ctx.user_id)
                assert signoff is not None and reviewer is not None
                review.approve(
                    session,
                    signoff,
                    reviewer,
                    blobs=self.ctx.blobs,
                    signature_sha256=signature,
                    now=self.ctx.now(),
                    device_id=self.ctx.device_id,
                )
        except DomainError as error:
            self.error.show_message(error_text(error))
            return
        self.decided.emit()
        self.reload()

    def ask_return(self) -> None:
        self.error.clear_message()
        self.return_dialog = ReturnDialog(self)
        self.return_dialog.accepted.connect(self._return)
        self.return_dialog.open()

    def _return(self) -> None:
        if self.current is None or self.return_dialog is None:
            return
        reason, comment = self.return_dialog.choice()
        signoff_id = self.current.signoff_id
        try:
            with self.ctx.store.action() as session:
                signoff = session.get(SignOff, signoff_id)
                reviewer = session.get(User, self.ctx.user_id)
                assert signoff is not None and reviewer is not None
                review.return_for_rework(
                    session,
                    signoff,
                    reviewer,
                    reason=reason,
                    comment=comment,
                    now=self.ctx.now(),
                    device_id=self.ctx.device_id,
                )
        except DomainError as error:
            self.error.show_message(error_text(error))
            return
        self.decided.emit()
        self.reload()
