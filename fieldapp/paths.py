"""Where the app keeps its data, and its log file."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "fieldapp"
APP_AUTHOR = "FieldApp"
DATA_DIR_ENV = "FIELDAPP_DATA_DIR"
STORE_FILE = "fieldapp.sqlite"
#: Who the demo can be opened as (``fieldapp demo --as LOGIN``), each on a device of
#: their own: the engineers, the supervisor of their team, the follow-up clerk.
DEMO_ENGINEER = "zhang.wei"
DEMO_USERS = ("zhang.wei", "li.qiang", "wang.min", "chen.jing")


def demo_device_dir(demo_root: Path, login: str = DEMO_ENGINEER) -> Path:
    """The demo device of ``login`` under the demo folder (the engineer's is ``device``)."""
    return demo_root / ("device" if login == DEMO_ENGINEER else f"device-{login}")


def default_data_dir() -> Path:
    """``$FIELDAPP_DATA_DIR`` if set, else the user's data folder for the app."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resources_dir() -> Path:
    """The ``resources/`` folder, in a source checkout or inside a frozen build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def setup_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    """Log to a rotating file in ``data_dir/logs`` (never to stdout, which the CLI owns)."""
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "fieldapp.log"
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "baseFilename", None) == str(log_file):
            return log_file
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)
    return log_file
