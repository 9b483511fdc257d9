"""Which assemblies a fault can be recorded against, by the machine's product family:
an excavator has no crane boom and winch, a crawler crane no bucket, a wheeled
excavator has drive axles and a gearbox instead of an undercarriage."""

from __future__ import annotations

from fieldapp.models.enums import Assembly, ModelFamily

_COMMON = frozenset(
    {
        Assembly.ENGINE,
        Assembly.HYDRAULIC_PUMP,
        Assembly.HYDRAULIC_VALVE,
        Assembly.HYDRAULIC_CYLINDER,
        Assembly.SLEWING,
        Assembly.TRAVEL,
        Assembly.ELECTRICS,
        Assembly.CAB,
        Assembly.OTHER,
    }
)
_BY_FAMILY: dict[str, frozenset[Assembly]] = {
    ModelFamily.CRAWLER_EXCAVATOR: _COMMON | {Assembly.UNDERCARRIAGE, Assembly.WORK_EQUIPMENT},
    ModelFamily.WETLAND_EXCAVATOR: _COMMON | {Assembly.UNDERCARRIAGE, Assembly.WORK_EQUIPMENT},
    ModelFamily.WHEELED_EXCAVATOR: _COMMON
    | {Assembly.DRIVE_AXLE, Assembly.GEARBOX, Assembly.WORK_EQUIPMENT},
    ModelFamily.CRAWLER_CRANE: _COMMON | {Assembly.UNDERCARRIAGE, Assembly.BOOM_CRANE},
}


def assemblies_for(family: str | None) -> list[Assembly]:
    """The assemblies of a product family, in the catalogue's order; every assembly when
    the family is not known (a job without a machine on file)."""
    allowed = _BY_FAMILY.get(family or "")
    return [a for a in Assembly if allowed is None or a in allowed]
