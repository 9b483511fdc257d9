"""The device token at rest: the OS keyring where there is one, else a 0600 file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordSetError

from sync import token_store
from sync.token_store import SERVICE, load_token, save_token, token_location, token_path
from tests.factories import World
from tests.sync_support import HQ, enroll_device


class MemoryKeyring(KeyringBackend):
    """A keyring of the test's own, in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


class RefusingKeyring(MemoryKeyring):
    """A keyring that is there but refuses to store (a locked Secret Service)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("the keyring is locked")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(before)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_without_a_keyring_the_token_file_is_created_0600_from_the_start(
    tmp_path: Path, no_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, int]] = []
    real_open = os.open

    def recording_open(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        opened.append((os.fspath(path), mode))
        return real_open(path, flags, mode, **kwargs)

    def no_chmod(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the token file must not need a chmod after it is written")

    monkeypatch.setattr(token_store.os, "open", recording_open)
    monkeypatch.setattr(token_store.os, "chmod", no_chmod)
    previous = os.umask(0)  # the widest umask: a default-mode file would be 0666
    try:
        where = save_token(tmp_path, "secret-token-1")
    finally:
        os.umask(previous)

    assert where == "file"
    assert mode_of(token_path(tmp_path)) == 0o600
    assert opened and all(mode == 0o600 for _path, mode in opened)
    assert load_token(tmp_path) == "secret-token-1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["device_token"]  # no temp left

    save_token(tmp_path, "secret-token-2")  # replaced, still private
    assert load_token(tmp_path) == "secret-token-2"
    assert mode_of(token_path(tmp_path)) == 0o600


def test_with_a_keyring_the_token_goes_there_and_no_file_is_written(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    assert save_token(tmp_path, "secret-token") == "keyring"

    assert not token_path(tmp_path).exists()
    assert memory_keyring.secrets == {(SERVICE, str(tmp_path.resolve())): "secret-token"}
    assert load_token(tmp_path) == "secret-token"
    assert token_location(tmp_path) == "keyring"
    # Each data folder has its own token (the demo device and the real one).
    assert load_token(tmp_path / "other") is None


def test_a_file_token_moves_into_the_keyring_on_first_start(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    token_path(tmp_path).write_text("old-file-token\n", encoding="utf-8")

    assert load_token(tmp_path) == "old-file-token"

    assert not token_path(tmp_path).exists()
    assert memory_keyring.secrets[(SERVICE, str(tmp_path.resolve()))] == "old-file-token"
    assert load_token(tmp_path) == "old-file-token"


def test_a_keyring_that_refuses_leaves_the_token_in_the_file(tmp_path: Path) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(RefusingKeyring())
    try:
        assert save_token(tmp_path, "secret-token") == "file"
        assert mode_of(token_path(tmp_path)) == 0o600
        assert load_token(tmp_path) == "secret-token"
        assert token_path(tmp_path).exists()  # not migrated into a keyring that refuses
    finally:
        keyring.set_keyring(before)


def test_an_enrolled_device_keeps_its_token_in_the_keyring_and_syncs_with_it(
    hq: tuple[HQ, World], tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    server, _world = hq
    device = enroll_device(server, "zhang.wei", tmp_path / "zw")
    try:
        assert not token_path(device.data_dir).exists()
        assert len(memory_keyring.secrets) == 1
        report = device.sync()
        assert report.pulled > 0 and report.verified_buckets > 0
    finally:
        device.store.close()
