"""The child process of ``bench_ui.py``'s cold-start figure: what the app does from its
first line to a job list on screen, timed against the parent's clock.

    python bench/ui_child.py DATA_DIR PARENT_TIME

``PARENT_TIME`` is the parent's ``time.time()`` just before it started this process.
Opens the app on ``DATA_DIR`` (an enrolled device, no sync: ``auto_sync=False``) as
``ui.app.run_app`` does, runs the event loop until the job list holds rows, the window
is exposed and the list has been painted once, then prints one JSON line: the moments
(seconds since ``PARENT_TIME``) each step ended, and how many objects the cyclic GC
tracks once the app has started. Imports nothing the app does not.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path


def main() -> int:
    data_dir = Path(sys.argv[1])
    parent_time = float(sys.argv[2])
    marks: dict[str, float] = {"interpreter": time.time()}

    from ui.app import Launcher, choose_language, qt_application

    marks["import ui.app"] = time.time()
    from fieldapp.store import Store
    from ui.common.context import AppContext
    from ui.mainwindow import MainWindow  # open_window imports it; here to time it apart

    marks["import store, window modules"] = time.time()
    from PySide6.QtCore import QEvent, QObject, Qt, QTimer

    app = qt_application()
    marks["QApplication, theme"] = time.time()
    store = Store.open(data_dir)
    language = choose_language(store, None, None)
    ctx = AppContext(store=store, data_dir=data_dir, language=language)
    marks["open the store"] = time.time()
    window: MainWindow = Launcher(ctx, None, auto_sync=False).open_window(language)
    marks["build the window, first page"] = time.time()
    job_list = window.job_list
    if job_list is None:
        sys.stderr.write("the device is not enrolled: no job list\n")
        return 2

    class PaintWatch(QObject):
        painted = False

        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.painted = True
            return False

    watch = PaintWatch()
    job_list.view.viewport().installEventFilter(watch)

    def check() -> None:
        handle = window.windowHandle()
        exposed = handle is not None and handle.isExposed()
        if job_list.model.rows and exposed and watch.painted:
            app.quit()

    poll = QTimer()
    poll.setTimerType(Qt.TimerType.PreciseTimer)
    poll.setInterval(1)
    poll.timeout.connect(check)
    poll.start()
    app.exec()
    poll.stop()
    marks["shown, exposed, painted"] = time.time()
    result = {
        "marks": {name: moment - parent_time for name, moment in marks.items()},
        "rows": len(job_list.model.rows),
        "language": language,
        "gc_objects": len(gc.get_objects()),  # after the ready mark: not timed
    }
    print(json.dumps(result), flush=True)
    ctx.task_manager.wait(30_000)  # the tab counts, running in the pool
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
