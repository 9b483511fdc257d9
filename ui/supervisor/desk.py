"""The supervisor's desk (服务经理): the signed reports to review, the board to dispatch
and assign on, the engineers' parts requests — and the office's pages, which a
supervisor reads and acts on too."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from ui.common.context import AppContext
from ui.common.desk import Desk, PageSpec
from ui.office.desk import office_pages


def _review(ctx: AppContext) -> QWidget:
    from ui.supervisor.review_queue import ReviewQueuePage

    return ReviewQueuePage(ctx)


def _board(ctx: AppContext) -> QWidget:
    from ui.supervisor.board import BoardPage

    return BoardPage(ctx)


def _parts(ctx: AppContext) -> QWidget:
    from ui.supervisor.parts_requests import PartsRequestsPage

    return PartsRequestsPage(ctx)


def supervisor_pages() -> list[PageSpec]:
    return [
        PageSpec(
            "review",
            lambda: QCoreApplication.translate("SupervisorDesk", "Reports to review"),
            _review,
        ),
        PageSpec(
            "board", lambda: QCoreApplication.translate("SupervisorDesk", "Dispatch board"), _board
        ),
        PageSpec(
            "parts", lambda: QCoreApplication.translate("SupervisorDesk", "Parts requests"), _parts
        ),
        *office_pages(),
    ]


class SupervisorDesk(Desk):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, supervisor_pages(), parent)
