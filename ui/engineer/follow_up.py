""" "Needs another visit" (一次服务不到位): the engineer opens the follow-up job from the
job page or the sign-off, offline too — why another visit is needed, the parts to bring
(searched as on the parts tab), the wished time, and whether it stays theirs. The
follow-up goes to the supervisor's board at the next sync
(:func:`fieldapp.services.revisit.create_follow_up`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp.clock import as_utc
from fieldapp.models import Job, User
from fieldapp.search import search_parts_for_model
from fieldapp.services.revisit import create_follow_up
from ui.common.context import AppContext
from ui.common.widgets import ErrorLabel, button, clear_layout, styled_label

if TYPE_CHECKING:
    from ui.engineer.jobpage import JobPage

RESULTS = 20  # the search shows the best matches; typing more narrows them


@dataclass
class Chosen:
    part_id: str
    text: str
    quantity: int


class NeedsAnotherVisitDialog(QDialog):
    def __init__(
        self, ctx: AppContext, model_id: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model_id = model_id
        self.chosen: list[Chosen] = []
        self.setWindowTitle(self.tr("Needs another visit"))
        self.setMinimumWidth(760)
        layout = QVBoxLayout(self)
        layout.addWidget(styled_label(self.tr("Why is another visit needed?") + " *"))
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("follow_up_reason")
        self.reason.setPlaceholderText(self.tr("e.g. the main pump must be replaced"))
        self.reason.setMaximumHeight(96)
        layout.addWidget(self.reason)

        layout.addWidget(styled_label(self.tr("Parts to bring"), "section"))
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("follow_up_part_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Part number, name or pinyin initials"))
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        row.addWidget(self.search, 1)
        self.quantity = QSpinBox()
        self.quantity.setObjectName("follow_up_quantity")
        self.quantity.setRange(1, 999)
        self.quantity.setMinimumWidth(110)
        row.addWidget(self.quantity)
        self.add_part = button(self.tr("Add part"))
        self.add_part.setObjectName("follow_up_add_part")
        self.add_part.clicked.connect(self._add)
        row.addWidget(self.add_part)
        layout.addLayout(row)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(200)
        self.search_timer.timeout.connect(self.run_search)
        self.results = QListWidget()
        self.results.setObjectName("follow_up_results")
        self.results.setMinimumHeight(150)
        self.results.setStyleSheet("QListWidget::item { min-height: 48px; }")
        layout.addWidget(self.results)
        self.parts_box = QVBoxLayout()
        layout.addLayout(self.parts_box)

        when = QHBoxLayout()
        self.wished = QCheckBox(self.tr("Wished time"))
        self.wished.setObjectName("follow_up_wished")
        self.wished.setMinimumHeight(48)
        self.wished.toggled.connect(lambda on: self.when.setEnabled(on))
        when.addWidget(self.wished)
        self.when = QDateTimeEdit()
        self.when.setObjectName("follow_up_when")
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        start = (datetime.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        self.when.setDateTime(QDateTime(start))
        self.when.setEnabled(False)
        when.addWidget(self.when)
        when.addStretch(1)
        layout.addLayout(when)
        self.assign_to_me = QCheckBox(self.tr("Assign to me (else it goes to the dispatch board)"))
        self.assign_to_me.setObjectName("follow_up_assign_to_me")
        self.assign_to_me.setMinimumHeight(48)
        layout.addWidget(self.assign_to_me)

        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = button(self.tr("Cancel"))
        cancel.setObjectName("follow_up_cancel")
        cancel.clicked.connect(self.reject)
        buttons.addWidget(cancel)
        self.create = button(self.tr("Create follow-up job"), primary=True)
        self.create.setObjectName("follow_up_create")
        self.create.clicked.connect(self._check)
        buttons.addWidget(self.create)
        layout.addLayout(buttons)
        self.run_search()
        self._show_parts()

    def run_search(self) -> None:
        self.search_timer.stop()
        self.results.clear()
        with self.ctx.store.reader() as session:
            page = search_parts_for_model(session, self.search.text(), self.model_id, limit=RESULTS)
            found = [(m.part.id, f"{m.part.part_no}  {self._name(m.part)}") for m in page.matches]
        for part_id, text in found:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, part_id)
            self.results.addItem(item)
        if found and self.search.text().strip():
            self.results.setCurrentRow(0)  # the best match, as a scanner's Enter picks it

    def _name(self, part: Any) -> str:
        return part.name_zh if self.ctx.chinese else (part.name_en or part.name_zh)

    def _add(self) -> None:
        item = self.results.currentItem()
        if item is None:
            self.error.show_message(self.tr("Pick a part first."))
            return
        part_id = item.data(Qt.ItemDataRole.UserRole)
        quantity = self.quantity.value()
        for chosen in self.chosen:
            if chosen.part_id == part_id:
                chosen.quantity += quantity
                break
        else:
            self.chosen.append(Chosen(part_id, item.text(), quantity))
        self.error.clear_message()
        self.quantity.setValue(1)
        self.search.clear()
        self._show_parts()

    def _remove(self, part_id: str) -> None:
        self.chosen = [c for c in self.chosen if c.part_id != part_id]
        self._show_parts()

    def _show_parts(self) -> None:
        clear_layout(self.parts_box)
        if not self.chosen:
            self.parts_box.addWidget(
                styled_label(self.tr("No part to bring: add one above, or none."), "muted")
            )
            return
        for chosen in self.chosen:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(styled_label(f"{chosen.text} × {chosen.quantity}"), 1)
            remove = button(self.tr("Remove"))
            remove.setObjectName(f"follow_up_remove_{chosen.part_id}")
            remove.clicked.connect(lambda _c=False, p=chosen.part_id: self._remove(p))
            line.addWidget(remove)
            self.parts_box.addWidget(row)

    def wished_at(self) -> datetime | None:
        if not self.wished.isChecked():
            return None
        return as_utc(self.when.dateTime().toPython().astimezone())  # type: ignore[union-attr]

    def _check(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.show_message(self.tr("Please give a reason."))
            return
        wished = self.wished_at()
        if wished is not None and wished < self.ctx.now():
            self.error.show_message(self.tr("The wished time is in the past."))
            return
        self.accept()

    def parts(self) -> list[tuple[str, int]]:
        return [(c.part_id, c.quantity) for c in self.chosen]


def ask_follow_up(page: JobPage, anchor: QWidget, on_error: Any) -> NeedsAnotherVisitDialog:
    """Open the dialog for the page's job; on "Create" the follow-up is written in one
    transaction and ``on_error(text)`` is told what went wrong (or "" when saved)."""
    view = page.view
    model = view.machine.model if view is not None and view.machine else None
    dialog = NeedsAnotherVisitDialog(page.ctx, model.id if model else None, anchor)
    page.follow_up_dialog = dialog  # type: ignore[attr-defined]  (tests find it here)

    def create() -> None:
        reason = dialog.reason.toPlainText()
        parts = dialog.parts()
        wished = dialog.wished_at()
        mine = dialog.assign_to_me.isChecked()
        device = page.ctx.device_id
        now = page.ctx.now()

        def change(session: Any, job: Job, user: User) -> None:
            create_follow_up(
                session,
                job,
                user,
                reason=reason,
                parts=parts,
                wished_at=wished,
                assign_to_self=mine,
                now=now,
                device_id=device,
            )

        on_error(page.write(change) or "")

    dialog.accepted.connect(create)
    dialog.open()
    return dialog
