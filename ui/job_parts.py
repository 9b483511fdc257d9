"""Parts: picked from the catalogue by number, Chinese or English name or pinyin
initials (a barcode scanner that types and presses Enter works), from the van stock,
warranty or chargeable as the rules decide, overridable with a reason; and parts
requests for what the van lacks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QSpinBox,
    QVBoxLayout,
)

from fieldapp.models import Job, Part, PartUsage, User
from fieldapp.queries import search_parts
from fieldapp.services import line_charge, stock_on_hand, use_part
from fieldapp.views import JobView, Work
from fieldapp.work import remove_entry, request_parts, van_of
from ui.job_work import EntryList
from ui.labels import label
from ui.widgets import Card, ErrorLabel, LazyTab, button, money, styled_label

if TYPE_CHECKING:
    from ui.jobpage import JobPage

PAGE = 50


@dataclass(frozen=True)
class PartHit:
    part: Part
    on_van: int
    chargeable: bool
    reason: str


class PartSearchModel(QAbstractListModel):
    """Search results, a page at a time."""

    def __init__(self, tab: PartsTab) -> None:
        super().__init__()
        self.tab = tab
        self.query = ""
        self.hits: list[PartHit] = []
        self.exhausted = True

    def search(self, query: str) -> None:
        self.beginResetModel()
        self.query = query
        self.hits = []
        self.exhausted = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.hits)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and not self.exhausted

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if self.exhausted:
            return
        ctx = self.tab.page.ctx
        today = ctx.today()
        with ctx.store.reader() as session:
            parts = search_parts(session, self.query, offset=len(self.hits), limit=PAGE)
            job = session.get(Job, self.tab.page.job_id)
            hits = []
            for part in parts:
                decision = line_charge(session, job, today, part=part) if job else None
                hits.append(
                    PartHit(
                        part,
                        self.tab.van_stock.get(part.id, 0),
                        decision.chargeable if decision else True,
                        decision.reason if decision else "",
                    )
                )
            session.expunge_all()
        if len(parts) < PAGE:
            self.exhausted = True
        if hits:
            start = len(self.hits)
            self.beginInsertRows(QModelIndex(), start, start + len(hits) - 1)
            self.hits.extend(hits)
            self.endInsertRows()

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            part = hit.part
            name = part.name_zh if self.tab.page.ctx.chinese else (part.name_en or part.name_zh)
            stock = QCoreApplication.translate("PartsTab", "%1 on the van").replace(
                "%1", str(hit.on_van)
            )
            charge = label("charge", hit.reason)
            return f"{part.part_no}  {name}   {money(part.price_cents)}   {stock}   {charge}"
        if role == Qt.ItemDataRole.UserRole:
            return hit
        return None


class PartsTab(LazyTab):
    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        self.van_id: str | None = None
        self.van_stock: dict[str, int] = {}
        layout = QVBoxLayout(self)

        self.pick_card = Card(self.tr("Use a part"))
        self.search = QLineEdit()
        self.search.setObjectName("part_search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            self.tr("Part number, name in Chinese or English, pinyin initials — or scan")
        )
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self._scanned)
        self.pick_card.body.addWidget(self.search)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(200)
        self.search_timer.timeout.connect(lambda: self.model.search(self.search.text()))
        self.model = PartSearchModel(self)
        self.results = QListView()
        self.results.setObjectName("part_results")
        self.results.setModel(self.model)
        self.results.setUniformItemSizes(True)
        self.results.setMinimumHeight(260)
        self.results.setStyleSheet("QListView::item { min-height: 48px; }")
        self.results.selectionModel().currentChanged.connect(self._picked)
        self.pick_card.body.addWidget(self.results)
        self.chosen = styled_label(self.tr("Pick a part above."), "muted")
        self.pick_card.body.addWidget(self.chosen)
        row = QHBoxLayout()
        row.addWidget(styled_label(self.tr("Quantity")))
        self.quantity = QSpinBox()
        self.quantity.setObjectName("quantity")
        self.quantity.setRange(1, 999)
        self.quantity.setMinimumWidth(120)
        row.addWidget(self.quantity)
        self.override = QCheckBox(self.tr("Override the charge decision"))
        self.override.setObjectName("override")
        self.override.toggled.connect(lambda on: self.override_reason.setVisible(on))
        row.addWidget(self.override)
        row.addStretch(1)
        self.request_button = button(self.tr("Request from the warehouse"))
        self.request_button.clicked.connect(self._request)
        row.addWidget(self.request_button)
        self.use_button = button(self.tr("Use part"), primary=True)
        self.use_button.setObjectName("use_part")
        self.use_button.clicked.connect(self._use)
        row.addWidget(self.use_button)
        self.pick_card.body.addLayout(row)
        self.override_reason = QLineEdit()
        self.override_reason.setObjectName("override_reason")
        self.override_reason.setPlaceholderText(self.tr("Why the rule's decision does not apply"))
        self.override_reason.hide()
        self.pick_card.body.addWidget(self.override_reason)
        self.error = ErrorLabel()
        self.pick_card.body.addWidget(self.error)
        layout.addWidget(self.pick_card)

        self.used_card = Card(self.tr("Parts used on this job"))
        self.used = EntryList()
        self.used_card.body.addWidget(self.used)
        layout.addWidget(self.used_card)
        self.requests_card = Card(self.tr("Parts requested"))
        self.requests = EntryList()
        self.requests_card.body.addWidget(self.requests)
        layout.addWidget(self.requests_card)
        layout.addStretch(1)
        self.editable = False

    def load(self, view: JobView, work: Work) -> None:
        self.editable = view.can_record_work
        self.pick_card.setVisible(self.editable)
        user = self.page.ctx.user()
        with self.page.ctx.store.reader() as session:
            van = van_of(session, user)
            self.van_id = van.id if van else None
            self.van_stock = stock_on_hand(session, van.id) if van else {}
        if self.editable:
            self.model.search(self.search.text())
        chinese = self.page.ctx.chinese
        self.used.clear()
        for used in work.parts:
            u, part = used.usage, used.part
            name = part.name_zh if chinese else (part.name_en or part.name_zh)
            line = 0 if u.warranty else u.quantity * u.unit_price_cents
            charge = self.tr("warranty") if u.warranty else self.tr("chargeable")
            html = (
                f"<b>{part.part_no}</b> {name} × {u.quantity} · {charge} · <b>{money(line)}</b>"
                + (
                    "<br>" + self.tr("Override") + f": {u.override_reason}"
                    if u.override_reason
                    else ""
                )
            )
            actions = [(self.tr("Remove"), lambda i=u.id: self._remove(i))]
            self.used.add(html, actions if self.editable else [])
        if not work.parts:
            self.used.empty(self.tr("No parts used yet."))
        self.requests.clear()
        for request, lines in work.requests:
            text = ", ".join(f"{part.part_no} × {line.quantity}" for line, part in lines)
            self.requests.add(f"{text} · {label('request_status', request.status)}", [])
        self.requests_card.setVisible(bool(work.requests))

    def selected(self) -> PartHit | None:
        index = self.results.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def _picked(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit: PartHit | None = current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None
        if hit is None:
            return
        self.chosen.setText(
            f"<b>{hit.part.part_no}</b> {hit.part.name_zh} · {label('charge', hit.reason)}"
        )
        self.override.setText(
            self.tr("Charge it anyway") if not hit.chargeable else self.tr("Give it under warranty")
        )
        self.error.clear_message()

    def _scanned(self) -> None:
        """A scanner types the part number and presses Enter: pick the match at once."""
        self.search_timer.stop()
        self.model.search(self.search.text())
        if self.model.rowCount() >= 1:
            self.results.setCurrentIndex(self.model.index(0))
            self.quantity.setFocus()

    def _use(self) -> None:
        hit = self.selected()
        if hit is None:
            self.error.show_message(self.tr("Pick a part first."))
            return
        quantity = self.quantity.value()
        if self.van_id and quantity > hit.on_van:
            self.error.show_message(
                self.tr("Only %1 on the van: request the rest from the warehouse.").replace(
                    "%1", str(hit.on_van)
                )
            )
            return
        chargeable: bool | None = None
        reason = ""
        if self.override.isChecked():
            chargeable = not hit.chargeable
            reason = self.override_reason.text().strip()
            if not reason:
                self.error.show_message(label("error", "override_reason_required"))
                return
        part_id, van_id = hit.part.id, self.van_id

        def change(session: Any, job: Job, user: User) -> None:
            part = session.get(Part, part_id)
            use_part(
                session,
                job,
                part,
                quantity,
                user,
                location_id=van_id,
                chargeable=chargeable,
                override_reason=reason,
            )

        error = self.page.write(change)
        if error:
            self.error.show_message(error)
            return
        self.quantity.setValue(1)
        self.override.setChecked(False)
        self.override_reason.clear()

    def _request(self) -> None:
        hit = self.selected()
        if hit is None:
            self.error.show_message(self.tr("Pick a part first."))
            return
        quantity = self.quantity.value()
        part_id = hit.part.id

        def change(session: Any, job: Job, user: User) -> None:
            request_parts(session, job, user, [(session.get(Part, part_id), quantity)])

        error = self.page.write(change)
        if error:
            self.error.show_message(error)
        else:
            self.error.show_message(self.tr("Requested. HQ receives it at the next sync."), "muted")

    def _remove(self, usage_id: str) -> None:
        error = self.page.write(
            lambda s, job, user: remove_entry(s, job, PartUsage, usage_id, user)
        )
        if error:
            self.error.show_message(error)
