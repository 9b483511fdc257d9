"""Checklist answers validated as they are filled: required items, numbers outside the
item's range, a photo where the item asks for one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fieldapp.models.enums import CheckResult, ItemKind


class ItemProblem(StrEnum):
    UNANSWERED = "unanswered"  # a required item with no answer
    OUT_OF_RANGE = "out_of_range"  # a measured number outside the item's limits
    PHOTO_MISSING = "photo_missing"  # the item asks for a photo
    FAILED = "failed"  # the check failed: allowed, but the customer must see it
    NOT_A_NUMBER = "not_a_number"


#: The answers each kind of item takes: a check is OK / not OK / N/A, a yes/no item
#: is yes or no, stored as such so that the report prints what the screen said.
CHECK_RESULTS = (CheckResult.PASS, CheckResult.FAIL, CheckResult.NOT_APPLICABLE)
YES_NO_RESULTS = (CheckResult.YES, CheckResult.NO)


def results_for(kind: str) -> tuple[CheckResult, ...]:
    """The buttons an item of this kind offers, in order."""
    if kind == ItemKind.CHECK:
        return CHECK_RESULTS
    if kind == ItemKind.YES_NO:
        return YES_NO_RESULTS
    return ()


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    required: bool
    min_value: float | None = None
    max_value: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerValue:
    result: str | None = None
    number: float | None = None
    text: str = ""
    choice: str = ""
    has_photo: bool = False


def parse_number(text: str) -> float | None:
    """A number typed by the engineer ("12,5" with a decimal comma is 12.5)."""
    cleaned = text.strip().replace(",", ".").replace("，", ".")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError as error:
        raise ValueError(ItemProblem.NOT_A_NUMBER) from error
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(ItemProblem.NOT_A_NUMBER)
    return value


def is_answered(spec: ItemSpec, answer: AnswerValue | None) -> bool:
    if answer is None:
        return False
    if spec.kind == ItemKind.CHECK:
        return answer.result in CHECK_RESULTS
    if spec.kind == ItemKind.YES_NO:
        return answer.result in YES_NO_RESULTS
    if spec.kind == ItemKind.NUMBER:
        return answer.number is not None or answer.result == CheckResult.NOT_APPLICABLE
    if spec.kind == ItemKind.TEXT:
        return bool(answer.text.strip())
    if spec.kind == ItemKind.CHOICE:
        return bool(answer.choice)
    if spec.kind == ItemKind.PHOTO:
        return answer.has_photo
    return False


def check_item(spec: ItemSpec, answer: AnswerValue | None) -> list[ItemProblem]:
    """What is wrong with an item as it stands; empty when it is fine."""
    if not is_answered(spec, answer):
        if spec.kind == ItemKind.PHOTO and spec.required:
            return [ItemProblem.PHOTO_MISSING]
        return [ItemProblem.UNANSWERED] if spec.required else []
    assert answer is not None
    problems: list[ItemProblem] = []
    if spec.kind == ItemKind.NUMBER and answer.number is not None:
        too_low = spec.min_value is not None and answer.number < spec.min_value
        too_high = spec.max_value is not None and answer.number > spec.max_value
        if too_low or too_high:
            problems.append(ItemProblem.OUT_OF_RANGE)
    if answer.result in (CheckResult.FAIL, CheckResult.NO):
        problems.append(ItemProblem.FAILED)
    return problems


def range_text(spec: ItemSpec) -> str:
    """The item's limits as shown next to the field: "10–20", "≥ 10", "≤ 20"."""
    low, high = spec.min_value, spec.max_value
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if high is not None:
        return f"≤ {high:g}"
    return ""
