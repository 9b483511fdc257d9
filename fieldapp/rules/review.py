"""The supervisor's review of a signed report: its flags, the differences between two
revisions (or between what was signed and the live rows), and when the customer must
sign an amended report again. Pure functions over the signed content (the value tree of
``fieldapp.services.report.build_report_content``) and facts the caller looks up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fieldapp.models.enums import CheckResult


class Flag(StrEnum):
    """What a supervisor looks at twice before approving a report."""

    SYNC_CONFLICT = "sync_conflict"  # HQ and a device changed the same field of the job
    OUT_OF_RANGE = "out_of_range"  # a measured value outside its checklist item's limits
    CHECKLIST_FAILED = "checklist_failed"  # a check answered "not OK" (or "no")
    FAULT_NOT_FIXED = "fault_not_fixed"  # a fault left unfixed and no follow-up job
    WARRANTY_OVERRIDE = "warranty_override"  # a part moved warranty <-> chargeable by hand


#: Bits of each flag, for a precomputed index (one integer per report).
FLAG_BITS: dict[Flag, int] = {
    Flag.OUT_OF_RANGE: 1,
    Flag.CHECKLIST_FAILED: 2,
    Flag.FAULT_NOT_FIXED: 4,
    Flag.WARRANTY_OVERRIDE: 8,
    Flag.SYNC_CONFLICT: 16,
}
#: The flags that follow from the signed content alone (they never change).
CONTENT_FLAGS = frozenset(
    {Flag.OUT_OF_RANGE, Flag.CHECKLIST_FAILED, Flag.FAULT_NOT_FIXED, Flag.WARRANTY_OVERRIDE}
)
FAILED_RESULTS = frozenset({CheckResult.FAIL.value, CheckResult.NO.value})


class WarrantyShare(StrEnum):
    """How much of the report's worth the warranty covers."""

    NONE = "none"  # the customer pays for everything (or nothing is worth anything)
    SOME = "some"
    ALL = "all"  # every line worth something is free under warranty


#: (template code, revision, item position) -> (min, max) of a number item.
Ranges = Mapping[tuple[str, int | None, int], tuple[float | None, float | None]]


def _out_of_range(answer: Mapping[str, Any], limits: tuple[float | None, float | None]) -> bool:
    number = answer.get("number")
    if not isinstance(number, int | float) or isinstance(number, bool):
        return False
    low, high = limits
    return (low is not None and number < low) or (high is not None and number > high)


def content_flags(content: Mapping[str, Any], ranges: Ranges) -> frozenset[Flag]:
    """The flags the signed content carries by itself. ``ranges`` gives each number
    item's limits (the content keeps the measured value, the template its range).
    "Fault not fixed" is raised here for every unfixed fault; :func:`review_flags`
    clears it when a follow-up job exists."""
    flags: set[Flag] = set()
    for checklist in content.get("checklists") or []:
        key = (str(checklist.get("template") or ""), checklist.get("revision"))
        for answer in checklist.get("answers") or []:
            if answer.get("result") in FAILED_RESULTS:
                flags.add(Flag.CHECKLIST_FAILED)
            limits = ranges.get((key[0], key[1], int(answer.get("position") or 0)))
            if limits is not None and _out_of_range(answer, limits):
                flags.add(Flag.OUT_OF_RANGE)
    if any(not fault.get("fixed") for fault in content.get("faults") or []):
        flags.add(Flag.FAULT_NOT_FIXED)
    if any(str(part.get("override_reason") or "").strip() for part in content.get("parts") or []):
        flags.add(Flag.WARRANTY_OVERRIDE)
    return frozenset(flags)


def review_flags(
    content: Mapping[str, Any],
    ranges: Ranges,
    *,
    has_sync_conflict: bool,
    has_follow_up: bool,
) -> frozenset[Flag]:
    """All flags of a signed report: its content's, plus a sync conflict on the job's
    rows; a fault not fixed stops being a flag once a follow-up job takes it over
    (seed 001: a follow-up job until the machine is fully working again)."""
    flags = set(content_flags(content, ranges))
    if has_follow_up:
        flags.discard(Flag.FAULT_NOT_FIXED)
    if has_sync_conflict:
        flags.add(Flag.SYNC_CONFLICT)
    return frozenset(flags)


def flag_bits(flags: frozenset[Flag] | set[Flag]) -> int:
    return sum(FLAG_BITS[flag] for flag in flags)


def flags_of_bits(bits: int) -> frozenset[Flag]:
    return frozenset(flag for flag, bit in FLAG_BITS.items() if bits & bit)


def warranty_share(content: Mapping[str, Any]) -> WarrantyShare:
    """From the signed charge lines: what the lines are worth and what is charged."""
    charges = content.get("charges") or {}
    lines = charges.get("lines") or []
    worth = sum(int(line.get("value_cents") or 0) for line in lines)
    free = sum(
        int(line.get("value_cents") or 0)
        for line in lines
        if int(line.get("value_cents") or 0) and not int(line.get("amount_cents") or 0)
    )
    if not worth or not free:
        return WarrantyShare.NONE
    return WarrantyShare.ALL if free >= worth else WarrantyShare.SOME


# --- differences ------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One field that differs: ``path`` like ``parts[ZY210-6011-03].quantity`` or
    ``faults[2].fixed``; ``before`` / ``after`` None where the item is absent."""

    path: str
    before: Any
    after: Any


KeyOf = Callable[[Mapping[str, Any]], str]


def _field(*names: str) -> KeyOf:
    return lambda item: "/".join(str(item.get(name) or "") for name in names)


#: How the items of a list are matched between two revisions, by the list's path
#: (indexes removed). Items with an ``id`` are matched by it; lists named here by their
#: natural key; the others (faults, time, findings...) by position.
LIST_KEYS: dict[str, KeyOf] = {
    "parts": _field("part_no"),
    "charges.lines": _field("kind", "part_no"),
    "checklists": _field("template"),
    "checklists.answers": _field("position"),
    "open_items.customer": _field("code", "subject"),
    "open_items.engineer": _field("code", "subject"),
}


def _pattern(path: str) -> str:
    parts = []
    depth = 0
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            parts.append(char)
    return "".join(parts)


def _keyed(items: list[Any], path: str) -> dict[str, Any] | None:
    if not items or not all(isinstance(item, Mapping) for item in items):
        if items and all(isinstance(item, str) for item in items):
            # A list of hashes (the photos): matched by value, order carries nothing.
            counts: dict[str, int] = {}
            keyed: dict[str, Any] = {}
            for item in items:
                counts[item] = counts.get(item, 0) + 1
                keyed[item if counts[item] == 1 else f"{item}#{counts[item]}"] = item
            return keyed
        return None
    key_of = LIST_KEYS.get(_pattern(path))
    if key_of is None and all("id" in item for item in items):
        key_of = _field("id")
    if key_of is None:
        return None
    result: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for item in items:
        key = key_of(item)
        seen[key] = seen.get(key, 0) + 1
        result[key if seen[key] == 1 else f"{key}#{seen[key]}"] = item
    return result


def _diff(before: Any, after: Any, path: str, out: list[Difference]) -> None:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(set(before) | set(after)):
            sub = f"{path}.{key}" if path else str(key)
            _diff(before.get(key), after.get(key), sub, out)
        return
    if isinstance(before, list) and isinstance(after, list):
        keyed_before = _keyed(before, path)
        keyed_after = _keyed(after, path)
        if (keyed_before is not None or not before) and (keyed_after is not None or not after):
            left, right = keyed_before or {}, keyed_after or {}
            if left or right:
                for key in [*left, *(k for k in right if k not in left)]:
                    _diff(left.get(key), right.get(key), f"{path}[{key}]", out)
                return
        for index in range(max(len(before), len(after))):
            _diff(
                before[index] if index < len(before) else None,
                after[index] if index < len(after) else None,
                f"{path}[{index + 1}]",
                out,
            )
        return
    if (before == after and type(before) is type(after)) or _same_number(before, after):
        return
    out.append(Difference(path, before, after))


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )


def content_differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Difference]:
    """Field by field, what changed from ``before`` to ``after`` (two signed contents, or
    a signed content and the same report rebuilt from the live rows)."""
    out: list[Difference] = []
    _diff(before, after, "", out)
    return out


# --- the re-sign rule -------------------------------------------------------------------


def _customer_checklists(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "template": checklist.get("template"),
            "answers": [
                {
                    "position": answer.get("position"),
                    "item": answer.get("item"),
                    "result": answer.get("result"),
                    "number": answer.get("number"),
                    "text": answer.get("text"),
                    "choice": answer.get("choice"),
                }
                for answer in checklist.get("answers") or []
            ],
        }
        for checklist in content.get("checklists") or []
        if not checklist.get("internal")
    ]


PART_FIELDS = ("part_no", "name", "quantity", "unit_price_cents", "warranty", "old_part_shown")
FAULT_FIELDS = ("assembly", "code", "symptom", "cause", "action", "fixed", "repair_location")
FAULT_FIELDS_MORE = ("loaner",)


def customer_view(content: Mapping[str, Any]) -> dict[str, Any]:
    """What of a report the customer's signature commits them to: what they pay and
    what was done for them. See :func:`customer_must_sign_again`."""
    charges = content.get("charges") or {}
    machine = content.get("machine") or {}
    return {
        "machine": {"model": machine.get("model"), "serial": machine.get("serial")},
        "charges": {
            "lines": [
                {
                    key: line.get(key)
                    for key in ("kind", "part_no", "quantity", "unit_price_cents", "amount_cents")
                }
                for line in charges.get("lines") or []
            ],
            "total_cents": charges.get("total_cents"),
            "warranty_cents": charges.get("warranty_cents"),
        },
        "amount_cents": content.get("amount_cents"),
        "faults": [
            {key: fault.get(key) for key in (*FAULT_FIELDS, *FAULT_FIELDS_MORE)}
            for fault in content.get("faults") or []
        ],
        "parts": [
            {key: part.get(key) for key in PART_FIELDS} for part in content.get("parts") or []
        ],
        "checklists": _customer_checklists(content),
        "findings": [
            {key: finding.get(key) for key in ("component", "description", "fix_now", "danger")}
            for finding in content.get("findings") or []
        ],
        "open_items": [
            {"code": gap.get("code"), "subject": gap.get("subject")}
            for gap in (content.get("open_items") or {}).get("customer") or []
        ],
    }


def customer_differences(
    previous: Mapping[str, Any], amended: Mapping[str, Any]
) -> list[Difference]:
    """The differences between two revisions that the customer must sign for."""
    return content_differences(customer_view(previous), customer_view(amended))


def customer_must_sign_again(previous: Mapping[str, Any], amended: Mapping[str, Any]) -> bool:
    """Whether the customer signs an amended report again, or the engineer alone may
    sign the amendment on the strength of the customer's first signature.

    The customer's signature confirms two things (the declaration above it): *what they
    are charged* and *what was done for them*. So they sign again when any of these
    changed between the revision they signed and the amendment:

    - the charge lines and totals (a part moved from warranty to chargeable or back, a
      quantity, a price, the labour time charged) — their money;
    - the faults and what was done about them (symptom, cause, action, fixed or not,
      repaired on site or in the workshop, a loaner), the parts fitted on their machine
      (which, how many, warranty or not, the old part shown), and the machine itself;
    - the answers of the checklists printed on the customer copy (not the company's
      internal ones), and the pre-inspection findings they were told about and declined;
    - what they acknowledged as still open when they signed.

    They do not sign again when only the company's own things changed: the internal
    checklists (on-site conduct...), the engineer's reasons for his own open items, the
    time entries' notes and the travel time (never charged), the photos added as
    evidence for the company, the engineer's signature, the letterhead, the register.
    Those are the company's record of its own work, which the supervisor reviews; the
    customer agreed to nothing in them, so making them sign again would only cost a
    visit or a call. When in doubt the rule errs towards signing again: every field of
    a customer-facing item counts, not only those that change the total."""
    return bool(customer_differences(previous, amended))
