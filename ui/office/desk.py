"""The office's desk (回访员 / 信息员): the follow-up calls, the complaints, the reminders
that bring customers back, and the month's measures. Supervisors have the same pages on
their own desk."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from ui.common.context import AppContext
from ui.common.desk import Desk, PageSpec


def _follow_ups(ctx: AppContext) -> QWidget:
    from ui.office.follow_ups import FollowUpQueuePage

    return FollowUpQueuePage(ctx)


def _complaints(ctx: AppContext) -> QWidget:
    from ui.office.complaints import ComplaintsPage

    return ComplaintsPage(ctx)


def _reminders(ctx: AppContext) -> QWidget:
    from ui.office.reminders import RemindersPage

    return RemindersPage(ctx)


def _measures(ctx: AppContext) -> QWidget:
    from ui.office.measures import MeasuresPage

    return MeasuresPage(ctx)


def office_pages() -> list[PageSpec]:
    return [
        PageSpec(
            "follow_ups",
            lambda: QCoreApplication.translate("OfficeDesk", "Follow-up calls"),
            _follow_ups,
        ),
        PageSpec(
            "complaints",
            lambda: QCoreApplication.translate("OfficeDesk", "Complaints"),
            _complaints,
        ),
        PageSpec(
            "reminders", lambda: QCoreApplication.translate("OfficeDesk", "Reminders"), _reminders
        ),
        PageSpec(
            "measures", lambda: QCoreApplication.translate("OfficeDesk", "Measures"), _measures
        ),
    ]


class OfficeDesk(Desk):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, office_pages(), parent)
