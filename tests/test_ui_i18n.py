"""The Chinese translation of the UI: complete, current, compiled, and extractable.

``python -m ui.i18n_tools update`` brings the .ts and the .qm up to date; these tests fail
when someone adds a text to the code without running it, or leaves a text untranslated."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ast
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from ui import i18n_tools
from ui.common.i18n import CHINESE, ENGLISH, INSTALLED
from ui.i18n_tools import LRELEASE, LUPDATE, QM_FILE, ROOT, TS_FILE, UI_DIR, Message

PLACEHOLDER = re.compile(r"%(?:\d+|n)")
HTML_TAG = re.compile(r"<[^<>]+>")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _tags(text: str) -> list[str]:
    return sorted(HTML_TAG.findall(text))


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return i18n_tools.read_messages(TS_FILE)


def _tool(name: str) -> Path:
    tool = i18n_tools.find_tool(name)
    if tool is None:
        pytest.skip(f"{name} not found next to the Python running the tests nor on PATH")
    return tool


# --- (a) every message translated, placeholders kept ---------------------------------------


def test_ts_has_messages(messages: list[Message]) -> None:
    assert len(messages) > 100
    assert {"Labels", "Report", "SyncIndicator"} <= {m.context for m in messages}


def test_every_message_is_translated(messages: list[Message]) -> None:
    untranslated = [m.describe() for m in messages if not m.done]
    assert not untranslated, (
        f"{len(untranslated)} unfinished: run `python -m ui.i18n_tools check`\n"
        + "\n".join(untranslated)
    )


def test_translations_keep_placeholders_and_markup(messages: list[Message]) -> None:
    wrong = [
        f"{m.describe()} -> {text!r}"
        for m in messages
        for text in m.translations
        if _placeholders(text) != _placeholders(m.source) or _tags(text) != _tags(m.source)
    ]
    assert not wrong, "placeholders or HTML differ from the source:\n" + "\n".join(wrong)


def test_plural_messages_have_a_plural_translation(messages: list[Message]) -> None:
    plural = [m for m in messages if "%n" in m.source]
    assert plural
    wrong = [m.describe() for m in plural if not m.numerus or not all(m.translations)]
    assert not wrong, "messages with %n need numerus forms (tr(text, '', n)):\n" + "\n".join(wrong)


# --- (b) the .ts holds every text of the code -----------------------------------------------


def test_ts_is_current(tmp_path: Path, messages: list[Message]) -> None:
    _tool(LUPDATE)
    copy = tmp_path / TS_FILE.name
    shutil.copyfile(TS_FILE, copy)
    i18n_tools.lupdate(copy)
    new = [m.describe() for m in i18n_tools.unfinished(copy)]
    assert not new, (
        "texts in ui/**/*.py missing from the translation: run `python -m ui.i18n_tools update`, "
        "translate them, and run it again:\n" + "\n".join(new)
    )


# --- (c) the committed .qm is compiled from the committed .ts -------------------------------


def _translations(qm: Path, messages: list[Message]) -> dict[tuple[str, str, int], str]:
    translator = QTranslator()
    assert translator.load(str(qm)), qm
    return {
        (m.context, m.source, n): translator.translate(m.context, m.source, None, n)
        for m in messages
        for n in ((1, 2, 5) if m.numerus else (-1,))
    }


def test_qm_is_up_to_date(tmp_path: Path, messages: list[Message]) -> None:
    _tool(LRELEASE)
    assert QM_FILE.is_file(), "no .qm: run `python -m ui.i18n_tools update`"
    fresh = tmp_path / QM_FILE.name
    i18n_tools.lrelease(TS_FILE, fresh)
    if fresh.read_bytes() == QM_FILE.read_bytes():
        return
    # Another lrelease version may lay out the same catalogue differently: compare what
    # the app would show.
    stale = {
        key: (committed, expected)
        for (key, committed), expected in zip(
            _translations(QM_FILE, messages).items(),
            _translations(fresh, messages).values(),
            strict=True,
        )
        if committed != expected
    }
    assert not stale, (
        f"{QM_FILE.name} is not compiled from {TS_FILE.name}: run "
        "`python -m ui.i18n_tools update`\n"
        + "\n".join(f"{key}: {pair}" for key, pair in stale.items())
    )


# --- (d) texts lupdate can extract ----------------------------------------------------------

NOOP_MACROS = {"QT_TR_NOOP", "QT_TRANSLATE_NOOP", "QT_TRANSLATE_NOOP3", "QT_TR_N_NOOP"}
NOOP_WITH_CONTEXT = {"QT_TRANSLATE_NOOP", "QT_TRANSLATE_NOOP3"}
APPLICATIONS = {"QCoreApplication", "QGuiApplication", "QApplication"}
# Run-time look-ups of texts marked with QT_TRANSLATE_NOOP elsewhere: (file, function).
NOOP_LOOKUPS = {("ui/common/labels.py", "label")}


@dataclass(frozen=True)
class Call:
    where: str
    kind: str
    args: list[ast.expr]
    receiver: ast.expr | None
    function: str


def _translation_calls(path: Path) -> Iterator[Call]:
    """The tr(), translate() and QT_*_NOOP() calls of ``path``, with the enclosing function."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))

    def visit(node: ast.AST, function: str) -> Iterator[Call]:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            if isinstance(child, ast.Call):
                where = f"{path.relative_to(ROOT).as_posix()}:{child.lineno}"
                target = child.func
                if isinstance(target, ast.Attribute) and target.attr == "tr":
                    yield Call(where, "tr", child.args, target.value, function)
                elif (
                    isinstance(target, ast.Attribute)
                    and target.attr == "translate"
                    and isinstance(target.value, ast.Name)
                    and target.value.id in APPLICATIONS
                ):
                    yield Call(where, "translate", child.args, target.value, function)
                elif isinstance(target, ast.Name) and target.id in NOOP_MACROS:
                    yield Call(where, target.id, child.args, None, function)
            yield from visit(child, inner)

    yield from visit(tree, "")


def _is_literal(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _all_calls() -> list[Call]:
    return [call for path in i18n_tools.ui_sources() for call in _translation_calls(path)]


def test_translation_calls_are_found() -> None:
    kinds = {call.kind for call in _all_calls()}
    assert {"tr", "translate", "QT_TRANSLATE_NOOP"} <= kinds


def test_translated_texts_are_string_literals() -> None:
    """lupdate reads the code, it does not run it: an f-string, a concatenation or a
    variable in tr()/translate()/QT_*_NOOP() is never extracted, so never translated."""
    offenders = []
    for call in _all_calls():
        if (call.where.split(":")[0], call.function) in NOOP_LOOKUPS:
            continue
        with_context = call.kind == "translate" or call.kind in NOOP_WITH_CONTEXT
        literals = call.args[: 2 if with_context else 1]
        if len(literals) < (2 if with_context else 1) or not all(map(_is_literal, literals)):
            shown = ", ".join(ast.unparse(arg) for arg in call.args[:2])
            offenders.append(f"{call.where}: {call.kind}({shown})")
    assert not offenders, "texts lupdate cannot extract:\n" + "\n".join(offenders)


def test_no_translation_inside_an_f_string() -> None:
    """lupdate's Python parser skips f-strings: a tr() inside one is never extracted."""
    offenders = []
    for path in i18n_tools.ui_sources():
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr in ("tr", "translate")
                ):
                    offenders.append(f"{path.relative_to(ROOT).as_posix()}:{inner.lineno}")
    assert offenders == []


def test_tr_is_called_on_self() -> None:
    """PySide looks ``x.tr(text)`` up under the class names of ``x``, but lupdate files it
    under the context "x" (e.g. "self.tab"): only ``self.tr()`` ends up translated."""
    offenders = [
        f"{call.where}: {ast.unparse(call.receiver)}.tr(...)"
        for call in _all_calls()
        if call.kind == "tr"
        and call.receiver is not None
        and not (isinstance(call.receiver, ast.Name) and call.receiver.id in ("self", "cls"))
    ]
    assert not offenders, (
        "tr() on another object is filed under a context no class has; use "
        'QCoreApplication.translate("ClassName", ...) or self.tr():\n' + "\n".join(offenders)
    )


# --- (e) the app's translator speaks Chinese ------------------------------------------------


@pytest.fixture
def chinese(qapp: QCoreApplication) -> Iterator[None]:
    locale = QLocale()
    INSTALLED.install(CHINESE)
    try:
        yield
    finally:
        INSTALLED.install(ENGLISH)
        QLocale.setDefault(locale)


@pytest.mark.usefixtures("chinese")
def test_installed_translator_speaks_chinese() -> None:
    assert QCoreApplication.translate("Labels", "Accept") == "接单"
    assert QCoreApplication.translate("JobListPage", "Key customer") == "大客户"
    assert QCoreApplication.translate("SyncIndicator", "Sync now") == "立即同步"
    waiting = QCoreApplication.translate("SyncIndicator", "%n changes waiting.", "", 3)
    assert waiting == "3 条修改待同步。"


def test_english_is_the_source_text(qapp: QCoreApplication) -> None:
    locale = QLocale()
    try:
        INSTALLED.install(ENGLISH)
        assert QCoreApplication.translate("Labels", "Accept") == "Accept"
    finally:
        QLocale.setDefault(locale)


def test_tools_are_found_next_to_python() -> None:
    for name in (LUPDATE, LRELEASE):
        tool = _tool(name)
        assert tool.is_file()
    assert ROOT / "ui" == UI_DIR
