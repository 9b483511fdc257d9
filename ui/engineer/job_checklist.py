"""Checklists of the job's type, validated as they are filled: a required item left
open, a number outside its range, a photo the item asks for. Every answer is saved the
moment it is given; a correction supersedes the earlier answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.models import ChecklistRun, ChecklistTemplate, ChecklistTemplateItem, Job, User
from fieldapp.models.enums import ItemKind
from fieldapp.photos import Photo, prepare_photo_file
from fieldapp.rules.checklist import ItemProblem, parse_number, range_text, results_for
from fieldapp.services.work import (
    ItemState,
    add_photo,
    answer_item,
    job_runs,
    run_items,
    spec_of,
    start_checklist,
    templates_for_job,
)
from fieldapp.views import JobView, Work
from ui.common import theme
from ui.common.camera_roll import PhotoPicker
from ui.common.labels import label
from ui.common.widgets import Card, ErrorLabel, LazyTab, button, clear_layout, styled_label
from ui.engineer.job_work import empty_state

if TYPE_CHECKING:
    from ui.engineer.jobpage import JobPage


class ItemRow(QWidget):
    """One checklist item: its question, the answer field and what is wrong with it."""

    def __init__(
        self, tab: ChecklistTab, run: ChecklistRun, state: ItemState, editable: bool
    ) -> None:
        super().__init__()
        self.tab = tab
        self.run_id = run.id
        self.item = state.item
        self.setObjectName(f"item_{state.item.position}")
        item = state.item
        chinese = tab.page.ctx.chinese
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        text = item.label_zh if chinese else (item.label_en or item.label_zh)
        title = f"{item.position}. {text}" + (" *" if item.required else "")
        row = QHBoxLayout()
        # The question and its answer on one line: a long checklist stays short.
        question = styled_label(title)
        question.setMinimumWidth(420)
        row.addWidget(question, 1)
        answer = state.answer
        self.editor: QWidget | None = None
        self.picker: PhotoPicker | None = None
        if item.kind in (ItemKind.CHECK, ItemKind.YES_NO):
            # Big answer buttons, worded as the item asks: OK / Not OK / N/A for a
            # check, Yes / No for a statement (stored as said: the report prints it).
            self.group = QButtonGroup(self)
            for code in results_for(item.kind):
                choice = QPushButton(label("check", code))
                choice.setCheckable(True)
                choice.setObjectName(f"check_{code}")
                choice.setMinimumSize(120, theme.TOUCH + 8)
                choice.setChecked(bool(answer and answer.result == code))
                choice.setEnabled(editable)
                choice.clicked.connect(lambda _c=False, v=code: self.save(result=v))
                self.group.addButton(choice)
                row.addWidget(choice)
        elif item.kind == ItemKind.NUMBER:
            self.number = QLineEdit()
            self.number.setObjectName("number")
            self.number.setMaximumWidth(220)
            self.number.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)
            if answer and answer.number_value is not None:
                self.number.setText(f"{answer.number_value:g}")
            self.number.setReadOnly(not editable)
            self.number.editingFinished.connect(self._save_number)
            row.addWidget(self.number)
            limits = range_text(spec_of(item))
            hint = " ".join(p for p in (item.unit, f"({limits})" if limits else "") if p)
            row.addWidget(styled_label(hint, "muted"))
            self.editor = self.number
        elif item.kind == ItemKind.TEXT:
            self.text = QLineEdit(answer.text_value if answer else "")
            self.text.setMinimumWidth(360)
            self.text.setReadOnly(not editable)
            self.text.editingFinished.connect(lambda: self.save(text=self.text.text()))
            row.addWidget(self.text)
        elif item.kind == ItemKind.CHOICE:
            self.choice = QComboBox()
            self.choice.addItem("—", "")
            for value in spec_of(item).choices:
                zh, _, en = value.partition("/")
                self.choice.addItem(zh if chinese or not en else en, value)
            if answer and answer.choice_value:
                self.choice.setCurrentIndex(max(0, self.choice.findData(answer.choice_value)))
            self.choice.setEnabled(editable)
            self.choice.activated.connect(
                lambda _i: self.save(choice=self.choice.currentData() or "")
            )
            row.addWidget(self.choice)
        elif item.kind == ItemKind.PHOTO:
            has = bool(answer and answer.attachment_id)
            self.photo = button(self.tr("Replace photo") if has else self.tr("Add photo"))
            self.photo.setObjectName("photo")
            self.photo.setEnabled(editable)
            self.photo.clicked.connect(self._pick_photo)
            row.addWidget(self.photo)
            if has:
                row.addWidget(styled_label("✓ " + self.tr("Photo taken"), "muted"))
        layout.addLayout(row)
        self.problem = ErrorLabel()
        self.problem.setObjectName("problem")
        layout.addWidget(self.problem)
        self.show_problems(list(state.problems), touched=answer is not None)

    def show_problems(self, problems: list[ItemProblem], *, touched: bool) -> None:
        shown = [p for p in problems if touched or p != ItemProblem.UNANSWERED]
        if not shown:
            self.problem.clear_message()
            return
        text = "; ".join(label("gap", p) for p in shown)
        if ItemProblem.OUT_OF_RANGE in shown:
            text += " (" + range_text(spec_of(self.item)) + " " + self.item.unit + ")"
        warn_only = set(shown) <= {ItemProblem.FAILED, ItemProblem.OUT_OF_RANGE}
        self.problem.show_message(text, "warning" if warn_only else "error")

    def _save_number(self) -> None:
        try:
            value = parse_number(self.number.text())
        except ValueError:
            self.problem.show_message(label("error", "not_a_number"))
            return
        if value is None and self.item.required:
            self.show_problems([ItemProblem.UNANSWERED], touched=True)
            return
        self.save(number=value)

    def save(self, **answer: Any) -> None:
        problems: list[ItemProblem] = []
        run_id, item_id = self.run_id, self.item.id

        def change(session: Any, job: Job, _user: User) -> None:
            run = session.get(ChecklistRun, run_id)
            item = session.get(ChecklistTemplateItem, item_id)
            _, found = answer_item(session, job, run, item, now=self.tab.page.ctx.now(), **answer)
            problems.extend(found)

        error = self.tab.page.write(change, reload=False)
        if error:
            self.problem.show_message(error)
        else:
            self.show_problems(problems, touched=True)

    def _pick_photo(self) -> None:
        """The camera folder's newest pictures: one tap picks (another folder too)."""
        picker = PhotoPicker(self.tab.page.ctx, self.tr("Photo for this item"), self)
        picker.accepted.connect(lambda: self.attach_photo(picker.path))
        self.picker = picker
        picker.open()

    def attach_photo(self, path: str) -> None:
        """Process the picture in the back, then save it with the answer."""
        self.photo.setEnabled(False)
        self.problem.show_message(self.tr("Processing the photo…"), "muted")

        def store(photo: Photo) -> None:
            run_id, item_id, blobs = self.run_id, self.item.id, self.tab.page.ctx.blobs

            def change(session: Any, job: Job, _user: User) -> None:
                attachment = add_photo(session, blobs, job, photo, caption=self.item.label_zh)
                run = session.get(ChecklistRun, run_id)
                item = session.get(ChecklistTemplateItem, item_id)
                answer_item(session, job, run, item, attachment_id=attachment.id)

            error = self.tab.page.write(change)
            if error:
                self.problem.show_message(error)

        def failed(error: BaseException) -> None:
            self.photo.setEnabled(True)
            self.problem.show_message(self.tr("This file is not a picture the app can read."))

        self.tab.page.ctx.task_manager.run(
            prepare_photo_file, path, on_done=store, on_error=failed, owner=self
        )


class ChecklistTab(LazyTab):
    def __init__(self, page: JobPage) -> None:
        super().__init__()
        self.page = page
        self.layout_ = QVBoxLayout(self)
        self.rows: list[ItemRow] = []

    def load(self, view: JobView, work: Work) -> None:
        clear_layout(self.layout_)
        self.rows = []
        chinese = self.page.ctx.chinese
        editable = view.can_record_work
        with self.page.ctx.store.reader() as session:
            job = session.get(Job, view.job.id)
            assert job is not None
            templates = templates_for_job(session, job)
            runs = {r.template_id: r for r in job_runs(session, job)}
            shown: list[tuple[ChecklistTemplate, ChecklistRun | None, list[ItemState]]] = []
            known = {t.id for t in templates}
            for run in runs.values():
                if run.template_id not in known:
                    template = session.get(ChecklistTemplate, run.template_id)
                    if template is not None:
                        templates.append(template)
            for template in templates:
                run = runs.get(template.id)
                shown.append((template, run, run_items(session, run) if run else []))
            session.expunge_all()
        if not shown:
            self.layout_.addWidget(
                empty_state(
                    self.tr(
                        "No checklist for this kind of job.\nRecord the work in the other"
                        " tabs: pre-inspection, faults, parts and time."
                    )
                )
            )
        for template, run, states in shown:
            name = template.name_zh if chinese else (template.name_en or template.name_zh)
            card = Card(name)
            if run is None:
                if editable:
                    start = button(self.tr("Start this checklist"), primary=True)
                    start.setObjectName(f"start_{template.code}")
                    start.clicked.connect(lambda _c=False, t=template.id: self._start(t))
                    card.body.addWidget(start)
                else:
                    card.body.addWidget(
                        styled_label(self.tr("Checklists are filled in once on site."), "muted")
                    )
            else:
                section = None
                for state in states:
                    title = (
                        state.item.section_zh
                        if chinese
                        else (state.item.section_en or state.item.section_zh)
                    )
                    if title and title != section:
                        card.body.addWidget(styled_label(title, "section"))
                        section = title
                    row = ItemRow(self, run, state, editable)
                    self.rows.append(row)
                    card.body.addWidget(row)
            self.layout_.addWidget(card)
        self.layout_.addStretch(1)

    def _start(self, template_id: str) -> None:
        def change(session: Any, job: Job, _user: User) -> None:
            start_checklist(
                session, job, session.get(ChecklistTemplate, template_id), now=self.page.ctx.now()
            )

        error = self.page.write(change)
        if error:
            self.page.show_message(error)

    def row(self, position: int) -> ItemRow:
        return next(r for r in self.rows if r.item.position == position)
