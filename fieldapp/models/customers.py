"""The customer file (用户档案): customers, sites, contacts, machines and models, and the
reminders to call a customer back that the office dismissed."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field

from fieldapp.models.base import SyncedRow, fk, utc_field
from fieldapp.models.enums import ModelFamily


class Customer(SyncedRow, table=True):
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=128, index=True)
    name_en: str = Field(default="", max_length=128)
    is_key_account: bool = False  # 大客户: priority in dispatch and response
    region_id: str = fk("region.id")
    address: str = Field(default="", max_length=256)
    phone: str = Field(default="", max_length=32)
    contact_name: str = Field(default="", max_length=64)
    industry: str = Field(default="", max_length=64)
    notes: str = Field(default="")


class CustomerSite(SyncedRow, table=True):
    """A place where the customer's machines work (quarry, building site, farm)."""

    customer_id: str = fk("customer.id")
    name: str = Field(max_length=128)
    address: str = Field(default="", max_length=256)
    region_id: str | None = fk("region.id", nullable=True)
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)


class Contact(SyncedRow, table=True):
    customer_id: str = fk("customer.id")
    name: str = Field(max_length=64)
    title: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=128)


class ProductModel(SyncedRow, table=True):
    """A product model and its warranty policy (三包一赔)."""

    code: str = Field(max_length=16, unique=True, index=True)
    family: str = Field(default=ModelFamily.CRAWLER_EXCAVATOR, max_length=24)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(default="", max_length=64)
    operating_weight_t: float | None = None
    return_days: int = 15  # 包退
    exchange_days: int = 30  # 包换
    warranty_months: int = 24  # 包修, free of charge
    warranty_hours: int | None = None  # optional hour-meter limit of the free warranty
    service_interval_hours: int = 250


class Machine(SyncedRow, table=True):
    customer_id: str = fk("customer.id")
    site_id: str | None = fk("customersite.id", nullable=True)
    model_id: str = fk("productmodel.id")
    serial: str = Field(max_length=32, unique=True, index=True)
    purchase_date: date | None = None
    commissioning_date: date | None = None
    hour_meter: float | None = None  # last known reading (h)
    hour_meter_read_at: datetime | None = utc_field()
    notes: str = Field(default="")


class HourMeterReading(SyncedRow, table=True):
    """Append-only history of a machine's hour meter (工作小时)."""

    machine_id: str = fk("machine.id")
    job_id: str | None = fk("job.id", nullable=True)
    hours: float
    read_at: datetime = utc_field(nullable=False)
    source: str = Field(default="engineer", max_length=16)


class ReminderDismissal(SyncedRow, table=True):
    """Append-only: a reminder to call the customer back (seed 003), dismissed by the
    office with a reason (the machine was sold, is serviced elsewhere, ...). It names the
    reminder by its stable key (:attr:`fieldapp.rules.reminders.Reminder.key`) and lives
    in the customer's bucket, so the clerks' lists and the engineers' customer files stop
    showing it once synced; it needs no job, so a machine never serviced is dismissed
    too."""

    customer_id: str = fk("customer.id")
    machine_id: str | None = fk("machine.id", nullable=True)
    reminder_key: str = Field(max_length=96, index=True)
    reason: str = Field(default="")
    dismissed_by_id: str = fk("user.id")
    dismissed_at: datetime = utc_field(nullable=False)
