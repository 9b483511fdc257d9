"""Where the device keeps its token: the OS keyring where there is one, else a file.

The keyring (``keyring``: Windows Credential Manager, macOS Keychain, the Secret Service
of a Linux desktop) is used when its backend is a real one; the ``fail`` and ``null``
backends, or one that errors when asked, mean "no keyring here" and the token goes to
``device_token`` in the data folder, created with mode 0600 from the first byte
(``os.open`` with 0o600, never written with the default umask and chmod-ed after).
A token found in the file while a keyring works is moved into the keyring on first use
and the file removed. Each data folder has its own entry (the account is its path), so
a demo device and the real one do not share a token.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TOKEN_FILE = "device_token"
SERVICE = "fieldapp"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def _account(data_dir: Path) -> str:
    return str(data_dir.resolve())


def usable_keyring() -> Any | None:
    """The keyring backend if it is a real one, else None."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError:  # pragma: no cover - a dependency; a stripped install falls back
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # a broken keyring configuration is "no keyring"
        log.warning("No usable keyring (%s): the token stays in a file", error)
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def _keyring_get(backend: Any, data_dir: Path) -> str | None:
    try:
        value = backend.get_password(SERVICE, _account(data_dir))
    except Exception as error:  # a locked or vanished keyring: fall back to the file
        log.warning("The keyring could not be read (%s)", error)
        return None
    return value or None


def _keyring_set(backend: Any, data_dir: Path, token: str) -> bool:
    """Store the token; True only when it reads back the same."""
    try:
        backend.set_password(SERVICE, _account(data_dir), token)
        return bool(backend.get_password(SERVICE, _account(data_dir)) == token)
    except Exception as error:
        log.warning("The keyring refused the token (%s): it stays in a file", error)
        return False


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as a file only its owner can read, durably.

    The temporary file is created 0600 with O_EXCL, so the token is never readable by
    others, not even for a moment, and a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, text.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


def save_token(data_dir: Path, token: str) -> str:
    """Keep the token; answers where it went: "keyring" or "file"."""
    backend = usable_keyring()
    if backend is not None and _keyring_set(backend, data_dir, token):
        with contextlib.suppress(FileNotFoundError):
            token_path(data_dir).unlink()
        return "keyring"
    write_private_file(token_path(data_dir), token)
    return "file"


def load_token(data_dir: Path) -> str | None:
    """The device's token, or None when it has none. A file token is moved into a
    working keyring the first time it is read."""
    backend = usable_keyring()
    if backend is not None:
        token = _keyring_get(backend, data_dir)
        if token:
            return token
    path = token_path(data_dir)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):  # none, or no data folder at all
        return None
    if not token:
        return None
    if backend is not None and _keyring_set(backend, data_dir, token):
        path.unlink()
        log.info("Device token moved from %s into the OS keyring", path)
    return token


def has_token(data_dir: Path) -> bool:
    return load_token(data_dir) is not None


def token_location(data_dir: Path) -> str:
    """Where the token is now: "keyring", "file" or "" (none)."""
    backend = usable_keyring()
    if backend is not None and _keyring_get(backend, data_dir):
        return "keyring"
    return "file" if token_path(data_dir).is_file() else ""


def forget_token(data_dir: Path) -> None:
    """Remove the token wherever it is (a fresh enrollment replaces it)."""
    backend = usable_keyring()
    if backend is not None:
        with contextlib.suppress(Exception):
            backend.delete_password(SERVICE, _account(data_dir))
    with contextlib.suppress(FileNotFoundError):
        token_path(data_dir).unlink()
