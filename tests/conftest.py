from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fieldapp.store import Store
from tests.factories import World, make_world


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def world(store: Store) -> World:
    """A small customer file with one assigned job, as if pulled from HQ."""
    with store.action(track=False) as session:
        return make_world(session)
