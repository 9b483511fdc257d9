"""Dependencies point one way: ui -> sync -> fieldapp. The domain knows no Qt, no HTTP.
Inside ui/, what the desks share (ui/common/) knows no desk and not the shell around them;
a desk knows no other desk."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "fieldapp": {
        "PySide6",
        "shiboken6",
        "requests",
        "urllib3",
        "httpx",
        "aiohttp",
        "fastapi",
        "starlette",
        "uvicorn",
        "http",
        "urllib.request",
        "ui",
        "sync",
    },
    "sync": {"PySide6", "shiboken6", "ui"},
    "ui/common": {
        "ui.engineer",
        "ui.supervisor",
        "ui.office",
        "ui.app",
        "ui.mainwindow",
        "ui.enroll",
        "ui.store_problem",
        "ui.sync_panel",
        "ui.screens",
    },
    # A desk knows no other desk (the supervisor's shows the office's pages: its desk
    # module alone names them) and not the shell around it.
    "ui/engineer": {"ui.supervisor", "ui.office", "ui.mainwindow", "ui.app", "ui.screens"},
    "ui/office": {"ui.engineer", "ui.supervisor", "ui.mainwindow", "ui.app", "ui.screens"},
    "ui/supervisor": {"ui.engineer", "ui.mainwindow", "ui.app", "ui.screens"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path):
            for banned in FORBIDDEN[package]:
                if module == banned or module.startswith(banned + "."):
                    found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package: str) -> None:
    assert offending(package) == []


def test_the_check_itself_catches_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("from PySide6.QtWidgets import QWidget\nimport requests\n", encoding="utf-8")
    assert imported_modules(sample) == {"PySide6.QtWidgets", "requests"}
