"""First start: HQ's address and the one-time enrollment code, typed, pasted, read
from the QR image that ``fieldapp-hq enroll`` wrote, or taken from IT's
pre-configuration file. Enrollment and the first sync run in the back."""

from __future__ import annotations

import logging
import platform
import socket
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fieldapp.store import Store
from sync.client import SyncFailed, enroll
from sync.preconfig import (
    Preconfig,
    PreconfigError,
    check_server,
    normalise_code,
    parse_enrollment_payload,
    resolve,
)
from ui.common.tasks import TaskManager
from ui.common.widgets import Card, ErrorLabel, button, styled_label

log = logging.getLogger(__name__)


def read_qr_image(path: Path) -> str:
    """The text of the first QR code in a picture (a screenshot, a photo of paper)."""
    import zxingcpp

    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("RGB"))
    if not found:
        raise PreconfigError("qr_not_found")
    return str(found[0].text)


class EnrollPage(QWidget):
    enrolled = Signal()

    def __init__(
        self, store: Store, data_dir: Path, tasks: TaskManager, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.data_dir = data_dir
        self.tasks = tasks
        #: What IT placed (sync/preconfig.py's precedence), and HQ's pinned certificate.
        self.it_preset: Preconfig | None = None
        self.fingerprint = ""
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = Card(self.tr("Connect this device to HQ"))
        card.setMinimumWidth(760)
        card.setMaximumWidth(900)
        card.body.addWidget(
            styled_label(
                self.tr(
                    "Your supervisor or IT gives you HQ's address and a one-time code, "
                    "or a QR code picture. You need a network only for this step."
                ),
                "muted",
            )
        )
        form = QFormLayout()
        self.server = QLineEdit()
        self.server.setObjectName("server")
        self.server.setPlaceholderText("https://hq.example.com")
        self.server.setInputMethodHints(Qt.InputMethodHint.ImhUrlCharactersOnly)
        form.addRow(self.tr("HQ address"), self.server)
        self.server_error = ErrorLabel()
        form.addRow("", self.server_error)
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.code.setPlaceholderText(self.tr("12 letters and digits"))
        form.addRow(self.tr("Enrollment code"), self.code)
        self.code_error = ErrorLabel()
        form.addRow("", self.code_error)
        self.device_name = QLineEdit(socket.gethostname())
        form.addRow(self.tr("Device name"), self.device_name)
        card.body.addLayout(form)
        self.qr_button = button(self.tr("Read a QR code picture…"))
        self.qr_button.clicked.connect(self._pick_qr)
        self.enroll_button = button(self.tr("Connect"), primary=True)
        self.enroll_button.setObjectName("enroll")
        self.enroll_button.clicked.connect(self.submit)
        card.body.addWidget(self.qr_button)
        card.body.addWidget(self.enroll_button)
        self.status = ErrorLabel()
        card.body.addWidget(self.status)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def apply(self, preset: Preconfig) -> None:
        """Fill the form. What IT placed (policy, provisioning file) is kept over a QR
        code read later, and over typing: those fields are read-only."""
        if preset.from_it:
            self.it_preset = preset
        else:
            preset = resolve(self.it_preset, preset) or preset
        if preset.server:
            self.server.setText(preset.server)
            self.server.setReadOnly(self.it_preset is not None and bool(self.it_preset.server))
        if preset.code:
            self.code.setText(preset.code)
        if preset.device_name:
            self.device_name.setText(preset.device_name)
        self.fingerprint = preset.fingerprint

    def enroll_by_itself(self) -> bool:
        """First start with HQ's address and a code from IT: connect without a tap."""
        preset = self.it_preset
        if preset is None or not (preset.server and preset.code):
            return False
        self.submit()
        return True

    def _pick_qr(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose the QR code picture"), "", "Images (*.png *.jpg *.jpeg *.bmp)"
        )
        if path:
            self.read_qr(Path(path))

    def read_qr(self, path: Path) -> bool:
        try:
            self.apply(parse_enrollment_payload(read_qr_image(path)))
        except PreconfigError as error:
            messages = {
                "qr_not_found": self.tr("No QR code found in this picture."),
                "qr_not_ours": self.tr("This QR code is not a fieldapp enrollment code."),
                "server_invalid": self.tr("The QR code holds no valid HQ address."),
            }
            self.status.show_message(messages.get(str(error), str(error)))
            return False
        except OSError:
            self.status.show_message(self.tr("This file is not a picture the app can read."))
            return False
        self.status.show_message(self.tr("Read from the QR code. Press Connect."), "muted")
        return True

    def submit(self) -> None:
        self.server_error.clear_message()
        self.code_error.clear_message()
        self.status.clear_message()
        problem = self.address_problem(self.server.text())
        try:
            server = check_server(self.server.text())
        except PreconfigError:
            problem = problem or self.tr(
                "This is not an address of HQ: write it as https://hq.example.com"
            )
        if problem:
            self.server_error.show_message(problem)
            self.server.setFocus()
            return
        code = normalise_code(self.code.text())
        if len(code) < 6:
            self.code_error.show_message(self.tr("Enter the code you were given."))
            return
        name = self.device_name.text().strip() or socket.gethostname()
        self.enroll_button.setEnabled(False)
        self.status.show_message(self.tr("Connecting to HQ…"), "muted")
        self.tasks.run(
            enroll,
            self.store,
            self.data_dir,
            server,
            code,
            device_name=name,
            platform=platform.system(),
            fingerprint=self.fingerprint,
            on_done=lambda _answer: self.enrolled.emit(),
            on_error=self._failed,
            owner=self,
        )

    def address_problem(self, typed: str) -> str:
        """What is wrong with the address as typed, in words the engineer can act on
        (empty when nothing is)."""
        text = typed.strip()
        if not text:
            return self.tr("Enter HQ's address, such as https://hq.example.com")
        if any(ch.isspace() for ch in text):
            return self.tr("The address cannot contain spaces.")
        scheme, separator, _ = text.partition("://")
        if not separator or scheme.lower() not in ("http", "https"):
            return self.tr("The address must start with http:// or https://")
        parsed = urlparse(text)
        if not parsed.hostname:
            return self.tr("The address has no host name after %1.").replace(
                "%1", scheme.lower() + "://"
            )
        try:
            port = parsed.port
        except ValueError:
            port = 0
        if port == 0 or (parsed.netloc.endswith(":") and port is None):
            return self.tr("The port after the colon must be a number from 1 to 65535.")
        return ""

    def _failed(self, error: BaseException) -> None:
        self.enroll_button.setEnabled(True)
        if isinstance(error, SyncFailed) and error.code == "network":
            self.status.show_message(
                self.tr("HQ cannot be reached: check the address and the network.")
            )
        elif isinstance(error, SyncFailed):
            self.status.show_message(
                self.tr("HQ refused the code: %1").replace("%1", error.message)
            )
        else:
            self.status.show_message(str(error))
