from __future__ import annotations

import os

# Device tokens go to the OS keyring where one exists; the tests never touch the
# developer's own (the token tests install a keyring of their own).
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from fieldapp.store import Store
from tests.factories import World, make_world
from tests.sync_support import HQ, PG_ENV, serving_hq

# CI replays the same examples every run (a red CI names a reproducible case); a
# developer's runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


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


BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not os.environ.get(PG_ENV),
            reason=f"no PostgreSQL for HQ's tests: set {PG_ENV} (.ci/run does)",
        ),
    ),
]


def seed_world(session: object) -> World:
    from fieldapp.models import JobEvent
    from tests.factories import NOW

    world = make_world(session)  # type: ignore[arg-type]
    session.add(
        JobEvent(
            job_id=world.job_id,
            kind="assigned",
            from_status="new",  # type: ignore[attr-defined]
            to_status="assigned",
            occurred_at=NOW,
            data=f'{{"assignee_id": "{world.engineer_id}"}}',
        )
    )
    return world


@pytest.fixture(params=BACKENDS)
def hq(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[HQ, World]]:
    """A real HQ on a free loopback port, seeded with the small world."""
    with serving_hq(request.param, tmp_path, seed_world) as served:
        yield served
