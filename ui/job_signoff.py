"""The customer's sign-off: what is incomplete first (never silently accepted), a
summary of everything signed for, the signature pad, the signer's name, opinion and
rating. Signing freezes the job with the report's hash; the PDF report is made in the
back, ready to hand over, preview, print or save."""

from __future__ import annotations

import json
import logging
import shutil
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Job, User
from fieldapp.models.enums import Satisfaction
from fieldapp.views import JobView, Work
from fieldapp.work import Gap, report_gaps, sign_with_signature
from ui.i18n import CHINESE, ENGLISH
from ui.labels import label
from ui.report import render_report_pdf, report_html
from ui.signature import SignaturePad
from ui.widgets import Card, ErrorLabel, button, local_time, minutes_text, money, styled_label

if TYPE_CHECKING:
    from ui.jobpage import JobPage

log = logging.getLogger(__name__)
GAPS_LISTED = 4


def report_path(data_dir: Path, number: str, report_hash: str, language: str) -> Path:
    return data_dir / "reports" / f"{number}-{report_hash[:8]}-{language}.pdf"


class PreviewDialog(QDialog):
    def __init__(self, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Report preview"))
        self.resize(900, 700)
        layout = QVBoxLayout(self)
        view = QTextBrowser()
        view.setHtml(html)
        layout.addWidget(view)
        close = button(self.tr("Close"))
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)


class SignOffTab(QWidget):
    report_ready = Signal(str)  # path of the PDF

    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        self.view: JobView | None = None
        self.gaps: list[Gap] = []
        layout = QVBoxLayout(self)

        # Before signing.
        self.gaps_card = Card(self.tr("Incomplete — go through this with the customer"))
        self.gaps_text = styled_label("", "error")
        self.gaps_text.setTextFormat(Qt.TextFormat.RichText)
        self.gaps_card.body.addWidget(self.gaps_text)
        self.acknowledge = QCheckBox(
            self.tr("The customer has seen what is incomplete and signs anyway")
        )
        self.acknowledge.setObjectName("acknowledge")
        self.gaps_card.body.addWidget(self.acknowledge)
        layout.addWidget(self.gaps_card)

        self.summary_card = Card(self.tr("What the customer signs for"))
        self.summary = styled_label()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary_card.body.addWidget(self.summary)
        layout.addWidget(self.summary_card)

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
        pad_buttons = QHBoxLayout()
        clear = button(self.tr("Clear"))
        clear.clicked.connect(self.pad.clear)
        undo = button(self.tr("Undo stroke"))
        undo.clicked.connect(self.pad.undo)
        redo = button(self.tr("Redo stroke"))
        redo.clicked.connect(self.pad.redo)
        for widget in (clear, undo, redo):
            pad_buttons.addWidget(widget)
        pad_buttons.addStretch(1)
        self.sign_button = button(self.tr("Sign and close the report"), primary=True)
        self.sign_button.setObjectName("sign")
        self.sign_button.clicked.connect(self.sign)
        pad_buttons.addWidget(self.sign_button)
        self.sign_card.body.addLayout(pad_buttons)
        self.sign_error = ErrorLabel()
        self.sign_card.body.addWidget(self.sign_error)
        layout.addWidget(self.sign_card)

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
        self.report_status = ErrorLabel()
        self.signed_card.body.addWidget(self.report_status)
        layout.addWidget(self.signed_card)
        layout.addStretch(1)
        self.last_pdf: Path | None = None

    # --- showing ----------------------------------------------------------------------

    def show_job(self, view: JobView, work: Work) -> None:
        self.view = view
        signed = view.sign_off is not None and view.frozen
        can_sign = view.can_record_work or (view.job.status == "returned")
        self.signed_card.setVisible(signed)
        self.sign_card.setVisible(can_sign and not signed)
        self.gaps_card.setVisible(False)
        if not signed:
            self._show_summary(view, work)
            if can_sign:
                self.refresh_gaps()
                if not self.signer.text():
                    self.signer.setText(view.job.contact_name)
        else:
            self.summary_card.setVisible(False)
            s = view.sign_off
            assert s is not None
            self.signed_text.setText(
                self.tr("Signed by %1 on %2.")
                .replace("%1", escape(s.signer_name))
                .replace("%2", local_time(s.signed_at))
                + "<br>"
                + self.tr("Report hash")
                + f": <code>{s.report_hash}</code>"
            )

    def refresh_gaps(self) -> None:
        if self.view is None:
            return
        with self.page.ctx.store.reader() as session:
            job = session.get(Job, self.view.job.id)
            assert job is not None
            self.gaps = report_gaps(session, job, language="zh" if self.page.ctx.chinese else "en")
        self.gaps_card.setVisible(bool(self.gaps) and self.sign_card.isVisibleTo(self))
        self.acknowledge.setChecked(False)
        grouped: dict[str, list[str]] = {}
        for gap in self.gaps:
            grouped.setdefault(gap.code, []).append(gap.subject)
        lines = []
        for code, subjects in grouped.items():
            separator = "、" if self.page.ctx.chinese else ", "
            shown = separator.join(escape(s) for s in subjects[:GAPS_LISTED])
            if len(subjects) > GAPS_LISTED:
                shown += " " + self.tr("and %n more", "", len(subjects) - GAPS_LISTED)
            lines.append(f"• <b>{label('gap', code)}</b> ({len(subjects)}): {shown}")
        self.gaps_text.setText("<br>".join(lines))

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
                f"{label('assembly', f.assembly)}: {escape(f.symptom)}"
                f" → {escape(f.action)} ({state})"
            )
        for used in work.parts:
            u = used.usage
            charge = self.tr("warranty") if u.warranty else money(u.quantity * u.unit_price_cents)
            rows.append(
                f"{escape(used.part.part_no)} {escape(used.part.name_zh)} × {u.quantity} · {charge}"
            )
        rows.append(
            self.tr("Labour %1 · travel %2")
            .replace("%1", minutes_text(work.labour_minutes))
            .replace("%2", minutes_text(work.travel_minutes))
        )
        rows.append(self.tr("Photos: %1").replace("%1", str(len(work.photos))))
        rows.append(
            "<b>"
            + self.tr("Total to pay %1").replace("%1", money(work.charges.total_cents))
            + "</b> · "
            + self.tr("covered by warranty %1").replace("%1", money(work.charges.warranty_cents))
        )
        self.summary.setText("<br>".join(rows))

    # --- signing -------------------------------------------------------------------------

    def satisfaction(self) -> str | None:
        checked = self.rating.checkedButton()
        return str(checked.property("value")) if checked else None

    def sign(self) -> None:
        self.signer_error.clear_message()
        self.sign_error.clear_message()
        self.refresh_gaps()
        ok = True
        if not self.signer.text().strip():
            self.signer_error.show_message(label("error", "signer_required"))
            ok = False
        if not self.pad.has_valid_signature():
            self.sign_error.show_message(label("error", "signature_required"))
            ok = False
        if self.gaps and not self.acknowledge.isChecked():
            self.sign_error.show_message(
                self.tr("Go through what is incomplete with the customer first, then tick the box.")
            )
            ok = False
        if not ok:
            return
        png = self.pad.to_png()
        signer, opinion = self.signer.text(), self.opinion.toPlainText()
        rating, device, blobs = self.satisfaction(), self.page.ctx.device_id, self.page.ctx.blobs

        def change(session: Any, job: Job, user: User) -> None:
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
            )

        error = self.page.write(change)
        if error:
            self.sign_error.show_message(error)
            return
        self.pad.clear()
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

    def make_pdf(self, language: str, then: Any = None) -> None:
        """Render the PDF in the back; ``then(path)`` runs when it is written."""
        if self.view is None or self.view.sign_off is None:
            return
        content, report_hash, verify = self._report_args()
        path = report_path(self.page.ctx.data_dir, self.view.job.number, report_hash, language)
        self.report_status.show_message(self.tr("Making the PDF report…"), "muted")

        def render() -> Path:
            if path.exists():
                return path
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            render_report_pdf(
                content, report_hash, self._blob, partial, language=language, verify_url=verify
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

        def build() -> list[str]:
            return [
                report_html(
                    content,
                    report_hash,
                    self._blob,
                    language=language,
                    copy=copy,
                    verify_url=verify,
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
