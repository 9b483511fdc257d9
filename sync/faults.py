"""Named points where the kill tests stop a process dead (``kill -9`` of itself).

``FIELDAPP_FAULT=<point>`` makes the process SIGKILL itself when it reaches that point;
unset (always, outside the tests), each call is one environment lookup.
"""

from __future__ import annotations

import logging
import os
import signal

FAULT_ENV = "FIELDAPP_FAULT"
log = logging.getLogger(__name__)


def fault_point(name: str) -> None:
    if os.environ.get(FAULT_ENV) == name:
        log.warning("Fault point %s reached: killing this process", name)
        os.kill(os.getpid(), signal.SIGKILL)
