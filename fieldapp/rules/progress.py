"""Which parts of a job's work are done and which still miss something: the marks of
the job page's tabs ("Checklists ✓", "Faults ⚠ 1"), from what the report would show as
incomplete (fieldapp.services.work.report_gaps) and what has been recorded so far."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fieldapp.models.enums import JobStatus
from fieldapp.rules.jobflow import REPORTED_STATUSES, WORK_STATUSES

#: The part of the work where each kind of gap is put right.
SECTION_OF_GAP: dict[str, str] = {
    "checklist_missing": "checklists",
    "unanswered": "checklists",
    "photo_missing": "checklists",  # the item's photo is taken on the checklist
    "out_of_range": "checklists",
    "failed": "checklists",
    "not_a_number": "checklists",
    "fault_not_fixed": "faults",
    "no_fault": "faults",
    "no_labour": "time",
}
WORK_SECTIONS: tuple[str, ...] = (
    "findings",
    "checklists",
    "faults",
    "parts",
    "time",
    "photos",
    "signoff",
)


@dataclass(frozen=True)
class SectionMark:
    missing: int  # gaps to put right in this section
    recorded: int  # rows recorded in it

    @property
    def done(self) -> bool:
        return self.missing == 0 and self.recorded > 0


def section_marks(
    gap_codes: Iterable[str], recorded: Mapping[str, int], *, signed: bool
) -> dict[str, SectionMark]:
    """A mark per work section. The sign-off is done once signed, and until then
    counts every gap the customer would see."""
    missing = dict.fromkeys(WORK_SECTIONS, 0)
    total = 0
    for code in gap_codes:
        total += 1
        section = SECTION_OF_GAP.get(code)
        if section is not None:
            missing[section] += 1
    marks = {
        name: SectionMark(missing[name], recorded.get(name, 0))
        for name in WORK_SECTIONS
        if name != "signoff"
    }
    marks["signoff"] = SectionMark(0 if signed else total, 1 if signed else 0)
    return marks


def work_open(status: str, *, is_assignee: bool) -> bool:
    """Whether the work sections can be opened: by the assigned engineer once on site
    (the state machine's work statuses), and by anyone after signing, to read what was
    signed. Before the arrival they stay closed."""
    state = JobStatus(status)
    return state in REPORTED_STATUSES or (is_assignee and state in WORK_STATUSES)
