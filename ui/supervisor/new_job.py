"""A new job from a customer's call (接报派工): the customer found by name, phone or code
(or entered as new), their machine (or a new one), what is wrong and what they ask, how
urgent, the time they wish. What is missing or looks wrong is flagged beside the field
as it is typed (seed 002: the engineer would have to check it later), and the deadlines
the job will get appear as the urgency, the region and the wished time change. Save
writes the job on this device (offline too); the board then offers the engineers."""

from __future__ import annotations

import logging
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QSize, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import col, select

from fieldapp.clock import as_utc
from fieldapp.models import Customer, ProductModel, Region, Team, User
from fieldapp.models.enums import JobType, Urgency
from fieldapp.rules.dispatch import DispatchInfo, IssueKind, check_dispatch
from fieldapp.services import dispatch
from fieldapp.services.common import DomainError
from ui.common.context import AppContext
from ui.common.labels import error_text, label
from ui.common.theme import TOUCH
from ui.common.widgets import ErrorLabel, button, local_time, styled_label

log = logging.getLogger(__name__)

NEW_MACHINE = "__new__"
NO_MACHINE = ""
MATCHES_SHOWN = 6


class NewJobDialog(QDialog):
    """The call taken; ``saved(job_id)`` once the job is written."""

    saved = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("New job"))
        self.setObjectName("new_job_dialog")
        self.customer: dispatch.CustomerMatch | None = None
        self.machines: list[dispatch.MachineChoice] = []
        self.received_at = ctx.now()  # the call's time: the deadlines start here
        with ctx.store.reader() as session:
            self.regions = list(session.exec(select(Region).order_by(col(Region.code))).all())
            self.models = list(
                session.exec(select(ProductModel).order_by(col(ProductModel.code))).all()
            )
            me = session.get(User, ctx.user_id)
            team_region = None
            if me is not None and me.team_id:
                team = session.get(Team, me.team_id)
                team_region = team.region_id if team else None
            for row in (*self.regions, *self.models):
                session.expunge(row)
        self.team_region = team_region
        self.known_models = frozenset(m.code for m in self.models)
        self.flags: dict[str, ErrorLabel] = {}

        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setSpacing(24)
        columns.addLayout(self._customer_column(), 1)
        columns.addLayout(self._job_column(), 1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.deadlines = styled_label("", "section")
        self.deadlines.setObjectName("deadlines")
        outer.addWidget(self.deadlines)
        self.error = ErrorLabel()
        outer.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = button(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancel_job")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = button(self.tr("Save"), primary=True)
        self.save_button.setObjectName("save_job")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        outer.addLayout(row)
        self.resize(1200, 760)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self._search)
        self._search()
        self.recheck()

    # --- the form -------------------------------------------------------------------------

    def _flag(self, name: str) -> ErrorLabel:
        flag = ErrorLabel()
        flag.setObjectName(f"flag_{name}")
        self.flags[name] = flag
        return flag

    def _customer_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(styled_label(self.tr("Customer"), "section"))
        self.search = QLineEdit()
        self.search.setObjectName("customer_search")
        self.search.setPlaceholderText(self.tr("Name, phone or customer code"))
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        column.addWidget(self.search)
        self.results = QListWidget()
        self.results.setObjectName("customer_results")
        self.results.setMinimumHeight(3 * TOUCH)
        self.results.setMaximumHeight(MATCHES_SHOWN * TOUCH)
        self.results.itemClicked.connect(self._picked)
        column.addWidget(self.results)
        self.chosen = styled_label("", "muted")
        self.chosen.setObjectName("customer_chosen")
        column.addWidget(self.chosen)
        self.new_customer = QCheckBox(self.tr("New customer"))
        self.new_customer.setObjectName("new_customer")
        self.new_customer.toggled.connect(self._new_customer_toggled)
        column.addWidget(self.new_customer)
        self.customer_form = QWidget()
        form = QGridLayout(self.customer_form)
        form.setContentsMargins(0, 0, 0, 0)
        self.customer_name = QLineEdit()
        self.customer_name.setObjectName("customer_name")
        self.customer_phone = QLineEdit()
        self.customer_phone.setObjectName("customer_phone")
        self.customer_address = QLineEdit()
        self.customer_address.setObjectName("customer_address")
        self.region = QComboBox()
        self.region.setObjectName("customer_region")
        for region in self.regions:
            self.region.addItem(
                region.name_zh if self.ctx.chinese else region.name_en or region.name_zh, region.id
            )
        if self.team_region is not None:
            self.region.setCurrentIndex(max(0, self.region.findData(self.team_region)))
        self.key_account = QCheckBox(self.tr("Key customer"))
        self.key_account.setObjectName("customer_key")
        for n, (text, field) in enumerate(
            (
                (self.tr("Name"), self.customer_name),
                (self.tr("Phone"), self.customer_phone),
                (self.tr("Address"), self.customer_address),
                (self.tr("Region"), self.region),
            )
        ):
            form.addWidget(styled_label(text), n, 0)
            form.addWidget(field, n, 1)
        form.addWidget(self.key_account, 4, 1)
        self.customer_form.hide()
        column.addWidget(self.customer_form)
        column.addWidget(self._flag("customer_name"))
        for field in (self.customer_name, self.customer_phone, self.customer_address):
            field.textChanged.connect(self.recheck)
        self.region.currentIndexChanged.connect(self.recheck)

        column.addWidget(styled_label(self.tr("Machine"), "section"))
        self.machine = QComboBox()
        self.machine.setObjectName("machine")
        self.machine.currentIndexChanged.connect(self._machine_changed)
        column.addWidget(self.machine)
        self.machine_form = QWidget()
        form = QGridLayout(self.machine_form)
        form.setContentsMargins(0, 0, 0, 0)
        self.model = QComboBox()
        self.model.setObjectName("machine_model")
        for model in self.models:
            self.model.addItem(model.code, model.id)
        self.serial = QLineEdit()
        self.serial.setObjectName("machine_serial")
        self.purchase_known = QCheckBox(self.tr("Purchase date known"))
        self.purchase_known.setObjectName("purchase_known")
        self.purchase = QDateEdit(QDate.currentDate())
        self.purchase.setObjectName("purchase_date")
        self.purchase.setCalendarPopup(True)
        self.purchase.setEnabled(False)
        self.purchase_known.toggled.connect(self.purchase.setEnabled)
        form.addWidget(styled_label(self.tr("Model")), 0, 0)
        form.addWidget(self.model, 0, 1)
        form.addWidget(styled_label(self.tr("Serial number")), 1, 0)
        form.addWidget(self.serial, 1, 1)
        form.addWidget(self.purchase_known, 2, 1)
        form.addWidget(self.purchase, 3, 1)
        self.machine_form.hide()
        column.addWidget(self.machine_form)
        for name in ("model", "serial", "purchase_date"):
            column.addWidget(self._flag(name))
        self.model.currentIndexChanged.connect(self.recheck)
        self.serial.textChanged.connect(self.recheck)
        self.purchase_known.toggled.connect(self.recheck)
        self.purchase.dateChanged.connect(self.recheck)
        column.addStretch(1)
        self._fill_machines()
        return column

    def _job_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(styled_label(self.tr("The call"), "section"))
        grid = QGridLayout()
        self.job_type = QComboBox()
        self.job_type.setObjectName("job_type")
        for value in JobType:
            self.job_type.addItem(label("job_type", value), value.value)
        self.job_type.setCurrentIndex(self.job_type.findData(JobType.REPAIR.value))
        self.urgency = QComboBox()
        self.urgency.setObjectName("urgency")
        for value in Urgency:
            self.urgency.addItem(label("urgency", value), value.value)
        self.urgency.setCurrentIndex(self.urgency.findData(Urgency.NORMAL.value))
        grid.addWidget(styled_label(self.tr("Job type")), 0, 0)
        grid.addWidget(self.job_type, 0, 1)
        grid.addWidget(styled_label(self.tr("Urgency")), 1, 0)
        grid.addWidget(self.urgency, 1, 1)
        column.addLayout(grid)
        self.symptom = QPlainTextEdit()
        self.symptom.setObjectName("symptom")
        self.symptom.setPlaceholderText(self.tr("What is wrong, in the customer's words"))
        self.symptom.setFixedHeight(96)
        column.addWidget(styled_label(label("dispatch_field", "symptom")))
        column.addWidget(self.symptom)
        column.addWidget(self._flag("symptom"))
        self.request = QLineEdit()
        self.request.setObjectName("request")
        column.addWidget(styled_label(label("dispatch_field", "request")))
        column.addWidget(self.request)
        column.addWidget(self._flag("request"))
        contact = QGridLayout()
        self.contact_name = QLineEdit()
        self.contact_name.setObjectName("contact_name")
        self.contact_phone = QLineEdit()
        self.contact_phone.setObjectName("contact_phone")
        self.address = QLineEdit()
        self.address.setObjectName("address")
        contact.addWidget(styled_label(self.tr("Contact")), 0, 0)
        contact.addWidget(self.contact_name, 0, 1)
        contact.addWidget(styled_label(label("dispatch_field", "phone")), 1, 0)
        contact.addWidget(self.contact_phone, 1, 1)
        contact.addWidget(self._flag("phone"), 2, 1)
        contact.addWidget(styled_label(label("dispatch_field", "address")), 3, 0)
        contact.addWidget(self.address, 3, 1)
        contact.addWidget(self._flag("address"), 4, 1)
        column.addLayout(contact)
        self.wished = QCheckBox(self.tr("The customer wishes a time"))
        self.wished.setObjectName("wished")
        column.addWidget(self.wished)
        tomorrow = QDateTime(QDate.currentDate().addDays(1), QTime(9, 0))
        self.wished_at = QDateTimeEdit(tomorrow)
        self.wished_at.setObjectName("wished_at")
        self.wished_at.setCalendarPopup(True)
        self.wished_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.wished_at.setEnabled(False)
        self.wished.toggled.connect(self.wished_at.setEnabled)
        column.addWidget(self.wished_at)
        column.addStretch(1)
        self.symptom.textChanged.connect(self.recheck)
        for field in (self.request, self.contact_name, self.contact_phone, self.address):
            field.textChanged.connect(self.recheck)
        self.job_type.currentIndexChanged.connect(self.recheck)
        self.urgency.currentIndexChanged.connect(self.recheck)
        self.wished.toggled.connect(self.recheck)
        self.wished_at.dateTimeChanged.connect(self.recheck)
        return column

    # --- the customer and the machine -------------------------------------------------------

    def _search(self) -> None:
        with self.ctx.store.reader() as session:
            matches = dispatch.find_customers(session, self.search.text(), limit=MATCHES_SHOWN)
        self.results.clear()
        for match in matches:
            star = "★ " if match.is_key_account else ""
            item = QListWidgetItem(f"{star}{match.name}  {match.phone}  ({match.code})")
            item.setData(Qt.ItemDataRole.UserRole, match)
            item.setSizeHint(QSize(0, TOUCH))
            self.results.addItem(item)

    def _picked(self, item: QListWidgetItem) -> None:
        match = item.data(Qt.ItemDataRole.UserRole)
        self.pick_customer(match)

    def pick_customer(self, match: dispatch.CustomerMatch) -> None:
        self.new_customer.setChecked(False)
        self.customer = match
        star = "★ " if match.is_key_account else ""
        self.chosen.setText(
            self.tr("Chosen: %1").replace("%1", f"{star}{match.name} ({match.code})")
        )
        # The call is about this customer: their contact details, unless already typed.
        if not self.contact_name.text():
            self.contact_name.setText(match.contact_name)
        if not self.contact_phone.text():
            self.contact_phone.setText(match.phone)
        if not self.address.text():
            self.address.setText(match.address)
        self._fill_machines()
        self.recheck()

    def _new_customer_toggled(self, on: bool) -> None:
        self.customer_form.setVisible(on)
        if on:
            self.customer = None
            self.chosen.setText("")
        self._fill_machines()
        self.recheck()

    def _fill_machines(self) -> None:
        self.machine.blockSignals(True)
        self.machine.clear()
        self.machines = []
        if self.customer is not None:
            with self.ctx.store.reader() as session:
                self.machines = dispatch.customer_machines(session, self.customer.id)
        for machine in self.machines:
            self.machine.addItem(f"{machine.model_code}  {machine.serial}", machine.id)
        self.machine.addItem(self.tr("New machine"), NEW_MACHINE)
        self.machine.addItem(self.tr("No machine (training, visit)"), NO_MACHINE)
        self.machine.setCurrentIndex(0)
        self.machine.blockSignals(False)
        self._machine_changed()

    def _machine_changed(self) -> None:
        self.machine_form.setVisible(self.machine.currentData() == NEW_MACHINE)
        self.recheck()

    def chosen_machine(self) -> dispatch.MachineChoice | None:
        machine_id = self.machine.currentData()
        return next((m for m in self.machines if m.id == machine_id), None)

    # --- checks as typed --------------------------------------------------------------------

    def _region(self) -> Region | None:
        region_id = self.region.currentData() if self.new_customer.isChecked() else None
        if region_id is None and self.customer is not None:
            region_id = self.customer.region_id
        return next((r for r in self.regions if r.id == region_id), None)

    def _requested_at(self) -> datetime | None:
        if not self.wished.isChecked():
            return None
        return as_utc(self.wished_at.dateTime().toPython().astimezone())

    def info(self) -> DispatchInfo:
        machine = self.chosen_machine()
        new = self.machine.currentData() == NEW_MACHINE
        if new:
            model, serial = self.model.currentText(), self.serial.text()
            bought: date | None = (
                self.purchase.date().toPython() if self.purchase_known.isChecked() else None
            )
        elif machine is not None:
            model, serial, bought = machine.model_code, machine.serial, machine.purchase_date
        else:
            model, serial, bought = "", "", None
        name = (
            self.customer_name.text()
            if self.new_customer.isChecked()
            else (self.customer.name if self.customer else "")
        )
        return DispatchInfo(
            job_type=self.job_type.currentData(),
            customer_name=name,
            address=self.address.text()
            or (self.customer_address.text() if self.new_customer.isChecked() else ""),
            phone=self.contact_phone.text()
            or (self.customer_phone.text() if self.new_customer.isChecked() else ""),
            model=model,
            serial=serial,
            purchase_date=bought,
            symptom=self.symptom.toPlainText(),
            request=self.request.text(),
            known_models=self.known_models,
        )

    def recheck(self) -> None:
        """The flags beside the fields and the deadlines, again (every keystroke)."""
        if not hasattr(self, "deadlines"):
            return  # still being built
        issues = {i.field: i for i in check_dispatch(self.info(), self.ctx.today())}
        for name, flag in self.flags.items():
            issue = issues.get(name)
            if issue is None:
                flag.clear_message()
                continue
            what = label("issue", "missing" if issue.kind == IssueKind.MISSING else issue.code)
            flag.show_message(
                f"{label('dispatch_field', name)}: {what}",
                "error" if issue.kind == IssueKind.MISSING else "warning",
            )
        deadlines = dispatch.preview_deadlines(
            self._region(),
            self.urgency.currentData(),
            received_at=self.received_at,
            requested_at=self._requested_at(),
        )
        self.deadlines.setText(
            self.tr("Answer by %1 · on site by %2")
            .replace("%1", local_time(deadlines.answer_by))
            .replace("%2", local_time(deadlines.on_site_by))
        )

    # --- saving ---------------------------------------------------------------------------

    def save(self) -> None:
        new_customer = None
        if self.new_customer.isChecked():
            region = self.region.currentData()
            new_customer = dispatch.NewCustomer(
                name=self.customer_name.text(),
                region_id=region or "",
                phone=self.customer_phone.text(),
                address=self.customer_address.text(),
                contact_name=self.contact_name.text(),
                is_key_account=self.key_account.isChecked(),
            )
        new_machine = None
        machine_id = None
        if self.machine.currentData() == NEW_MACHINE:
            new_machine = dispatch.NewMachine(
                model_id=self.model.currentData() or "",
                serial=self.serial.text(),
                purchase_date=(
                    self.purchase.date().toPython() if self.purchase_known.isChecked() else None
                ),
            )
        elif self.chosen_machine() is not None:
            machine_id = self.chosen_machine().id  # type: ignore[union-attr]
        now, device = self.ctx.now(), self.ctx.device_id
        try:
            with self.ctx.store.action() as session:
                actor = session.get(User, self.ctx.user_id)
                if actor is None:
                    raise DomainError("forbidden_role", "The device's user is not known yet.")
                job = dispatch.create_job(
                    session,
                    actor,
                    customer_id=self.customer.id if self.customer and not new_customer else None,
                    new_customer=new_customer,
                    machine_id=machine_id,
                    new_machine=new_machine,
                    job_type=self.job_type.currentData(),
                    symptom=self.symptom.toPlainText(),
                    request=self.request.text(),
                    urgency=self.urgency.currentData(),
                    requested_at=self._requested_at(),
                    contact_name=self.contact_name.text(),
                    contact_phone=self.contact_phone.text(),
                    address=self.address.text(),
                    now=now,
                    device_id=device,
                )
                job_id, number = job.id, job.number
        except DomainError as error:
            self.error.show_message(error_text(error))
            return
        log.info("New job %s saved on this device", number)
        self.saved.emit(job_id)
        self.accept()


def customer_by_id(ctx: AppContext, customer_id: str) -> dispatch.CustomerMatch | None:
    """The file's customer as the dialog picks it (a test or the board passing one in)."""
    with ctx.store.reader() as session:
        c = session.get(Customer, customer_id)
        if c is None:
            return None
        return dispatch.CustomerMatch(
            c.id, c.code, c.name, c.phone, c.address, c.contact_name, c.is_key_account, c.region_id
        )
