"""The vocabularies of the trade. Stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ENGINEER = "engineer"  # 服务工程师
    SUPERVISOR = "supervisor"  # 服务经理 / 部门经理
    CLERK = "clerk"  # 回访员 / 信息员
    ADMIN = "admin"


class RegionGrade(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class ModelFamily(StrEnum):
    CRAWLER_EXCAVATOR = "crawler_excavator"  # 履带式液压挖掘机
    WHEELED_EXCAVATOR = "wheeled_excavator"  # 轮胎式液压挖掘机
    WETLAND_EXCAVATOR = "wetland_excavator"  # 湿地型液压挖掘机
    CRAWLER_CRANE = "crawler_crane"  # 履带式液压起重机


class JobType(StrEnum):
    INSTALLATION = "installation"  # 安装调试
    REPAIR = "repair"  # 故障维修
    MAINTENANCE = "maintenance"  # 定期保养
    INSPECTION = "inspection"  # 巡检
    WARRANTY = "warranty"  # 三包索赔
    TRAINING = "training"  # 培训
    RETURN_VISIT = "return_visit"  # 回访


class Urgency(StrEnum):
    URGENT = "urgent"  # 紧急: on-site deadline by region
    NORMAL = "normal"
    LOW = "low"


class JobStatus(StrEnum):
    NEW = "new"  # received, not yet assigned
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"  # departure registered
    ON_SITE = "on_site"  # arrival registered
    SIGNED = "signed"  # customer signed: report frozen
    RETURNED = "returned"  # supervisor returned the report for an amendment
    APPROVED = "approved"  # supervisor approved: the report takes effect
    CLOSED = "closed"  # follow-up call done
    CANCELLED = "cancelled"


class JobEventKind(StrEnum):
    CREATED = "created"
    ANSWERED = "answered"  # first answer to the customer's call
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    RESCHEDULED = "rescheduled"
    HANDED_BACK = "handed_back"
    UNASSIGNED = "unassigned"  # the dispatcher takes the job back to the unassigned tray
    DEPARTED = "departed"  # 外派登记: departure register
    ARRIVED = "arrived"
    SUSPENDED = "suspended"  # left site unfinished (parts, next day)
    LEFT_SITE = "left_site"
    SIGNED = "signed"
    RETURNED = "returned"
    APPROVED = "approved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    CORRECTED = "corrected"  # dispatch information corrected
    # Corrections of the departure register (a mis-tap undone within minutes): the
    # register keeps the departure or arrival and this event that cancels it.
    DEPARTURE_UNDONE = "departure_undone"
    ARRIVAL_UNDONE = "arrival_undone"
    # The office's notes on a job (no change of status): a reminder of this job's machine
    # or finding dismissed with a reason; a licence event a clerk proposes for the
    # engineer and the supervisor's decision on it (clerks write no licence events).
    REMINDER_DISMISSED = "dismissed"  # max 16 characters
    LICENCE_PROPOSED = "licence_proposed"
    LICENCE_DECIDED = "licence_decided"
    # A follow-up job opened from this one (not fixed in one visit, seed 001); data names
    # it, so the job's register keeps it after the follow-up left the engineer's device.
    FOLLOW_UP = "follow_up"


class Assembly(StrEnum):
    ENGINE = "engine"
    HYDRAULIC_PUMP = "hydraulic_pump"
    HYDRAULIC_VALVE = "hydraulic_valve"
    HYDRAULIC_CYLINDER = "hydraulic_cylinder"
    SLEWING = "slewing"
    TRAVEL = "travel"
    DRIVE_AXLE = "drive_axle"
    GEARBOX = "gearbox"
    UNDERCARRIAGE = "undercarriage"
    ELECTRICS = "electrics"
    CAB = "cab"
    WORK_EQUIPMENT = "work_equipment"  # boom, arm, bucket
    BOOM_CRANE = "boom_crane"  # telescopic boom, winch
    OTHER = "other"


class RepairLocation(StrEnum):
    ON_SITE = "on_site"
    WORKSHOP = "workshop"  # 拉修


class ItemKind(StrEnum):
    CHECK = "check"
    NUMBER = "number"
    TEXT = "text"
    CHOICE = "choice"
    PHOTO = "photo"
    YES_NO = "yes_no"  # a statement answered 是/否 (the conduct checklist)


class CheckResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"
    YES = "yes"  # the answers of a yes/no item, stored as the screen said them
    NO = "no"


class StockLocationKind(StrEnum):
    CENTRAL = "central"  # 总库
    REGIONAL = "regional"  # 二级库
    VAN = "van"  # engineer's van stock


class MovementKind(StrEnum):
    RECEIPT = "receipt"  # into a warehouse from the factory
    ISSUE = "issue"  # out of a warehouse towards a van (paired with TRANSFER_IN)
    TRANSFER_IN = "transfer_in"
    USE = "use"  # fitted on a customer's machine
    RETURN = "return"  # back into stock (unused, or returned by a customer)
    ADJUST = "adjust"  # stock-take correction


class PartsRequestStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    SHIPPED = "shipped"
    RECEIVED = "received"
    REJECTED = "rejected"


class TimeKind(StrEnum):
    LABOUR = "labour"
    TRAVEL = "travel"
    WAITING = "waiting"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    SIGNATURE = "signature"
    DOCUMENT = "document"


class Satisfaction(StrEnum):
    """Follow-up outcomes, best first (seed 001)."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    HIGHLY_SATISFIED = "highly_satisfied"  # 很满意
    SATISFIED = "satisfied"  # 满意
    DISSATISFIED = "dissatisfied"  # 不满意

    @property
    def rank(self) -> int:
        """3 for the best outcome down to 0 for 不满意."""
        return {
            Satisfaction.VERY_SATISFIED: 3,
            Satisfaction.HIGHLY_SATISFIED: 2,
            Satisfaction.SATISFIED: 1,
            Satisfaction.DISSATISFIED: 0,
        }[self]


class ReviewDecision(StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"


class ReturnReason(StrEnum):
    """Why a supervisor returned a report for rework."""

    MISSING_PHOTO = "missing_photo"
    WRONG_PART = "wrong_part"
    WRONG_WARRANTY = "wrong_warranty"  # the warranty decision is wrong
    INCOMPLETE_CHECKLIST = "incomplete_checklist"
    OTHER = "other"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class LicenceEventKind(StrEnum):
    """Engineer licence points events (seed 002, Haier's service licence)."""

    BROKEN_PROMISE = "broken_promise"  # 承诺不兑现
    NON_STANDARD_SERVICE = "non_standard_service"  # 服务不规范
    OVERCHARGING = "overcharging"  # 乱收费
    NOT_FIXED_FIRST_TIME = "not_fixed_first_time"  # 一次服务不到位
    REPEAT_REPAIR = "repeat_repair"  # 多次维修
    CUSTOMER_DELIGHT = "customer_delight"  # 创造用户感动
    SMALL_IMPROVEMENT = "small_improvement"  # 小改小革


class DeliveryStatus(StrEnum):
    """A report e-mail queued on a device and sent by HQ."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; HQ keeps the error
