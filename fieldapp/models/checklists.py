"""Service checklists: versioned templates, their runs on a job and the answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from fieldapp.models.base import SyncedRow, fk, utc_field
from fieldapp.models.enums import ItemKind


class ChecklistTemplate(SyncedRow, table=True):
    """A checklist for a kind of job (e.g. the 250-hour service). A change to a
    template is a new version; runs keep pointing at the version they were made with."""

    __table_args__ = (UniqueConstraint("code", "revision"),)

    code: str = Field(max_length=32, index=True)
    revision: int = 1
    name_zh: str = Field(max_length=128)
    name_en: str = Field(default="", max_length=128)
    job_type: str = Field(max_length=16, index=True)
    model_family: str | None = Field(default=None, max_length=24)  # None: every family
    interval_hours: int | None = None  # for periodic maintenance: 250 / 500 / 1000
    active: bool = True
    # The company's own checklist (e.g. on-site conduct): printed on the company copy
    # only; its gaps are the engineer's to settle, not the customer's to acknowledge.
    internal: bool = False


class ChecklistTemplateItem(SyncedRow, table=True):
    template_id: str = fk("checklisttemplate.id")
    position: int
    section_zh: str = Field(default="", max_length=64)
    section_en: str = Field(default="", max_length=64)
    kind: str = Field(default=ItemKind.CHECK, max_length=8)
    label_zh: str = Field(max_length=256)
    label_en: str = Field(default="", max_length=256)
    required: bool = True
    unit: str = Field(default="", max_length=16)
    min_value: float | None = None
    max_value: float | None = None
    choices: str = Field(default="")  # "|"-separated, Chinese and English as "zh/en"


class ChecklistRun(SyncedRow, table=True):
    job_id: str = fk("job.id")
    template_id: str = fk("checklisttemplate.id")
    started_at: datetime = utc_field(nullable=False)
    completed_at: datetime | None = utc_field()


class ChecklistAnswer(SyncedRow, table=True):
    """Append-only: a corrected answer is a new row that names the one it supersedes."""

    run_id: str = fk("checklistrun.id")
    item_id: str = fk("checklisttemplateitem.id")
    result: str | None = Field(default=None, max_length=4)  # CheckResult, for checks
    number_value: float | None = None
    text_value: str = Field(default="")
    choice_value: str = Field(default="", max_length=64)
    attachment_id: str | None = fk("attachment.id", nullable=True)
    note: str = Field(default="")
    supersedes_id: str | None = fk("checklistanswer.id", nullable=True)
    answered_at: datetime = utc_field(nullable=False)
