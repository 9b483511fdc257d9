"""The report hash: what the customer signs for, serialised canonically, and its SHA-256.

Canonical form: RFC 8785 (JSON Canonicalization Scheme) over a value tree where strings
are NFC-normalised, datetimes are UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, dates ISO, and
decimals strings. JCS fixes key order, number formatting and escaping, so the same
content gives the same bytes on every machine and Python version.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import rfc8785

REPORT_SCHEMA = "fieldapp.report/1"
MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON, which RFC 8785 builds on

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def canonical_value(value: Any) -> JsonValue:
    """The JSON value tree the hash is computed over."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return canonical_value(value.value)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError("Integers in a signed report must fit in ±(2**53 - 1).")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("A signed report cannot hold NaN or infinity.")
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("A signed report's times must be aware (UTC).")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        result: dict[str, JsonValue] = {}
        for key, item in value.items():
            name = unicodedata.normalize("NFC", str(key))
            if name in result:
                raise ValueError(f"Two keys normalise to {name!r}.")
            result[name] = canonical_value(item)
        return result
    if isinstance(value, list | tuple):
        return [canonical_value(item) for item in value]
    raise TypeError(f"Cannot put a {type(value).__name__} into a signed report.")


def canonical_bytes(content: Mapping[str, Any]) -> bytes:
    return rfc8785.dumps(canonical_value(content))


def report_hash(content: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical form of ``content``."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def verify_report(stored_content: str | bytes, expected_hash: str) -> bool:
    """Check a stored report (its canonical JSON) against the hash printed on it.

    The content is parsed and canonicalised again, so a report re-serialised by another
    system with other whitespace or key order still verifies, and any edit does not.
    """
    try:
        content = json.loads(stored_content)
    except (ValueError, TypeError):
        return False
    if not isinstance(content, dict):
        return False
    return report_hash(content) == expected_hash.lower()
