"""Photos by touch: the newest pictures of the camera folder as big thumbnails, one tap
to pick one; a desktop file dialog only as "Other folder…". The folder is the system's
DCIM or Pictures folder unless the engineer chose another (kept in the settings)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, QStandardPaths, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.photos import PhotoError, newest_pictures, thumbnail_file
from ui.common.context import AppContext
from ui.common.widgets import IMAGE_FILTER, button, styled_label

log = logging.getLogger(__name__)

CAMERA_FOLDER = "ui.camera_folder"
THUMB = 168  # a thumbnail a gloved finger can tell apart and hit
SHOWN = 24  # the newest pictures: what was just taken is what is wanted
PATH_ROLE = Qt.ItemDataRole.UserRole


def default_camera_folder() -> Path:
    """Where the system's camera app saves: a DCIM folder next to or inside the
    Pictures folder, else the Pictures folder, else the home folder."""
    pictures = [
        Path(p)
        for p in QStandardPaths.standardLocations(QStandardPaths.StandardLocation.PicturesLocation)
    ]
    home = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation))
    for candidate in [*(p / "DCIM" for p in pictures), home / "DCIM"]:
        if candidate.is_dir():
            return candidate
    for folder in pictures:
        if folder.is_dir():
            return folder
    return home


def camera_folder(ctx: AppContext) -> Path:
    chosen = ctx.store.get_setting(CAMERA_FOLDER)
    return Path(chosen) if chosen else default_camera_folder()


def _load(folder: Path) -> list[tuple[str, bytes | None]]:
    """In the back: the newest pictures and their thumbnails."""
    shown: list[tuple[str, bytes | None]] = []
    for path in newest_pictures(folder, SHOWN):
        try:
            shown.append((str(path), thumbnail_file(path, THUMB)))
        except PhotoError:
            log.info("%s is not a picture the app can read", path)
    return shown


class CameraRoll(QWidget):
    """The grid of the camera folder's newest pictures; ``picked`` gives a file path."""

    picked = Signal(str)

    def __init__(self, ctx: AppContext, *, multiple: bool = False) -> None:
        super().__init__()
        self.ctx = ctx
        self.multiple = multiple
        self.loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.where = styled_label("", "muted")
        bar.addWidget(self.where, 1)
        self.refresh_button = button(self.tr("Refresh"))
        self.refresh_button.setObjectName("camera_refresh")
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        self.folder_button = button(self.tr("Camera folder…"))
        self.folder_button.setObjectName("camera_folder")
        self.folder_button.clicked.connect(self._choose_folder)
        bar.addWidget(self.folder_button)
        self.other_button = button(self.tr("Other folder…"))
        self.other_button.setObjectName("other_folder")
        self.other_button.clicked.connect(self._other_files)
        bar.addWidget(self.other_button)
        layout.addLayout(bar)
        self.grid = QListWidget()
        self.grid.setObjectName("camera_grid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 16, THUMB + 16))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)
        self.grid.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.grid.setMinimumHeight(THUMB + 40)
        self.grid.itemClicked.connect(self._tapped)
        layout.addWidget(self.grid, 1)
        self.empty = styled_label("", "muted")
        self.empty.setObjectName("camera_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMinimumHeight(THUMB)
        self.empty.hide()
        layout.addWidget(self.empty, 1)

    def refresh(self) -> None:
        folder = camera_folder(self.ctx)
        self.where.setText(self.tr("Newest pictures in %1").replace("%1", str(folder)))
        self.loading = True

        def show(shown: list[tuple[str, bytes | None]]) -> None:
            self.loading = False
            self.grid.clear()
            for path, data in shown:
                item = QListWidgetItem()
                item.setData(PATH_ROLE, path)
                item.setToolTip(Path(path).name)
                item.setSizeHint(QSize(THUMB + 12, THUMB + 12))
                if data is not None:
                    item.setIcon(QIcon(QPixmap.fromImage(QImage.fromData(data))))
                self.grid.addItem(item)
            self.grid.setVisible(bool(shown))
            self.empty.setVisible(not shown)
            self.empty.setText(
                self.tr(
                    "No pictures in the camera folder yet. Take the photo with the camera,"
                    " then tap Refresh; or choose another folder."
                )
            )

        def failed(_error: BaseException) -> None:
            show([])

        self.ctx.task_manager.run(_load, folder, on_done=show, on_error=failed, owner=self)

    def _tapped(self, item: QListWidgetItem) -> None:
        self.picked.emit(item.data(PATH_ROLE))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Where the camera saves its pictures"), str(camera_folder(self.ctx))
        )
        if folder:
            self.ctx.store.set_setting(CAMERA_FOLDER, folder)
            self.refresh()

    def _other_files(self) -> None:
        start = str(camera_folder(self.ctx))
        if self.multiple:
            paths, _ = QFileDialog.getOpenFileNames(
                self, self.tr("Choose photos"), start, IMAGE_FILTER
            )
        else:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("Choose a photo"), start, IMAGE_FILTER
            )
            paths = [path] if path else []
        for path in paths:
            self.picked.emit(path)


class PhotoPicker(QDialog):
    """One photo picked by a tap (a checklist item's photo, a label to read)."""

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("photo_picker")
        self.resize(1040, 620)
        self.path = ""
        layout = QVBoxLayout(self)
        layout.addWidget(styled_label(title, "section"))
        self.roll = CameraRoll(ctx)
        self.roll.picked.connect(self._picked)
        layout.addWidget(self.roll, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = button(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        row.addWidget(cancel)
        layout.addLayout(row)
        self.roll.refresh()

    def _picked(self, path: str) -> None:
        self.path = path
        self.accept()
