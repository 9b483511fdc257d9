"""``fieldapp-hq import rescue FILE``: a damaged device's unsynced work, applied at HQ.

The rescue file (sync/rescue.py) holds the mutations the device's next push would have
sent. They are applied through the push's own path (:func:`sync.hq.apply.apply_batch`)
as that device and its user, in the same batches, so every check holds, a mutation HQ
already applied is answered from its record and never applied twice, and importing the
same file again changes nothing. Photos in the file whose content HQ lacks are stored
first (each checked against its SHA-256), as the device's blob upload would.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from fieldapp.models import Device, User
from sync import protocol as p
from sync.hq.apply import Actor, apply_batch
from sync.hq.company import store_blob
from sync.rescue import RESCUE_FORMAT, RESCUE_VERSION

log = logging.getLogger(__name__)

BATCH = 200


class RescueRefused(Exception):
    """The file is not a rescue file HQ can apply; nothing was written."""


@dataclass
class RescueReport:
    applied: int = 0
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # row, code, reason
    blobs: int = 0
    codes: Counter[str] = field(default_factory=Counter)


def load_rescue(path: Path) -> dict[str, Any]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RescueRefused(f"{path} is not a rescue file: {error}") from None
    if not isinstance(content, dict) or content.get("format") != RESCUE_FORMAT:
        raise RescueRefused(f"{path} is not a fieldapp rescue file")
    if content.get("version") != RESCUE_VERSION:
        raise RescueRefused(f"{path} is a rescue file of version {content.get('version')}")
    return content


def mutations_of(content: dict[str, Any]) -> list[p.Mutation]:
    try:
        return [p.Mutation.model_validate(m) for m in content.get("mutations", [])]
    except ValidationError as error:
        raise RescueRefused(f"a change in the file is malformed: {error}") from None


def import_rescue(session: Session, content: dict[str, Any]) -> RescueReport:
    """Apply the rescue file's mutations as its device would push them."""
    device_id = str(content.get("device_id") or "")
    user_id = str(content.get("user_id") or "")
    device = session.get(Device, device_id) if device_id else None
    if device is None:
        raise RescueRefused(f"no device {device_id!r} at HQ: was the file made elsewhere?")
    if user_id and device.user_id != user_id:
        raise RescueRefused(f"device {device_id} belongs to another user than the file says")
    user = session.get(User, device.user_id)
    if user is None:
        raise RescueRefused(f"the user of device {device_id} is gone")
    mutations = mutations_of(content)
    report = RescueReport()
    for sha256, encoded in (content.get("blobs") or {}).items():
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, TypeError):
            raise RescueRefused(f"photo {sha256} in the file is not base64") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RescueRefused(f"photo {sha256} in the file is damaged (its hash differs)")
        store_blob(session, data)
        report.blobs += 1
    actor = Actor(user=user, device_id=device.id)
    for start in range(0, len(mutations), BATCH):
        batch = mutations[start : start + BATCH]
        batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(m.mutation_id for m in batch)))
        answer = apply_batch(session, actor, p.PushRequest(batch_id=batch_id, mutations=batch))
        for mutation, result in zip(batch, answer.results, strict=True):
            if result.status == "applied":
                report.applied += 1
            else:
                code = result.code or "rejected"
                report.codes[code] += 1
                report.rejected.append(
                    (f"{mutation.table}/{mutation.row_id}", code, result.reason or "")
                )
    log.info(
        "Rescue of device %s applied: %d applied, %d refused, %d photos",
        device.id,
        report.applied,
        len(report.rejected),
        report.blobs,
    )
    return report
