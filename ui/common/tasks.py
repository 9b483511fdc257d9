"""The one door for background work: sync, PDFs, photos and big queries run here, in
worker threads, and their results come back on the UI thread.

    tasks.run(fn, *args, on_done=..., on_error=..., on_progress=...)

``fn`` runs in the pool; if it takes a ``progress`` keyword it is given a callable
``progress(phase, done, total)``. Callbacks run on the UI thread. Results for a widget
that has gone away are dropped (``owner``)."""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
ProgressFn = Callable[[str, int, int], None]


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(str, int, int)


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        super().__init__()
        self.setAutoDelete(False)  # the manager keeps it until its signals are delivered
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except Exception as error:  # reported to the UI and logged, never lost
            log.error("Background task %s failed:\n%s", _name(self.fn), traceback.format_exc())
            self.signals.failed.emit(error)
        else:
            self.signals.done.emit(result)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", repr(fn))


class Task(QObject):
    """A running piece of background work; ``finished`` fires after its callback."""

    finished = Signal()

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.running = True


class TaskManager(QObject):
    def __init__(self, max_threads: int = 4) -> None:
        super().__init__()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(max_threads)
        self._live: dict[int, tuple[_Job, Task]] = {}

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Done | None = None,
        on_error: Failed | None = None,
        on_progress: ProgressFn | None = None,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> Task:
        job = _Job(fn, args, kwargs)
        task = Task(_name(fn))
        if "progress" in _parameters(fn):
            kwargs["progress"] = job.signals.progress.emit
        alive = _OwnerWatch(owner)

        def deliver_done(result: Any) -> None:
            self._finish(job, task)
            if on_done is not None and alive.ok:
                on_done(result)
            task.finished.emit()

        def deliver_error(error: BaseException) -> None:
            self._finish(job, task)
            if on_error is not None and alive.ok:
                on_error(error)
            task.finished.emit()

        job.signals.done.connect(deliver_done)
        job.signals.failed.connect(deliver_error)
        if on_progress is not None:
            job.signals.progress.connect(
                lambda phase, done, total: on_progress(phase, done, total) if alive.ok else None
            )
        self._live[id(job)] = (job, task)
        self.pool.start(job)
        return task

    def _finish(self, job: _Job, task: Task) -> None:
        task.running = False
        self._live.pop(id(job), None)

    @property
    def busy(self) -> int:
        return len(self._live)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the pool to drain (at exit and in tests)."""
        return self.pool.waitForDone(msecs)


def _parameters(fn: Callable[..., Any]) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()


class _OwnerWatch(QObject):
    """Tells whether the widget that asked for the work still exists."""

    def __init__(self, owner: QObject | None) -> None:
        super().__init__()
        self.ok = True
        if owner is not None:
            owner.destroyed.connect(self._gone)

    @Slot()
    def _gone(self) -> None:
        self.ok = False


TASKS: TaskManager | None = None


def tasks() -> TaskManager:
    global TASKS
    if TASKS is None:
        TASKS = TaskManager()
    return TASKS
