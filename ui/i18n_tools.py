"""Developer commands for the app's translations (Qt Linguist tool chain).

    python -m ui.i18n_tools update   # lupdate ui/**/*.py into the .ts, then lrelease the .qm
    python -m ui.i18n_tools check    # exit 1 listing messages still to translate

``update`` keeps the translations already in ``resources/i18n/fieldapp_zh_CN.ts``, adds
the new texts of the code as unfinished, drops the texts the code no longer has
(``-no-obsolete``) and stores no source locations (``-locations none``), so that the .ts
changes only when a text does. Translate the unfinished messages (Qt Linguist, or an
editor), then run ``update`` again to compile the .qm the app loads."""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
UI_DIR = ROOT / "ui"
I18N_DIR = ROOT / "resources" / "i18n"
LANGUAGE = "zh_CN"
TS_FILE = I18N_DIR / f"fieldapp_{LANGUAGE}.ts"
QM_FILE = I18N_DIR / f"fieldapp_{LANGUAGE}.qm"

LUPDATE = "pyside6-lupdate"
LRELEASE = "pyside6-lrelease"


class ToolMissing(RuntimeError):
    """A Qt Linguist tool is neither next to the running Python nor on PATH."""


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    translations: tuple[str, ...]
    unfinished: bool
    numerus: bool

    @property
    def done(self) -> bool:
        return not self.unfinished and all(text.strip() for text in self.translations)

    def describe(self) -> str:
        return f"[{self.context}] {self.source!r}"


def find_tool(name: str) -> Path | None:
    """``name`` next to the running Python (the venv's bin/ or Scripts/), else on PATH."""
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def _tool(name: str) -> Path:
    tool = find_tool(name)
    if tool is None:
        raise ToolMissing(f"{name} not found next to {sys.executable} nor on PATH")
    return tool


def ui_sources() -> list[Path]:
    """The files lupdate reads: every ``ui/**/*.py`` (the shell, ui/common/, each desk)."""
    return sorted(UI_DIR.rglob("*.py"))


def _run(command: Sequence[str | Path]) -> None:
    args = [str(part) for part in command]
    log.debug("Running %s", " ".join(args))
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}):\n{output}")
    if output:
        log.info("%s", output)


def lupdate(ts_file: Path = TS_FILE, sources: Sequence[Path] | None = None) -> None:
    """Merge the texts of ``sources`` (default: ui/**/*.py) into ``ts_file``."""
    files = [
        path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for path in (sources if sources is not None else ui_sources())
    ]
    _run(
        [
            _tool(LUPDATE),
            *files,
            "-no-obsolete",
            "-locations",
            "none",
            "-target-language",
            LANGUAGE,
            "-ts",
            ts_file,
        ]
    )


def lrelease(ts_file: Path = TS_FILE, qm_file: Path = QM_FILE) -> None:
    """Compile ``ts_file`` into the binary ``qm_file`` the app loads."""
    _run([_tool(LRELEASE), "-silent", ts_file, "-qm", qm_file])


def read_messages(ts_file: Path = TS_FILE) -> list[Message]:
    """Every current message of ``ts_file`` (vanished and obsolete ones left out)."""
    messages = []
    for context in ET.parse(ts_file).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type", "") if translation is not None else "unfinished"
            if kind in ("vanished", "obsolete"):
                continue
            numerus = message.get("numerus") == "yes"
            if translation is None:
                texts: tuple[str, ...] = ("",)
            elif numerus:
                texts = tuple(form.text or "" for form in translation.iter("numerusform"))
                texts = texts or ("",)
            else:
                texts = (translation.text or "",)
            messages.append(
                Message(
                    context=name,
                    source=message.findtext("source", ""),
                    translations=texts,
                    unfinished=kind == "unfinished",
                    numerus=numerus,
                )
            )
    return messages


def unfinished(ts_file: Path = TS_FILE) -> list[Message]:
    """The messages of ``ts_file`` still unfinished or without a translation."""
    return [message for message in read_messages(ts_file) if not message.done]


def update() -> int:
    lupdate()
    lrelease()
    untranslated = unfinished()
    total = len(read_messages())
    log.info("%s: %d messages, %d to translate", TS_FILE.name, total, len(untranslated))
    sys.stdout.write(f"Updated {TS_FILE.relative_to(ROOT)} and {QM_FILE.relative_to(ROOT)}\n")
    if untranslated:
        sys.stdout.write(f"{len(untranslated)} of {total} messages to translate (see: check)\n")
    return 0


def check() -> int:
    untranslated = unfinished()
    for message in untranslated:
        sys.stdout.write(f"unfinished: {message.describe()}\n")
    if untranslated:
        sys.stdout.write(
            f"{len(untranslated)} message(s) to translate in {TS_FILE.relative_to(ROOT)}\n"
        )
        return 1
    sys.stdout.write(f"All {len(read_messages())} messages translated.\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.i18n_tools", description=__doc__)
    parser.add_argument("command", choices=("update", "check"))
    parser.add_argument("-v", "--verbose", action="store_true", help="show the tools' output")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    try:
        return update() if args.command == "update" else check()
    except RuntimeError as error:  # ToolMissing too
        log.error("%s", error)
        return 2


if __name__ == "__main__":
    sys.exit(main())
