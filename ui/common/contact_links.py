"""Call, text or navigate with one tap: a phone number opens the system's phone or
messages application (tel: / sms:), an address its map application (geo:). Where the
device has no application for the link, it says so next to the button and offers to
copy the number or the address instead."""

from __future__ import annotations

import logging

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ui.common.widgets import ErrorLabel, button, styled_label

log = logging.getLogger(__name__)

# Opened only when the system has no application for geo: links.
WEB_MAP = "https://uri.amap.com/search?keyword=%1"


def phone_url(scheme: str, phone: str) -> QUrl:
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    return QUrl(f"{scheme}:{digits}")


def map_url(address: str) -> QUrl:
    url = QUrl("geo:0,0")
    url.setQuery("q=" + QUrl.toPercentEncoding(address).data().decode())
    return url


def web_map_url(address: str) -> QUrl:
    return QUrl(WEB_MAP.replace("%1", QUrl.toPercentEncoding(address).data().decode()))


def open_url(url: QUrl) -> bool:
    opened = QDesktopServices.openUrl(url)
    log.info("open %s: %s", url.scheme(), "done" if opened else "no application")
    return bool(opened)


class PhoneLinks(QWidget):
    """The number as big buttons: call it, text it; copy it where neither can open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phone = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        layout = QHBoxLayout()
        outer.addLayout(layout)
        self.call = button("")
        self.call.setObjectName("call")
        self.call.clicked.connect(lambda: self._open("tel"))
        self.text = button(self.tr("Text"))
        self.text.setObjectName("sms")
        self.text.clicked.connect(lambda: self._open("sms"))
        self.copy = button(self.tr("Copy number"))
        self.copy.setObjectName("copy_phone")
        self.copy.clicked.connect(self._copy)
        self.copy.hide()
        self.note = ErrorLabel()
        for widget in (self.call, self.text, self.copy):
            layout.addWidget(widget)
        layout.addStretch(1)
        outer.addWidget(self.note)

    def set_phone(self, phone: str) -> None:
        self.phone = phone.strip()
        self.call.setText("☎ " + (self.phone or "—"))
        self.call.setToolTip(self.tr("Call %1").replace("%1", self.phone))
        self.call.setEnabled(bool(self.phone))
        self.text.setEnabled(bool(self.phone))
        self.copy.hide()
        self.note.clear_message()

    def _open(self, scheme: str) -> None:
        if open_url(phone_url(scheme, self.phone)):
            self.note.clear_message()
            return
        self.note.show_message(
            self.tr("No phone application on this device: copy the number.")
            if scheme == "tel"
            else self.tr("No messages application on this device: copy the number."),
            "warning",
        )
        self.copy.show()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.phone)
        self.note.show_message(self.tr("Number copied."), "muted")


class AddressLink(QWidget):
    """The address as a big button that opens the map application."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.address = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        layout = QHBoxLayout()
        outer.addLayout(layout)
        self.text = styled_label()
        layout.addWidget(self.text, 1)
        self.open_map = button(self.tr("Navigate"))
        self.open_map.setObjectName("open_map")
        self.open_map.clicked.connect(self._open)
        layout.addWidget(self.open_map)
        self.copy = button(self.tr("Copy address"))
        self.copy.setObjectName("copy_address")
        self.copy.clicked.connect(self._copy)
        self.copy.hide()
        layout.addWidget(self.copy)
        self.note = ErrorLabel()
        outer.addWidget(self.note)

    def set_address(self, address: str) -> None:
        self.address = address.strip()
        self.text.setText(self.address or "—")
        self.open_map.setEnabled(bool(self.address))
        self.copy.hide()
        self.note.clear_message()

    def _open(self) -> None:
        if open_url(map_url(self.address)):
            self.note.clear_message()
            return
        if open_url(web_map_url(self.address)):
            self.note.show_message(
                self.tr("No map application on this device: the web map was opened."), "warning"
            )
            return
        self.note.show_message(
            self.tr("No map application on this device: copy the address."), "warning"
        )
        self.copy.show()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.address)
        self.note.show_message(self.tr("Address copied."), "muted")
