"""The wire of "HQ went back in time" (docs/sync-protocol.md §12): HQ's identity and
restore generation on every answer, and the re-upload a device sends when it sees HQ
went back. Shared by the device (sync/restore_client.py) and HQ (sync/hq/restore.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from sync.protocol import NO_NUL, Position, Strict

HQ_ID_HEADER = "X-Fieldapp-HQ-Id"
GENERATION_HEADER = "X-Fieldapp-HQ-Generation"
REUPLOAD_PATH = "/api/v1/sync/reupload"
MAX_REUPLOAD = 500


class ReuploadRow(Strict):
    """One row as the device holds it (its wire form, its version as HQ last gave it)."""

    table: str = Field(max_length=40, pattern=NO_NUL)
    row_id: str = Field(min_length=8, max_length=36, pattern=NO_NUL)
    version: Position
    fields: dict[str, Any]


class NumberBlockClaim(Strict):
    year: int = Field(ge=2000, le=9998)
    first: int = Field(ge=1, le=999_999)
    last: int = Field(ge=1, le=999_999)


class ReuploadRequest(Strict):
    # Names this recovery (generation and the cursor the device had): a resent request
    # after a lost answer is recognised as the same mutations (idempotent).
    epoch: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    rows: list[ReuploadRow] = Field(max_length=MAX_REUPLOAD)
    attempt: int = Field(default=0, ge=0, le=9)
    # The job-number blocks the device still holds: HQ may have reserved them after its
    # backup, and must know them again before it accepts the device's new jobs.
    number_blocks: list[NumberBlockClaim] = Field(default=[], max_length=100)


Outcome = Literal["inserted", "updated", "kept", "rejected"]


class ReuploadResult(BaseModel):
    table: str
    row_id: str
    outcome: Outcome
    code: str = ""
    reason: str = ""


class ReuploadResponse(BaseModel):
    results: list[ReuploadResult]
    # Blocks HQ could not take back (another device holds some of their numbers now):
    # the device forgets their unused numbers.
    refused_blocks: list[NumberBlockClaim] = []
