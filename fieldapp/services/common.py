"""What every service shares: the refusal the UI and HQ translate, the rows not
deleted, the checklist answers that stand."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from fieldapp.models import (
    ChecklistAnswer,
    ChecklistRun,
)


class DomainError(ValueError):
    """A request the rules refuse, with a stable code the UI and HQ translate."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def live_rows(session: Session, model: type[Any], *conditions: Any) -> list[Any]:
    """The rows of ``model`` matching ``conditions`` that are not deleted, oldest first."""
    statement = select(model).where(*conditions, col(model.deleted_at).is_(None))
    return list(session.exec(statement.order_by(col(model.created_at), col(model.id))).all())


def effective_answers(session: Session, run: ChecklistRun) -> list[ChecklistAnswer]:
    """The latest answer per item: corrections supersede, they never overwrite."""
    answers = live_rows(session, ChecklistAnswer, ChecklistAnswer.run_id == run.id)
    superseded = {a.supersedes_id for a in answers if a.supersedes_id}
    latest: dict[str, ChecklistAnswer] = {}
    for answer in answers:
        if answer.id not in superseded:
            latest[answer.item_id] = answer
    return list(latest.values())
