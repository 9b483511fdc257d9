"""Small, explicit test data (the demo data is tested on its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from fieldapp.models import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    Customer,
    Job,
    Machine,
    Part,
    ProductModel,
    Region,
    StockLocation,
    StockMovement,
    Team,
    User,
)

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@dataclass
class World:
    region_id: str
    engineer_id: str
    other_engineer_id: str
    supervisor_id: str
    customer_id: str
    machine_id: str
    model_id: str
    filter_id: str
    pump_id: str
    van_id: str
    template_id: str
    item_ids: list[str]
    job_id: str


def make_world(session: Session) -> World:
    region = Region(code="AH", name_zh="安徽", name_en="Anhui", grade="A", is_home=True)
    session.add(region)
    session.flush()
    team = Team(name_zh="合肥服务站", name_en="Hefei service centre", region_id=region.id)
    session.add(team)
    session.flush()
    engineer = User(login="zhang.wei", display_name="张伟", role="engineer", team_id=team.id)
    other = User(login="li.qiang", display_name="李强", role="engineer", team_id=team.id)
    supervisor = User(login="wang.min", display_name="王敏", role="supervisor", team_id=team.id)
    model = ProductModel(
        code="ZY210", name_zh="ZY210 履带式液压挖掘机", name_en="ZY210 crawler excavator"
    )
    smaller = ProductModel(
        code="ZY150", name_zh="ZY150 履带式液压挖掘机", name_en="ZY150 crawler excavator"
    )
    session.add_all([engineer, other, supervisor, model, smaller])
    session.flush()
    customer = Customer(
        code="C001",
        name="合肥城建集团",
        region_id=region.id,
        address="安徽省合肥市蜀山区长江西路688号",
        phone="13905510001",
        contact_name="刘建国",
        is_key_account=True,
    )
    session.add(customer)
    session.flush()
    machine = Machine(
        customer_id=customer.id,
        model_id=model.id,
        serial="ZY2102025A0157",
        purchase_date=date(2025, 6, 1),
        hour_meter=1200.0,
    )
    oil_filter = Part(
        part_no="ZY210-6011-03",
        name_zh="液压油滤芯",
        name_en="Hydraulic oil filter element",
        price_cents=28000,
        labour_minutes=20,
        warranty_eligible=False,
    )
    pump = Part(
        part_no="ZY210-3101-01",
        name_zh="主泵",
        name_en="Main pump",
        price_cents=4_580_000,
        labour_minutes=240,
    )
    van = StockLocation(code="VAN-ZW", name="张伟服务车", kind="van", owner_user_id=engineer.id)
    template = ChecklistTemplate(code="PM-250", name_zh="250小时保养", job_type="maintenance")
    session.add_all([machine, oil_filter, pump, van, template])
    session.flush()
    items = [
        ChecklistTemplateItem(
            template_id=template.id, position=1, kind="check", label_zh="检查液压油位"
        ),
        ChecklistTemplateItem(
            template_id=template.id,
            position=2,
            kind="number",
            label_zh="液压油温",
            unit="°C",
            min_value=30,
            max_value=80,
        ),
    ]
    session.add_all(items)
    for part in (oil_filter, pump):
        session.add(
            StockMovement(
                part_id=part.id, location_id=van.id, quantity=4, kind="transfer_in", moved_at=NOW
            )
        )
    job = Job(
        number="FW-2026-000123",
        job_type="repair",
        urgency="urgent",
        status="assigned",
        customer_id=customer.id,
        machine_id=machine.id,
        team_id=team.id,
        assignee_id=engineer.id,
        contact_name="刘建国",
        contact_phone="13905510001",
        address=customer.address,
        reported_model="ZY210",
        reported_serial=machine.serial,
        reported_purchase_date=machine.purchase_date,
        reported_symptom="动臂提升无力，液压油温高",
        customer_request="尽快到场",
        received_at=NOW - timedelta(hours=1),
    )
    session.add(job)
    session.flush()
    return World(
        region_id=region.id,
        engineer_id=engineer.id,
        other_engineer_id=other.id,
        supervisor_id=supervisor.id,
        customer_id=customer.id,
        machine_id=machine.id,
        model_id=model.id,
        filter_id=oil_filter.id,
        pump_id=pump.id,
        van_id=van.id,
        template_id=template.id,
        item_ids=[i.id for i in items],
        job_id=job.id,
    )
