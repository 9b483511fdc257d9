"""Words for the domain's codes (statuses, job types, assemblies...), translated."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from fieldapp.rules.reminders import Reminder, ReminderKind

CONTEXT = "Labels"

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "new": QT_TRANSLATE_NOOP("Labels", "Not assigned"),
        "assigned": QT_TRANSLATE_NOOP("Labels", "Assigned"),
        "accepted": QT_TRANSLATE_NOOP("Labels", "Accepted"),
        "en_route": QT_TRANSLATE_NOOP("Labels", "On the way"),
        "on_site": QT_TRANSLATE_NOOP("Labels", "On site"),
        "signed": QT_TRANSLATE_NOOP("Labels", "Signed"),
        "returned": QT_TRANSLATE_NOOP("Labels", "Returned for rework"),
        "approved": QT_TRANSLATE_NOOP("Labels", "Approved"),
        "closed": QT_TRANSLATE_NOOP("Labels", "Closed"),
        "cancelled": QT_TRANSLATE_NOOP("Labels", "Cancelled"),
    },
    "job_type": {
        "installation": QT_TRANSLATE_NOOP("Labels", "Installation"),
        "repair": QT_TRANSLATE_NOOP("Labels", "Repair"),
        "maintenance": QT_TRANSLATE_NOOP("Labels", "Maintenance"),
        "inspection": QT_TRANSLATE_NOOP("Labels", "Inspection"),
        "warranty": QT_TRANSLATE_NOOP("Labels", "Warranty claim"),
        "training": QT_TRANSLATE_NOOP("Labels", "Training"),
        "return_visit": QT_TRANSLATE_NOOP("Labels", "Return visit"),
    },
    "urgency": {
        "urgent": QT_TRANSLATE_NOOP("Labels", "Urgent"),
        "normal": QT_TRANSLATE_NOOP("Labels", "Normal"),
        "low": QT_TRANSLATE_NOOP("Labels", "Low"),
    },
    "action": {
        "accepted": QT_TRANSLATE_NOOP("Labels", "Accept"),
        "handed_back": QT_TRANSLATE_NOOP("Labels", "Hand back"),
        "departed": QT_TRANSLATE_NOOP("Labels", "Depart"),
        "arrived": QT_TRANSLATE_NOOP("Labels", "Arrived on site"),
        "suspended": QT_TRANSLATE_NOOP("Labels", "Leave unfinished"),
        "departure_undone": QT_TRANSLATE_NOOP("Labels", "Undo departure"),
        "arrival_undone": QT_TRANSLATE_NOOP("Labels", "Undo arrival"),
    },
    "event": {
        "created": QT_TRANSLATE_NOOP("Labels", "Received"),
        "answered": QT_TRANSLATE_NOOP("Labels", "Answered"),
        "assigned": QT_TRANSLATE_NOOP("Labels", "Assigned"),
        "accepted": QT_TRANSLATE_NOOP("Labels", "Accepted"),
        "rescheduled": QT_TRANSLATE_NOOP("Labels", "New time agreed"),
        "handed_back": QT_TRANSLATE_NOOP("Labels", "Handed back"),
        "unassigned": QT_TRANSLATE_NOOP("Labels", "Back to unassigned"),
        "departed": QT_TRANSLATE_NOOP("Labels", "Departed"),
        "arrived": QT_TRANSLATE_NOOP("Labels", "Arrived"),
        "suspended": QT_TRANSLATE_NOOP("Labels", "Left unfinished"),
        "left_site": QT_TRANSLATE_NOOP("Labels", "Left site"),
        "signed": QT_TRANSLATE_NOOP("Labels", "Signed by the customer"),
        "returned": QT_TRANSLATE_NOOP("Labels", "Returned for rework"),
        "approved": QT_TRANSLATE_NOOP("Labels", "Approved"),
        "closed": QT_TRANSLATE_NOOP("Labels", "Closed"),
        "cancelled": QT_TRANSLATE_NOOP("Labels", "Cancelled"),
        "corrected": QT_TRANSLATE_NOOP("Labels", "Dispatch information corrected"),
        "departure_undone": QT_TRANSLATE_NOOP("Labels", "Departure undone"),
        "arrival_undone": QT_TRANSLATE_NOOP("Labels", "Arrival undone"),
        "follow_up": QT_TRANSLATE_NOOP("Labels", "Follow-up job opened"),
    },
    "assembly": {
        "engine": QT_TRANSLATE_NOOP("Labels", "Engine"),
        "hydraulic_pump": QT_TRANSLATE_NOOP("Labels", "Hydraulic pump"),
        "hydraulic_valve": QT_TRANSLATE_NOOP("Labels", "Hydraulic valve"),
        "hydraulic_cylinder": QT_TRANSLATE_NOOP("Labels", "Hydraulic cylinder"),
        "slewing": QT_TRANSLATE_NOOP("Labels", "Slewing"),
        "travel": QT_TRANSLATE_NOOP("Labels", "Travel system"),
        "drive_axle": QT_TRANSLATE_NOOP("Labels", "Drive axle"),
        "gearbox": QT_TRANSLATE_NOOP("Labels", "Gearbox"),
        "undercarriage": QT_TRANSLATE_NOOP("Labels", "Undercarriage"),
        "electrics": QT_TRANSLATE_NOOP("Labels", "Electrics"),
        "cab": QT_TRANSLATE_NOOP("Labels", "Cab"),
        "work_equipment": QT_TRANSLATE_NOOP("Labels", "Boom, arm and bucket"),
        "boom_crane": QT_TRANSLATE_NOOP("Labels", "Crane boom and winch"),
        "other": QT_TRANSLATE_NOOP("Labels", "Other"),
    },
    "repair_location": {
        "on_site": QT_TRANSLATE_NOOP("Labels", "Repaired on site"),
        "workshop": QT_TRANSLATE_NOOP("Labels", "Taken to the workshop"),
    },
    "time_kind": {
        "labour": QT_TRANSLATE_NOOP("Labels", "Labour"),
        "travel": QT_TRANSLATE_NOOP("Labels", "Travel"),
        "waiting": QT_TRANSLATE_NOOP("Labels", "Waiting"),
    },
    "return_reason": {  # why a supervisor returned a report (ReturnReason)
        "missing_photo": QT_TRANSLATE_NOOP("Labels", "Missing photo"),
        "wrong_part": QT_TRANSLATE_NOOP("Labels", "Wrong part"),
        "wrong_warranty": QT_TRANSLATE_NOOP("Labels", "Wrong warranty decision"),
        "incomplete_checklist": QT_TRANSLATE_NOOP("Labels", "Incomplete checklist"),
        "other": QT_TRANSLATE_NOOP("Labels", "Other"),
    },
    "licence": {  # licence events (seed 002), with the sign of their points
        "broken_promise": QT_TRANSLATE_NOOP("Labels", "Broken promise (−)"),
        "non_standard_service": QT_TRANSLATE_NOOP("Labels", "Non-standard service (−)"),
        "overcharging": QT_TRANSLATE_NOOP("Labels", "Overcharging (−)"),
        "not_fixed_first_time": QT_TRANSLATE_NOOP("Labels", "Not fixed in one visit (−)"),
        "repeat_repair": QT_TRANSLATE_NOOP("Labels", "Repeat repairs (−)"),
        "customer_delight": QT_TRANSLATE_NOOP("Labels", "Customer delighted (+)"),
        "small_improvement": QT_TRANSLATE_NOOP("Labels", "Small improvement (+)"),
    },
    "satisfaction": {
        "very_satisfied": QT_TRANSLATE_NOOP("Labels", "Very satisfied"),
        "highly_satisfied": QT_TRANSLATE_NOOP("Labels", "Highly satisfied"),
        "satisfied": QT_TRANSLATE_NOOP("Labels", "Satisfied"),
        "dissatisfied": QT_TRANSLATE_NOOP("Labels", "Dissatisfied"),
    },
    "warranty": {
        # Chinese: 包退期 / 包换期 / 包修期 (三包), never mixed into the English words.
        "return_period": QT_TRANSLATE_NOOP(
            "Labels", "Return period: return, exchange or free repair"
        ),
        "exchange_period": QT_TRANSLATE_NOOP("Labels", "Exchange period: exchange or free repair"),
        "in_warranty": QT_TRANSLATE_NOOP("Labels", "In warranty: free repair"),
        "expired": QT_TRANSLATE_NOOP("Labels", "Out of warranty: chargeable"),
        "unknown": QT_TRANSLATE_NOOP("Labels", "Warranty unknown: no purchase date"),
    },
    "dispatch_field": {
        "customer_name": QT_TRANSLATE_NOOP("Labels", "Customer"),
        "address": QT_TRANSLATE_NOOP("Labels", "Address"),
        "phone": QT_TRANSLATE_NOOP("Labels", "Phone"),
        "model": QT_TRANSLATE_NOOP("Labels", "Model"),
        "serial": QT_TRANSLATE_NOOP("Labels", "Serial number"),
        "purchase_date": QT_TRANSLATE_NOOP("Labels", "Purchase date"),
        "symptom": QT_TRANSLATE_NOOP("Labels", "Symptom"),
        "request": QT_TRANSLATE_NOOP("Labels", "Customer's request"),
    },
    "issue": {
        "missing": QT_TRANSLATE_NOOP("Labels", "missing"),
        "address_too_vague": QT_TRANSLATE_NOOP("Labels", "too vague to find the site"),
        "phone_invalid": QT_TRANSLATE_NOOP("Labels", "not a valid phone number"),
        "model_unknown": QT_TRANSLATE_NOOP("Labels", "not one of our models"),
        "model_differs_from_file": QT_TRANSLATE_NOOP("Labels", "differs from the machine on file"),
        "serial_malformed": QT_TRANSLATE_NOOP("Labels", "does not look like a serial number"),
        "purchase_date_in_future": QT_TRANSLATE_NOOP("Labels", "is in the future"),
        "symptom_too_short": QT_TRANSLATE_NOOP("Labels", "too short to prepare the visit"),
    },
    "gap": {
        "checklist_missing": QT_TRANSLATE_NOOP("Labels", "Checklist not started"),
        "unanswered": QT_TRANSLATE_NOOP("Labels", "Required item not answered"),
        "photo_missing": QT_TRANSLATE_NOOP("Labels", "Photo missing"),
        "out_of_range": QT_TRANSLATE_NOOP("Labels", "Value out of range"),
        "failed": QT_TRANSLATE_NOOP("Labels", "Check failed"),
        "not_a_number": QT_TRANSLATE_NOOP("Labels", "Not a number"),
        "fault_not_fixed": QT_TRANSLATE_NOOP("Labels", "Fault not fixed and no follow-up job"),
        "no_fault": QT_TRANSLATE_NOOP("Labels", "Repair job without a recorded fault"),
        "no_labour": QT_TRANSLATE_NOOP("Labels", "No labour time recorded"),
    },
    "error": {
        "assignee_required": QT_TRANSLATE_NOOP("Labels", "Assign the job to an engineer."),
        "already_assigned": QT_TRANSLATE_NOOP("Labels", "The job is already this engineer's."),
        "assignee_not_in_team": QT_TRANSLATE_NOOP("Labels", "That engineer is not in your team."),
        "not_assigned": QT_TRANSLATE_NOOP("Labels", "The job is not assigned."),
        "customer_required": QT_TRANSLATE_NOOP("Labels", "Pick the customer or enter a new one."),
        "customer_name_required": QT_TRANSLATE_NOOP("Labels", "The customer's name is required."),
        "region_required": QT_TRANSLATE_NOOP("Labels", "Pick the customer's region."),
        "serial_required": QT_TRANSLATE_NOOP("Labels", "The machine's serial number is required."),
        "serial_taken": QT_TRANSLATE_NOOP("Labels", "A machine with this serial is on file."),
        "model_required": QT_TRANSLATE_NOOP("Labels", "Pick the machine's model."),
        "machine_not_customers": QT_TRANSLATE_NOOP(
            "Labels", "That machine belongs to another customer."
        ),
        "cannot_reschedule": QT_TRANSLATE_NOOP("Labels", "This job cannot be rescheduled now."),
        "choice_unknown": QT_TRANSLATE_NOOP("Labels", "Pick one of the offered answers."),
        "finding_incomplete": QT_TRANSLATE_NOOP("Labels", "Say which part and what is wrong."),
        "gaps_not_acknowledged": QT_TRANSLATE_NOOP(
            "Labels", "What is incomplete changed: go through it with the customer again."
        ),
        "engineer_gaps_open": QT_TRANSLATE_NOOP(
            "Labels", "Settle your open items first, or say why they stay open."
        ),
        "danger_required": QT_TRANSLATE_NOOP(
            "Labels", "Tell the customer what may happen if it is not fixed now."
        ),
        "hour_meter_invalid": QT_TRANSLATE_NOOP(
            "Labels", "An hour meter reading cannot be negative."
        ),
        "hour_meter_backwards": QT_TRANSLATE_NOOP(
            "Labels", "The hour meter cannot read less than last time."
        ),
        "minutes_invalid": QT_TRANSLATE_NOOP("Labels", "Enter between 1 minute and 24 hours."),
        "not_on_site": QT_TRANSLATE_NOOP(
            "Labels", "Work is recorded once the arrival is registered."
        ),
        "quantity_invalid": QT_TRANSLATE_NOOP("Labels", "The quantity must be at least 1."),
        "reason_required": QT_TRANSLATE_NOOP("Labels", "Give a reason."),
        "report_frozen": QT_TRANSLATE_NOOP("Labels", "The report is signed; the job can't change."),
        "row_unknown": QT_TRANSLATE_NOOP("Labels", "That entry is not part of this job."),
        "signature_required": QT_TRANSLATE_NOOP("Labels", "The customer's signature is required."),
        "signer_required": QT_TRANSLATE_NOOP("Labels", "The customer's name is required."),
        "symptom_required": QT_TRANSLATE_NOOP("Labels", "Describe the symptom."),
        "override_reason_required": QT_TRANSLATE_NOOP(
            "Labels", "Say why the rule's charge decision is overridden."
        ),
        "illegal_transition": QT_TRANSLATE_NOOP("Labels", "This is not possible at this stage."),
        "forbidden_role": QT_TRANSLATE_NOOP("Labels", "Your role may not do this."),
        "not_assignee": QT_TRANSLATE_NOOP("Labels", "Only the assigned engineer may do this."),
        "not_a_number": QT_TRANSLATE_NOOP("Labels", "Enter a number, e.g. 12.5"),
        "undo_expired": QT_TRANSLATE_NOOP(
            "Labels", "It is too late to undo this; the register keeps it."
        ),
    },
    "charge": {
        "warranty": QT_TRANSLATE_NOOP("Labels", "Warranty: free"),
        "out_of_warranty": QT_TRANSLATE_NOOP("Labels", "Chargeable: out of warranty"),
        "consumable": QT_TRANSLATE_NOOP("Labels", "Chargeable: consumable part"),
        "misuse": QT_TRANSLATE_NOOP("Labels", "Chargeable: misuse"),
        "maintenance": QT_TRANSLATE_NOOP("Labels", "Chargeable: scheduled maintenance"),
        "unknown_date": QT_TRANSLATE_NOOP("Labels", "Chargeable: purchase date unknown"),
        "overridden": QT_TRANSLATE_NOOP("Labels", "Decision overridden"),
    },
    "request_status": {
        "requested": QT_TRANSLATE_NOOP("Labels", "Requested"),
        "approved": QT_TRANSLATE_NOOP("Labels", "Approved for delivery"),
        "shipped": QT_TRANSLATE_NOOP("Labels", "Shipped"),
        "received": QT_TRANSLATE_NOOP("Labels", "Received in the van"),
        "rejected": QT_TRANSLATE_NOOP("Labels", "Rejected"),
    },
    "industry": {
        "agriculture": QT_TRANSLATE_NOOP("Labels", "Agriculture"),
        "construction": QT_TRANSLATE_NOOP("Labels", "Construction"),
        "crane_hire": QT_TRANSLATE_NOOP("Labels", "Crane hire"),
        "mining": QT_TRANSLATE_NOOP("Labels", "Mining"),
        "municipal": QT_TRANSLATE_NOOP("Labels", "Municipal works"),
        "owner_operator": QT_TRANSLATE_NOOP("Labels", "Owner-operator"),
        "quarry": QT_TRANSLATE_NOOP("Labels", "Quarry"),
        "rental": QT_TRANSLATE_NOOP("Labels", "Equipment rental"),
        "water_conservancy": QT_TRANSLATE_NOOP("Labels", "Water conservancy"),
    },
    "reading_source": {
        "engineer": QT_TRANSLATE_NOOP("Labels", "read by the engineer"),
        "telematics": QT_TRANSLATE_NOOP("Labels", "sent by the machine"),
        "customer": QT_TRANSLATE_NOOP("Labels", "told by the customer"),
    },
    "check": {
        "pass": QT_TRANSLATE_NOOP("Labels", "OK"),
        "fail": QT_TRANSLATE_NOOP("Labels", "Not OK"),
        "na": QT_TRANSLATE_NOOP("Labels", "N/A"),
        "yes": QT_TRANSLATE_NOOP("Labels", "Yes"),
        "no": QT_TRANSLATE_NOOP("Labels", "No"),
    },
}


def label(kind: str, code: str | None) -> str:
    """The word for ``code`` in the UI's language; the code itself if unknown."""
    if code is None:
        return ""
    text = LABELS.get(kind, {}).get(str(code))
    if text is None:
        return str(code)
    return QCoreApplication.translate(CONTEXT, text)


def error_text(error: BaseException) -> str:
    """A refusal of the rules in plain words of the UI's language."""
    code = getattr(error, "code", None)
    if code and code in LABELS["error"]:
        return label("error", code)
    return str(error)


def reminder_text(reminder: Reminder) -> str:
    """What is due, in one line (the office's list and the engineer's customer file)."""
    if reminder.kind == ReminderKind.SERVICE_HOURS:
        text = (
            QCoreApplication.translate("Reminders", "%1 h service due at %2 h (now about %3 h)")
            .replace("%1", str(reminder.service_hours))
            .replace("%2", f"{reminder.mark_hours:g}")
            .replace("%3", f"{reminder.estimated_hours or 0:g}")
        )
    elif reminder.kind == ReminderKind.SERVICE_DATE:
        text = QCoreApplication.translate("Reminders", "Maintenance due by date: %1").replace(
            "%1", str(reminder.due_on)
        )
    elif reminder.kind == ReminderKind.WARRANTY_ENDING:
        text = QCoreApplication.translate("Reminders", "Free warranty ends on %1").replace(
            "%1", str(reminder.due_on)
        )
    else:
        text = (
            QCoreApplication.translate("Reminders", "Declined repair: %1 — %2")
            .replace("%1", label("assembly", reminder.component))
            .replace("%2", reminder.description)
        )
    return (
        (QCoreApplication.translate("Reminders", "Overdue: ") + text) if reminder.overdue else text
    )
