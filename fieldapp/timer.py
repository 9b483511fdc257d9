"""The labour timer of a job: start, pause, resume, stop. Its state is a small JSON
kept in the device's local settings, so a running timer survives a restart of the app
(the time it started is what is saved, not a count). Stopping it gives the labour
minutes, rounded to the minute."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from fieldapp.clock import as_utc


def timer_key(job_id: str) -> str:
    """The local setting holding the job's timer ("" when there is none)."""
    return f"work.labour_timer.{job_id}"


@dataclass(frozen=True)
class LabourTimer:
    first_started: datetime  # when the work began: the time entry's start
    running_since: datetime | None  # None while paused
    banked_seconds: float = 0.0  # counted before the last pause

    @classmethod
    def started(cls, now: datetime) -> LabourTimer:
        return cls(first_started=now, running_since=now)

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def elapsed_seconds(self, now: datetime) -> float:
        running = (now - self.running_since).total_seconds() if self.running_since else 0.0
        return self.banked_seconds + max(0.0, running)

    def pause(self, now: datetime) -> LabourTimer:
        if self.running_since is None:
            return self
        return replace(self, running_since=None, banked_seconds=self.elapsed_seconds(now))

    def resume(self, now: datetime) -> LabourTimer:
        return self if self.running_since is not None else replace(self, running_since=now)

    def minutes(self, now: datetime) -> int:
        """The labour to record, rounded to the nearest minute."""
        return int((self.elapsed_seconds(now) + 30) // 60)

    def to_json(self) -> str:
        return json.dumps(
            {
                "first_started": self.first_started.isoformat(),
                "running_since": self.running_since.isoformat() if self.running_since else None,
                "banked_seconds": self.banked_seconds,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LabourTimer | None:
        """The saved timer; None for none (or a value that cannot be read)."""
        if not text:
            return None
        try:
            data = json.loads(text)
            running = data.get("running_since")
            return cls(
                first_started=as_utc(datetime.fromisoformat(data["first_started"])),
                running_since=as_utc(datetime.fromisoformat(running)) if running else None,
                banked_seconds=float(data.get("banked_seconds", 0.0)),
            )
        except (ValueError, KeyError, TypeError):
            return None
