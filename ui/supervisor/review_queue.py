"""The review queue (审核): the signed reports of the supervisor's team, newest first,
paged lazily as the list scrolls (Qt model/view, ``fetchMore``), with a filter bar whose
choices carry their counts. Tapping a report opens it in the same page, rendered from
the signed content with its verification (:mod:`ui.supervisor.report_review`). "Select
clean reports" approves every report without a flag at once, after showing their exact
count and total.

Every read runs in the back (``ctx.task_manager``): the index of the new sign-offs, the
page and the counts (:mod:`fieldapp.services.review`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QListView,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import User
from fieldapp.rules.review import Flag, WarrantyShare
from fieldapp.services import review
from fieldapp.services.common import DomainError
from fieldapp.services.review import CLEAN, Deadline, QueueFilter, QueueRow, QueueStatus
from ui.common.context import AppContext
from ui.common.labels import error_text, label
from ui.common.widgets import ErrorLabel, button, local_time, money, styled_label
from ui.supervisor.report_review import (
    ReportReviewView,
    SignatureDialog,
    flag_text,
    kept_signature,
    status_text,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 60
ROW_HEIGHT = 76  # px: two lines, a finger's height and more
FLAGGED = QColor("#b3261e")


def deadline_text(value: str) -> str:
    return {
        Deadline.MET: QCoreApplication.translate("ReviewQueue", "Deadline met"),
        Deadline.MISSED: QCoreApplication.translate("ReviewQueue", "Deadline missed"),
        Deadline.NONE: QCoreApplication.translate("ReviewQueue", "No deadline"),
    }.get(Deadline(value), value)


def warranty_text(value: str) -> str:
    return {
        WarrantyShare.ALL: QCoreApplication.translate("ReviewQueue", "All under warranty"),
        WarrantyShare.SOME: QCoreApplication.translate("ReviewQueue", "Partly under warranty"),
        WarrantyShare.NONE: QCoreApplication.translate("ReviewQueue", "No warranty"),
    }.get(WarrantyShare(value), value)


#: The period filter: days back from today (None: any time).
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("any", None),
    ("today", 0),
    ("week", 6),
    ("month", 29),
)


def period_text(key: str) -> str:
    return {
        "any": QCoreApplication.translate("ReviewQueue", "Any time"),
        "today": QCoreApplication.translate("ReviewQueue", "Signed today"),
        "week": QCoreApplication.translate("ReviewQueue", "Last 7 days"),
        "month": QCoreApplication.translate("ReviewQueue", "Last 30 days"),
    }[key]


@dataclass(frozen=True)
class FirstPage:
    page: review.QueuePage
    engineers: list[tuple[str, str]]  # (id, name)


class QueueModel(QAbstractListModel):
    """The reports loaded so far; asks its page for more as the view scrolls."""

    RowRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, page: ReviewQueuePage) -> None:
        super().__init__(page)
        self.page = page
        self.rows: list[QueueRow] = []
        self.cursor: str | None = None
        self.loading = False

    def reset(self, rows: list[QueueRow], cursor: str | None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.cursor = cursor
        self.loading = False
        self.endResetModel()

    def append(self, rows: list[QueueRow], cursor: str | None) -> None:
        self.loading = False
        self.cursor = cursor
        if not rows:
            return
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self.cursor is not None and not self.loading

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self.canFetchMore(parent):
            self.loading = True
            self.page.load_more(self.cursor)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row)
        if role == Qt.ItemDataRole.ForegroundRole and row.flags:
            return FLAGGED
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(0, ROW_HEIGHT)
        if role == self.RowRole:
            return row
        return None

    @staticmethod
    def text(row: QueueRow) -> str:
        first = " · ".join(
            part for part in (row.job_number, row.customer_name, row.engineer_name) if part
        )
        facts = [
            local_time(row.signed_at),
            status_text(row.status),
            label("job_type", row.job_type),
            money(row.amount_cents),
            deadline_text(row.deadline),
        ]
        flags = "  ⚑ " + "、".join(flag_text(f) for f in sorted(row.flags)) if row.flags else ""
        return f"{first}\n{' · '.join(facts)}{flags}"


def _first_page(ctx: AppContext, filters: QueueFilter, full: bool) -> FirstPage:
    with ctx.store.action(track=False) as session:
        indexed = review.refresh_index(session, full=full)
    if indexed:
        log.info("Review index: %d sign-offs added", indexed)
    with ctx.store.reader() as session:
        reviewer = session.get(User, ctx.user_id)
        if reviewer is None:  # before the first sync brought the user: nothing to review
            return FirstPage(review.QueuePage([], None), [])
        page = review.review_queue(session, reviewer, filters, limit=PAGE_SIZE)
        engineers = [(u.id, u.display_name) for u in review.queue_engineers(session, reviewer)]
    return FirstPage(page, engineers)


def _counts(ctx: AppContext, filters: QueueFilter) -> review.QueueCounts:
    with ctx.store.reader() as session:
        reviewer = session.get(User, ctx.user_id)
        if reviewer is None:
            return review.QueueCounts()
        return review.queue_counts(session, reviewer, filters)


def _next_page(ctx: AppContext, filters: QueueFilter, after: str) -> review.QueuePage:
    with ctx.store.reader() as session:
        reviewer = session.get(User, ctx.user_id)
        if reviewer is None:
            raise LookupError("The device's user is not in the local store yet.")
        return review.review_queue(session, reviewer, filters, after=after, limit=PAGE_SIZE)


def _clean(ctx: AppContext, filters: QueueFilter) -> review.CleanSelection:
    with ctx.store.reader() as session:
        reviewer = session.get(User, ctx.user_id)
        if reviewer is None:
            raise LookupError("The device's user is not in the local store yet.")
        return review.clean_reports(session, reviewer, filters)


class BulkApproveDialog(QDialog):
    """The clean reports' exact count and total, confirmed with one tap."""

    def __init__(self, selection: review.CleanSelection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.setWindowTitle(self.tr("Approve clean reports"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        if selection.count:
            text = self.tr("%n report(s) without any flag, total %1.", "", selection.count)
            self.message = styled_label(text.replace("%1", money(selection.total_cents)))
            layout.addWidget(
                styled_label(
                    self.tr("Each is verified again; if one fails, none is approved."), "muted"
                )
            )
        else:
            self.message = styled_label(self.tr("No report without a flag is waiting."))
        layout.insertWidget(0, self.message)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = button(self.tr("Cancel"))
        cancel.setObjectName("bulk_cancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(cancel)
        self.confirm = button(self.tr("Approve all"), primary=True)
        self.confirm.setObjectName("bulk_confirm")
        self.confirm.setEnabled(selection.count > 0)
        self.confirm.clicked.connect(self.accept)
        row.addWidget(self.confirm)
        layout.addLayout(row)


class ReviewQueuePage(QWidget):
    """The supervisor's review page (a desk page)."""

    changed = Signal()
    open_job = Signal(str)
    loaded = Signal()  # a first page is on screen (tests and screenshots wait for it)
    counted = Signal()  # the filters' counts are on screen

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.generation = 0
        self.swept = False  # the index's full pass, once per page (see refresh_index)
        self.engineers: list[tuple[str, str]] = []
        self.filters = QueueFilter()
        self.bulk_dialog: BulkApproveDialog | None = None
        self.signature_dialog: SignatureDialog | None = None
        self._filling = False
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.list_panel = QWidget()
        self.stack.addWidget(self.list_panel)
        self.report = ReportReviewView(ctx)
        self.report.back.connect(self.show_list)
        self.report.decided.connect(self._decided)
        self.stack.addWidget(self.report)
        layout = QVBoxLayout(self.list_panel)
        layout.setContentsMargins(16, 12, 16, 12)
        head = QHBoxLayout()
        self.heading = styled_label(self.title(), "title")
        head.addWidget(self.heading, 1)
        self.bulk = button(self.tr("Select clean reports"))
        self.bulk.setObjectName("review_bulk")
        self.bulk.clicked.connect(self.select_clean)
        head.addWidget(self.bulk)
        layout.addLayout(head)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.combos: dict[str, QComboBox] = {}
        for position, name in enumerate(
            ("status", "engineer", "job_type", "period", "deadline", "warranty", "flag", "")
        ):
            if not name:
                continue
            combo = QComboBox()
            combo.setObjectName(f"filter_{name}")
            combo.setMinimumHeight(48)
            combo.currentIndexChanged.connect(self._filter_changed)
            self.combos[name] = combo
            grid.addWidget(combo, position // 4, position % 4)
        layout.addLayout(grid)
        self.summary = styled_label("", "muted")
        layout.addWidget(self.summary)
        self.notice = styled_label("")  # what the last bulk approval did
        self.notice.setObjectName("review_notice")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.model = QueueModel(self)
        self.view = QListView()
        self.view.setObjectName("review_list")
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setWordWrap(False)
        self.view.clicked.connect(self._open_index)
        layout.addWidget(self.view, 1)
        self._fill_combos(review.QueueCounts(), [])

    def title(self) -> str:
        return self.tr("Reports to review")

    # --- loading ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload from the store (shown, after a sync, after a decision)."""
        self.generation += 1
        generation = self.generation
        self.error.clear_message()
        self.ctx.task_manager.run(
            _first_page,
            self.ctx,
            self.filters,
            not self.swept,
            on_done=lambda result: self._first_loaded(generation, result),
            on_error=self._failed,
            owner=self,
        )
        self.swept = True
        if self.stack.currentWidget() is self.report:
            self.report.reload()

    def _first_loaded(self, generation: int, result: FirstPage) -> None:
        if generation != self.generation:
            return  # the filters changed meanwhile: a newer load is on its way
        self.model.reset(result.page.rows, result.page.next_cursor)
        self.engineers = result.engineers
        self.loaded.emit()
        # The counts read every report: after the page is on screen.
        self.ctx.task_manager.run(
            _counts,
            self.ctx,
            self.filters,
            on_done=lambda counts: self._counts_loaded(generation, counts),
            on_error=self._failed,
            owner=self,
        )

    def _counts_loaded(self, generation: int, counts: review.QueueCounts) -> None:
        if generation != self.generation:
            return
        self._fill_combos(counts, self.engineers)
        self.summary.setText(self.tr("%n report(s)", "", counts.total))
        self.counted.emit()

    def load_more(self, after: str | None) -> None:
        if after is None:
            return
        generation = self.generation
        self.ctx.task_manager.run(
            _next_page,
            self.ctx,
            self.filters,
            after,
            on_done=lambda page: self._more_loaded(generation, page),
            on_error=self._failed,
            owner=self,
        )

    def _more_loaded(self, generation: int, page: review.QueuePage) -> None:
        if generation == self.generation:
            self.model.append(page.rows, page.next_cursor)

    def _failed(self, error: BaseException) -> None:
        log.error("Review queue: %s", error)
        self.model.loading = False
        self.error.show_message(error_text(error))

    # --- filters ----------------------------------------------------------------------

    def _fill_combos(self, counts: review.QueueCounts, engineers: list[tuple[str, str]]) -> None:
        def counted(text: str, number: int | None) -> str:
            return f"{text} ({number})" if number is not None else text

        status_counts = counts.status
        choices: dict[str, list[tuple[str, Any]]] = {
            "status": [(self.tr("All statuses"), None)]
            + [(counted(status_text(s), status_counts.get(s, 0)), s) for s in QueueStatus],
            "engineer": [(self.tr("All engineers"), None)]
            + [(counted(name, counts.engineer.get(uid, 0)), uid) for uid, name in engineers],
            "job_type": [(self.tr("All job types"), None)]
            + [
                (counted(label("job_type", code), number), code)
                for code, number in sorted(counts.job_type.items())
            ],
            "period": [(period_text(key), key) for key, _days in PERIODS],
            "deadline": [(self.tr("Any deadline"), None)]
            + [(counted(deadline_text(d), counts.deadline.get(d, 0)), d) for d in Deadline],
            "warranty": [(self.tr("Any warranty share"), None)]
            + [
                (counted(warranty_text(w), counts.warranty.get(w, 0)), w)
                for w in (WarrantyShare.NONE, WarrantyShare.SOME, WarrantyShare.ALL)
            ],
            "flag": [
                (self.tr("Any flags"), None),
                (counted(flag_text(CLEAN), counts.flag.get(CLEAN, 0)), CLEAN),
            ]
            + [(counted(flag_text(f), counts.flag.get(f, 0)), f) for f in Flag],
        }
        current = self._current_values()
        self._filling = True
        try:
            for name, combo in self.combos.items():
                combo.clear()
                wanted = current.get(name)
                for text, value in choices[name]:
                    combo.addItem(text, value)
                if wanted is not None and combo.findData(wanted) < 0:
                    combo.addItem(str(wanted), wanted)  # keep a choice with no report now
                combo.setCurrentIndex(max(0, combo.findData(wanted)) if wanted else 0)
        finally:
            self._filling = False

    def _current_values(self) -> dict[str, Any]:
        f = self.filters
        return {
            "status": f.status,
            "engineer": f.engineer_id,
            "job_type": f.job_type,
            "period": self._period,
            "deadline": f.deadline,
            "warranty": f.warranty,
            "flag": f.flag,
        }

    _period = "any"

    def set_filter(self, name: str, value: Any) -> None:
        """Choose ``value`` in the filter ``name`` (as a tap on its list does)."""
        combo = self.combos[name]
        combo.setCurrentIndex(combo.findData(value))

    def _filter_changed(self) -> None:
        if self._filling:
            return
        values = {name: combo.currentData() for name, combo in self.combos.items()}
        self._period = values.get("period") or "any"
        days = dict(PERIODS)[self._period]
        today: date = self.ctx.today()
        self.filters = QueueFilter(
            engineer_id=values["engineer"],
            date_from=today - timedelta(days=days) if days is not None else None,
            date_to=today if days is not None else None,
            job_type=values["job_type"],
            status=QueueStatus(values["status"]) if values["status"] else None,
            deadline=Deadline(values["deadline"]) if values["deadline"] else None,
            warranty=WarrantyShare(values["warranty"]) if values["warranty"] else None,
            flag=values["flag"],
        )
        self.refresh()

    # --- a report ---------------------------------------------------------------------

    def _open_index(self, index: QModelIndex) -> None:
        row = index.data(QueueModel.RowRole)
        if isinstance(row, QueueRow):
            self.open_report(row.signoff_id)

    def open_report(self, signoff_id: str) -> None:
        self.report.open(signoff_id)
        self.stack.setCurrentWidget(self.report)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_panel)

    def _decided(self) -> None:
        self.changed.emit()
        self.refresh()

    # --- bulk -------------------------------------------------------------------------

    def select_clean(self) -> None:
        self.error.clear_message()
        self.notice.hide()
        self.ctx.task_manager.run(
            _clean,
            self.ctx,
            self.filters,
            on_done=self._ask_bulk,
            on_error=self._failed,
            owner=self,
        )

    def _ask_bulk(self, selection: review.CleanSelection) -> None:
        self.bulk_dialog = BulkApproveDialog(selection, self)
        self.bulk_dialog.accepted.connect(lambda: self._with_signature(selection))
        self.bulk_dialog.open()

    def _with_signature(self, selection: review.CleanSelection) -> None:
        sha = kept_signature(self.ctx)
        if sha:
            self._bulk_approve(selection, sha)
            return
        self.signature_dialog = SignatureDialog(self.ctx, self)
        self.signature_dialog.kept.connect(lambda kept: self._bulk_approve(selection, kept))
        self.signature_dialog.open()

    def _bulk_approve(self, selection: review.CleanSelection, signature: str) -> None:
        try:
            with self.ctx.store.action() as session:
                reviewer = session.get(User, self.ctx.user_id)
                assert reviewer is not None
                review.bulk_approve(
                    session,
                    selection.signoff_ids,
                    reviewer,
                    blobs=self.ctx.blobs,
                    signature_sha256=signature,
                    now=self.ctx.now(),
                    device_id=self.ctx.device_id,
                )
        except DomainError as error:
            self.error.show_message(error_text(error))
            return
        self.notice.setText(self.tr("%n report(s) approved.", "", selection.count))
        self.notice.show()
        self._decided()
