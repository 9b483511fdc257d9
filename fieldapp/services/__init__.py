"""Services: the domain's operations on the database, called by the UI, the CLI and HQ.

Each function works inside the caller's session (one user action = one transaction);
none commits. The rules they apply live in :mod:`fieldapp.rules`. One module per
capability, each read in one sitting:

- :mod:`.common`: ``DomainError`` (a refusal with a stable code), ``live_rows``,
  ``effective_answers``;
- :mod:`.jobs`: the register (transitions, undo), a new appointment, deadlines, the
  dispatcher's information checked and corrected, the gate for work on site, the hour meter;
- :mod:`.parts`: a machine's warranty, a line's charge decision, parts fitted, van stock;
- :mod:`.billing`: what the customer pays, the totals and the lines signed for;
- :mod:`.report`: the signed report's content and the signing;
- :mod:`.measures`: the engineer's monthly follow-up score and service bonus;
- :mod:`.work`: the work recorded on site (checklists, faults, time, photos, sign-off).

The code imports from the capability's module. The names below are re-exported so that
``from fieldapp import services; services.transition(...)`` (the tests, scripts) keeps
working; add no new name here.
"""

from fieldapp.services.billing import (
    DEFAULT_LABOUR_RATE_CENTS_PER_HOUR,
    FREE_REASONS,
    ChargeLine,
    Charges,
    charge_lines,
    charges,
    job_amount_cents,
)
from fieldapp.services.common import DomainError, effective_answers, live_rows
from fieldapp.services.jobs import (
    DISPATCH_FIELDS,
    correct_dispatch,
    dispatch_info,
    dispatch_issues,
    job_reach,
    record_event,
    record_hour_meter,
    refresh_deadlines,
    require_work_allowed,
    reschedule,
    transition,
)
from fieldapp.services.measures import EngineerMonth, engineer_month, month_bounds
from fieldapp.services.parts import line_charge, machine_warranty, stock_on_hand, use_part
from fieldapp.services.report import build_report_content, sign_job

__all__ = [
    "DEFAULT_LABOUR_RATE_CENTS_PER_HOUR",
    "DISPATCH_FIELDS",
    "FREE_REASONS",
    "ChargeLine",
    "Charges",
    "DomainError",
    "EngineerMonth",
    "build_report_content",
    "charge_lines",
    "charges",
    "correct_dispatch",
    "dispatch_info",
    "dispatch_issues",
    "effective_answers",
    "engineer_month",
    "job_amount_cents",
    "job_reach",
    "line_charge",
    "live_rows",
    "machine_warranty",
    "month_bounds",
    "record_event",
    "record_hour_meter",
    "refresh_deadlines",
    "require_work_allowed",
    "reschedule",
    "sign_job",
    "stock_on_hand",
    "transition",
    "use_part",
]
