"""Parts: picked from the catalogue by number, Chinese or English name or pinyin
initials (a barcode scanner that types and presses Enter works, and so does a photo of
the label), those listed for the job's machine model first, from the van stock,
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
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import Job, Part, PartsRequest, PartUsage, User
from fieldapp.search import PartCursor, best_match, search_parts_for_model
from fieldapp.services.parts import line_charge, stock_on_hand, use_part
from fieldapp.services.parts_requests import receive, split_note
from fieldapp.services.work import remove_entry, request_parts, van_of
from fieldapp.views import JobView, Work
from ui.common.barcode import read_code_from_image
from ui.common.camera_roll import PhotoPicker
from ui.common.labels import label
from ui.common.widgets import (
    Card,
    ErrorLabel,
    LazyTab,
    button,
    local_time,
    money,
    styled_label,
)
from ui.engineer.job_work import EntryList, empty_state

if TYPE_CHECKING:
    from ui.engineer.jobpage import JobPage

PAGE = 50


@dataclass(frozen=True)
class PartHit:
    part: Part
    on_van: int
    chargeable: bool
    reason: str
    fits: bool | None = None  # listed for the job's model (None: nothing on file)
    replaces: Part | None = None  # the superseded part the search found


def part_name(part: Part, chinese: bool) -> str:
    """The catalogue's name in the UI's language (the Chinese one when it has no other)."""
    return part.name_zh if chinese else (part.name_en or part.name_zh)


class PartSearchModel(QAbstractListModel):
    """Search results, a page at a time, the parts listed for the job's model first."""

    def __init__(self, tab: PartsTab) -> None:
        super().__init__()
        self.tab = tab
        self.query = ""
        self.model_id: str | None = None
        self.hits: list[PartHit] = []
        self.cursor: PartCursor | None = None
        self.exhausted = True
        self.first_best: PartHit | None = None  # what the scanner's Enter picks

    def search(self, query: str, model_id: str | None = None) -> None:
        self.beginResetModel()
        self.query = query
        self.model_id = model_id
        self.hits = []
        self.cursor = None
        self.exhausted = False
        self.first_best = None
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
        first = not self.hits
        with ctx.store.reader() as session:
            page = search_parts_for_model(
                session, self.query, self.model_id, cursor=self.cursor, limit=PAGE
            )
            job = session.get(Job, self.tab.page.job_id)
            hits = []
            for match in page.matches:
                part = match.part
                decision = line_charge(session, job, today, part=part) if job else None
                hits.append(
                    PartHit(
                        part,
                        self.tab.van_stock.get(part.id, 0),
                        decision.chargeable if decision else True,
                        decision.reason if decision else "",
                        match.fits,
                        match.replaces,
                    )
                )
            session.expunge_all()
        if first:
            best = best_match(page)
            self.first_best = next((h for h in hits if best and h.part.id == best.part.id), None)
        self.cursor = page.next
        self.exhausted = page.next is None
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
            name = part_name(part, self.tab.page.ctx.chinese)
            stock = QCoreApplication.translate("PartsTab", "%1 on the van").replace(
                "%1", str(hit.on_van)
            )
            charge = label("charge", hit.reason)
            line = f"{part.part_no}  {name}   {money(part.price_cents)}   {stock}   {charge}"
            if hit.replaces is not None:
                line += "   " + QCoreApplication.translate("PartsTab", "replaces %1").replace(
                    "%1", hit.replaces.part_no
                )
            if hit.fits is False:
                line += "   · " + QCoreApplication.translate(
                    "PartsTab", "not listed for this model"
                )
            return line
        if role == Qt.ItemDataRole.ForegroundRole and hit.fits is False:
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.UserRole:
            return hit
        return None


class PartsTab(LazyTab):
    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        self.van_id: str | None = None
        self.van_stock: dict[str, int] = {}
        self.machine_model_id: str | None = None
        self.picker: PhotoPicker | None = None
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
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        self.read_label = button(self.tr("Read a label…"))
        self.read_label.setObjectName("read_label")
        self.read_label.clicked.connect(self._pick_label_photo)
        search_row.addWidget(self.read_label)
        self.pick_card.body.addLayout(search_row)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(200)
        self.search_timer.timeout.connect(self.run_search)
        self.model = PartSearchModel(self)
        self.results = QListView()
        self.results.setObjectName("part_results")
        self.results.setModel(self.model)
        self.results.setUniformItemSizes(True)
        self.results.setMinimumHeight(260)
        self.results.setStyleSheet("QListView::item { min-height: 48px; }")
        self.results.selectionModel().currentChanged.connect(self._picked)
        self.pick_card.body.addWidget(self.results)
        self.no_hits = empty_state("")
        self.no_hits.setObjectName("no_parts")
        self.no_hits.setMinimumHeight(260)
        self.no_hits.hide()
        self.pick_card.body.addWidget(self.no_hits)
        self.chosen = styled_label(self.tr("Pick a part above."), "muted")
        self.chosen.setObjectName("chosen_part")
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
        self.requests_error = ErrorLabel()
        self.requests_card.body.addWidget(self.requests_error)
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
        model = view.machine.model if view.machine else None
        self.machine_model_id = model.id if model else None
        if self.editable:
            self.run_search()
        chinese = self.page.ctx.chinese
        self.used.clear()
        for used in work.parts:
            u, part = used.usage, used.part
            name = part_name(part, chinese)
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
            self.used.empty(
                self.tr("No part used yet.\nSearch or scan above, pick the part, and tap Use part.")
                if self.editable
                else self.tr("No part was used on this job.")
            )
        self.requests.clear()
        for request, lines in work.requests:
            self._show_request(request, lines)
        self.requests_card.setVisible(bool(work.requests))

    def _show_request(self, request: PartsRequest, lines: list[tuple[Any, Part]]) -> None:
        """A request with its status, the shipment's carrier and tracking number, and
        "Received" once it is shipped (the parts then enter the van stock)."""
        text = ", ".join(f"{part.part_no} × {line.quantity}" for line, part in lines)
        html = f"{text} · <b>{label('request_status', request.status)}</b>"
        if request.auto_approved and request.status != "rejected":
            html += " · " + self.tr("approved automatically")
        if request.carrier or request.tracking_no:
            html += "<br>" + self.tr("%1, tracking number %2, shipped %3").replace(
                "%1", request.carrier
            ).replace("%2", request.tracking_no).replace("%3", local_time(request.shipped_at))
        _note, rejected = split_note(request.note)
        if request.status == "rejected" and rejected:
            html += "<br>" + self.tr("Rejected: %1").replace("%1", rejected)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 4, 0, 4)
        words = styled_label(html)
        words.setTextFormat(Qt.TextFormat.RichText)
        line.addWidget(words, 1)
        if request.status == "shipped" and request.requester_id == self.page.ctx.user_id:
            received = button(self.tr("Received"), primary=True)
            received.setObjectName(f"receive_{request.id}")
            received.clicked.connect(lambda _c=False, r=request.id: self._receive(r))
            line.addWidget(received)
        self.requests.body.addWidget(row)

    def _receive(self, request_id: str) -> None:
        now = self.page.ctx.now()

        def change(session: Any, _job: Job, user: User) -> None:
            request = session.get(PartsRequest, request_id)
            receive(session, request, user, now=now)

        error = self.page.write(change)
        # The request's own card: the pick card is hidden once the work is closed.
        self.requests_error.show_message(
            error or self.tr("Received into the van."), "error" if error else "muted"
        )

    def selected(self) -> PartHit | None:
        index = self.results.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def run_search(self) -> None:
        """Search now (the field waits for a pause in the typing): the parts listed for
        the machine's model first; the best of them is chosen already."""
        self.search_timer.stop()
        query = self.search.text()
        self.model.search(query, self.machine_model_id)
        hits = self.model.rowCount()
        self.results.setVisible(hits > 0)
        self.no_hits.setVisible(hits == 0)
        if hits == 0:
            self.no_hits.setText(
                self.tr(
                    "No part matches “%1”.\nCheck the number, or type part of the name"
                    " or its pinyin initials."
                ).replace("%1", query.strip())
                if query.strip()
                else self.tr("The parts catalogue is empty: sync to receive it.")
            )
        self._show_choice(None)
        best = self.model.first_best
        if query.strip() and best is not None:
            self.results.setCurrentIndex(self.model.index(self.model.hits.index(best)))

    def _show_choice(self, hit: PartHit | None) -> None:
        # The chosen part reads as plain text; the prompt is muted.
        self.chosen.setProperty("role", "muted" if hit is None else "")
        self.chosen.style().unpolish(self.chosen)
        self.chosen.style().polish(self.chosen)
        if hit is None:
            self.chosen.setText(self.tr("Pick a part above."))
            self.override.setText(self.tr("Override the charge decision"))
            return
        name = part_name(hit.part, self.page.ctx.chinese)
        text = f"<b>{hit.part.part_no}</b> {name} · {label('charge', hit.reason)}"
        if hit.fits is False:
            text += " · " + self.tr("not listed for this model")
        self.chosen.setText(text)
        self.override.setText(
            self.tr("Charge it anyway") if not hit.chargeable else self.tr("Give it under warranty")
        )

    def _picked(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit: PartHit | None = current.data(Qt.ItemDataRole.UserRole) if current.isValid() else None
        self._show_choice(hit)
        self.error.clear_message()

    def _scanned(self) -> None:
        """A scanner types the part number and presses Enter: pick the best match for
        this machine's model at once (one not listed for it is only picked by a tap)."""
        self.run_search()
        best = self.model.first_best
        if best is not None:
            self.quantity.setFocus()
        elif self.model.rowCount():
            self.results.setCurrentIndex(QModelIndex())
            self.error.show_message(
                self.tr("No part listed for this model matches: tap one in the list to use it.")
            )

    def _pick_label_photo(self) -> None:
        picker = PhotoPicker(self.page.ctx, self.tr("Photo of the part's label"), self)
        picker.accepted.connect(lambda: self.read_label_from(picker.path))
        self.picker = picker
        picker.open()

    def read_label_from(self, path: str) -> None:
        """Read the label's barcode in the back and search for what it says."""
        if not path:
            return
        self.read_label.setEnabled(False)
        self.error.show_message(self.tr("Reading the label…"), "muted")

        def done(code: str | None) -> None:
            self.read_label.setEnabled(True)
            if not code:
                self.error.show_message(
                    self.tr("No barcode could be read in this photo: take it closer and straight.")
                )
                return
            self.error.clear_message()
            self.search.setText(code)
            self._scanned()

        def failed(_error: BaseException) -> None:
            self.read_label.setEnabled(True)
            self.error.show_message(self.tr("This file is not a picture the app can read."))

        self.page.ctx.task_manager.run(
            read_code_from_image, path, on_done=done, on_error=failed, owner=self
        )

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
        # Ready for the next part: nothing chosen, the field empty for the next scan.
        self.search.clear()
        self.run_search()
        self.error.show_message(self.tr("Saved."), "muted")

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
