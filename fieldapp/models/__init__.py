"""All tables of the domain. Importing this module registers them in the metadata."""

from fieldapp.models.base import SyncedRow, UTCDateTime
from fieldapp.models.checklists import (
    ChecklistAnswer,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateItem,
)
from fieldapp.models.company import CompanyProfile, ReportDelivery
from fieldapp.models.customers import (
    Contact,
    Customer,
    CustomerSite,
    HourMeterReading,
    Machine,
    ProductModel,
    ReminderDismissal,
)
from fieldapp.models.jobs import (
    Attachment,
    Complaint,
    Fault,
    FollowUp,
    Job,
    JobEvent,
    LicenceEvent,
    PartUsage,
    PreInspectionFinding,
    Review,
    SignOff,
    TimeEntry,
)
from fieldapp.models.local import LocalSetting, OutboxEntry, RejectedChange, SyncedRowState
from fieldapp.models.measures import MonthClose
from fieldapp.models.org import Device, Region, Team, User
from fieldapp.models.stock import (
    Part,
    PartCompatibility,
    PartsRequest,
    PartsRequestLine,
    StockLocation,
    StockMovement,
)
from fieldapp.models.sync import SyncConflict

#: Every table that syncs, in an order where a row's references come before it.
SYNCED_TABLES: tuple[type[SyncedRow], ...] = (
    Region,
    Team,
    User,
    Device,
    ProductModel,
    Customer,
    CustomerSite,
    Contact,
    Machine,
    ReminderDismissal,
    Part,
    PartCompatibility,
    StockLocation,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Job,
    JobEvent,
    HourMeterReading,
    PreInspectionFinding,
    Fault,
    Attachment,
    ChecklistRun,
    ChecklistAnswer,
    PartUsage,
    StockMovement,
    PartsRequest,
    PartsRequestLine,
    TimeEntry,
    SignOff,
    Review,
    FollowUp,
    Complaint,
    LicenceEvent,
    SyncConflict,
    CompanyProfile,
    ReportDelivery,
    MonthClose,
)

#: Append-only tables: rows are inserted, never edited, so they never conflict.
APPEND_ONLY_TABLES: frozenset[type[SyncedRow]] = frozenset(
    {
        JobEvent,
        HourMeterReading,
        ChecklistAnswer,
        StockMovement,
        SignOff,
        Review,
        FollowUp,
        LicenceEvent,
        ReportDelivery,  # the device adds it; only HQ writes its status
        MonthClose,  # a month closed again is a new row
        ReminderDismissal,  # never taken back: a reminder due later has a key of its own
    }
)

TABLES_BY_NAME: dict[str, type[SyncedRow]] = {t.__tablename__: t for t in SYNCED_TABLES}  # type: ignore[misc]

__all__ = [
    "APPEND_ONLY_TABLES",
    "SYNCED_TABLES",
    "TABLES_BY_NAME",
    "Attachment",
    "ChecklistAnswer",
    "ChecklistRun",
    "ChecklistTemplate",
    "ChecklistTemplateItem",
    "CompanyProfile",
    "Complaint",
    "Contact",
    "Customer",
    "CustomerSite",
    "Device",
    "Fault",
    "FollowUp",
    "HourMeterReading",
    "Job",
    "JobEvent",
    "LicenceEvent",
    "LocalSetting",
    "Machine",
    "MonthClose",
    "OutboxEntry",
    "Part",
    "PartCompatibility",
    "PartUsage",
    "PartsRequest",
    "PartsRequestLine",
    "PreInspectionFinding",
    "ProductModel",
    "Region",
    "RejectedChange",
    "ReminderDismissal",
    "ReportDelivery",
    "Review",
    "SignOff",
    "StockLocation",
    "StockMovement",
    "SyncConflict",
    "SyncedRow",
    "SyncedRowState",
    "Team",
    "TimeEntry",
    "UTCDateTime",
    "User",
]
