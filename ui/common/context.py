"""What every screen needs: the store, the blobs, who is using the device."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from fieldapp.blobs import BlobStore
from fieldapp.clock import utcnow
from fieldapp.models import User
from fieldapp.store import Store
from sync.client import DEVICE_ID, SERVER, USER_ID
from ui.common.tasks import TaskManager, tasks

LANGUAGE = "ui.language"


@dataclass
class AppContext:
    store: Store
    data_dir: Path
    task_manager: TaskManager = field(default_factory=tasks)
    language: str = "zh_CN"
    _user_id: str = field(default="", repr=False)

    @property
    def chinese(self) -> bool:
        return self.language.startswith("zh")

    @property
    def blobs(self) -> BlobStore:
        return BlobStore(self.data_dir / "blobs")

    @property
    def user_id(self) -> str:
        """The enrolled user; read once (it is set at enrollment and never changes)."""
        if not self._user_id:
            self._user_id = self.store.get_setting(USER_ID)
        return self._user_id

    @property
    def device_id(self) -> str | None:
        return self.store.get_setting(DEVICE_ID) or None

    @property
    def server(self) -> str:
        return self.store.get_setting(SERVER)

    @property
    def enrolled(self) -> bool:
        return bool(self.server and self.user_id)

    def user(self) -> User:
        with self.store.reader() as session:
            user = session.get(User, self.user_id)
            if user is None:
                raise LookupError("The device's user is not in the local store yet.")
            session.expunge(user)
            return user

    def now(self) -> datetime:
        return utcnow()

    def today(self) -> date:
        return datetime.now().date()  # the engineer's calendar day, local time
