"""Languages of the app: Simplified Chinese by default, English on request.

Text in code is English and goes through ``tr()``; the Chinese comes from the compiled
Qt translation ``resources/i18n/fieldapp_zh_CN.qm`` (made from ``fieldapp_zh_CN.ts`` by
``pyside6-lrelease``)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from fieldapp.paths import resources_dir

log = logging.getLogger(__name__)

CHINESE = "zh_CN"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)
DEFAULT_LANGUAGE = CHINESE


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def qm_path(language: str) -> Path:
    return i18n_dir() / f"fieldapp_{language}.qm"


def translator_for(language: str) -> QTranslator | None:
    """The app's translator for ``language``, or None for English (the source text)."""
    if language == ENGLISH:
        return None
    translator = QTranslator()
    if not translator.load(str(qm_path(language))):
        log.error("No translation for %s at %s", language, qm_path(language))
        return None
    return translator


def translate_in(translator: QTranslator | None, context: str, text: str) -> str:
    """``text`` in the translator's language, whatever language the UI speaks (the PDF
    report is made in the language the customer asks for)."""
    if translator is None:
        return text
    return translator.translate(context, text) or text


# Qt's own Chinese (qtbase_zh_CN.qm) leaves these of its file and print dialogs in
# English.
QT_GAPS: dict[str, dict[tuple[str, str], str]] = {
    CHINESE: {
        ("QFileDialog", "&Look in:"): "查找范围(&L)：",
        ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
        ("QAbstractFileIconProvider", "Folder"): "文件夹",
        ("QAbstractFileIconProvider", "Drive"): "驱动器",
        ("QPrintSettingsOutput", "Page &Set:"): "页面集(&S)：",
    }
}


class QtGaps(QTranslator):
    """What Qt's own translation lacks, asked only after ours and Qt's (it is
    installed first, so it is asked last)."""

    def __init__(self, table: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self.table = table

    def isEmpty(self) -> bool:
        return False

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None, not "": Qt takes an empty string for a translation, a null one for none.
        return self.table.get((context, source))


class Installed:
    """The translators installed in the application, replaced when the language changes."""

    def __init__(self) -> None:
        self._translators: list[QTranslator] = []

    def install(self, language: str) -> None:
        app = QCoreApplication.instance()
        assert app is not None
        for translator in self._translators:
            app.removeTranslator(translator)
        self._translators = []
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        ours = translator_for(language)
        if language in QT_GAPS:
            self._translators.append(QtGaps(QT_GAPS[language]))
        if ours is not None:
            self._translators.append(ours)
            # Qt's own strings (standard buttons, dialogs) in the same language.
            qt_base = QTranslator()
            folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt_base.load(QLocale(language), "qtbase", "_", folder):
                self._translators.append(qt_base)
        for translator in self._translators:
            app.installTranslator(translator)
        QLocale.setDefault(QLocale(language if language != ENGLISH else "en_GB"))


INSTALLED = Installed()
