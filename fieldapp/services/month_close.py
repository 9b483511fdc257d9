"""A month closed by a supervisor: a frozen snapshot of its measures, and what changed
since (issue 12 item 4: a later change shows as a difference, never silently).

The snapshot is a :class:`fieldapp.models.MonthClose` row (append-only, synced in the
closing supervisor's ``user:`` bucket): the canonical JSON of every figure — value,
numerator, denominator, the ids counted and the exclusions with their reasons — and
its SHA-256. Ids are written once in a table and named by their position, so a month of
10,000 jobs stays a row of a few megabytes at most. Closing the month again (after the
differences were looked at) adds a row that supersedes the previous one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from fieldapp.clock import as_utc
from fieldapp.models import MonthClose, User
from fieldapp.models.enums import Role
from fieldapp.services.common import DomainError
from fieldapp.services.measures import MonthMeasures

FORMAT = 1


def canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the snapshot's form --------------------------------------------------------------------


def freeze(measures: MonthMeasures | dict[str, Any]) -> dict[str, Any]:
    """The month's measures as stored: ids interned in one list of [id, job number]."""
    plain = measures.to_dict() if isinstance(measures, MonthMeasures) else measures
    numbers: dict[str, str] = plain.get("job_numbers", {})
    index: dict[str, int] = {}
    ids: list[list[str]] = []

    def ref(value: str) -> int:
        if value not in index:
            index[value] = len(ids)
            ids.append([value, numbers.get(value, "")])
        return index[value]

    def figure(f: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in f.items() if k not in {"ids", "hits", "excluded", "key"}}
        out["ids"] = [ref(i) for i in f["ids"]]
        out["hits"] = [ref(i) for i in f.get("hits", [])]
        out["excluded"] = [[ref(i), reason] for i, reason in f["excluded"]]
        return out

    def figures(block: dict[str, Any]) -> dict[str, Any]:
        return {key: figure(f) for key, f in block.items()}

    tables = {}
    for name, table in plain["tables"].items():
        tables[name] = {
            **{k: v for k, v in table.items() if k not in {"ids", "excluded"}},
            "ids": [[ref(i) for i in row] for row in table["ids"]],
            "excluded": [[ref(i), reason] for i, reason in table["excluded"]],
        }
    return {
        "format": FORMAT,
        "month": plain["month"],
        "team_id": plain["team_id"],
        "team_name": plain["team_name"],
        "counted_at": plain["computed_at"],
        "team": figures(plain["team"]),
        "engineers": [
            {
                "engineer_id": e["engineer_id"],
                "login": e["login"],
                "name": e["name"],
                "figures": figures(e["figures"]),
            }
            for e in plain["engineers"]
        ],
        "tables": tables,
        "ids": ids,
    }


def thaw(content: dict[str, Any]) -> dict[str, Any]:
    """The stored snapshot back in :meth:`MonthMeasures.to_dict`'s form."""
    ids = [pair[0] for pair in content["ids"]]

    def figure(key: str, f: dict[str, Any]) -> dict[str, Any]:
        return {
            **f,
            "key": key,
            "ids": [ids[i] for i in f["ids"]],
            "hits": [ids[i] for i in f.get("hits", [])],
            "excluded": [[ids[i], reason] for i, reason in f["excluded"]],
        }

    def figures(block: dict[str, Any]) -> dict[str, Any]:
        return {key: figure(key, f) for key, f in block.items()}

    return {
        "month": content["month"],
        "team_id": content["team_id"],
        "team_name": content["team_name"],
        "computed_at": content["counted_at"],
        "team": figures(content["team"]),
        "engineers": [{**e, "figures": figures(e["figures"])} for e in content["engineers"]],
        "tables": {
            name: {
                **t,
                "ids": [[ids[i] for i in row] for row in t["ids"]],
                "excluded": [[ids[i], reason] for i, reason in t["excluded"]],
            }
            for name, t in content["tables"].items()
        },
        "job_numbers": {pair[0]: pair[1] for pair in content["ids"] if pair[1]},
    }


# --- closing a month ------------------------------------------------------------------------


class ClosedMonthDamaged(DomainError):
    def __init__(self) -> None:
        super().__init__("month_close_damaged", "The closed month no longer matches its hash.")


def closes(session: Session, month: str, team_id: str | None) -> list[MonthClose]:
    """Every close of the month for the team, oldest first."""
    team = col(MonthClose.team_id).is_(None) if team_id is None else MonthClose.team_id == team_id
    return list(
        session.exec(
            select(MonthClose)
            .where(MonthClose.month == month, team, col(MonthClose.deleted_at).is_(None))
            .order_by(col(MonthClose.closed_at), col(MonthClose.created_at))
        ).all()
    )


def latest_close(session: Session, month: str, team_id: str | None) -> MonthClose | None:
    """The close in force: the last one that no other supersedes."""
    rows = closes(session, month, team_id)
    superseded = {r.supersedes_id for r in rows if r.supersedes_id}
    standing = [r for r in rows if r.id not in superseded]
    return standing[-1] if standing else None


def snapshot(close: MonthClose) -> dict[str, Any]:
    """What the close froze, checked against its hash."""
    if content_hash(close.content) != close.content_hash:
        raise ClosedMonthDamaged()
    return thaw(json.loads(close.content))


def close_month(
    session: Session, measures: MonthMeasures, user: User, now: datetime, note: str = ""
) -> MonthClose:
    """Freeze the month as counted now. A supervisor closes their own team's month (an
    administrator any); a month closed before is superseded by this close."""
    if Role(user.role) not in {Role.SUPERVISOR, Role.ADMIN}:
        raise DomainError("not_a_supervisor", "Only a supervisor closes a month.")
    if Role(user.role) == Role.SUPERVISOR and (
        measures.team_id is None or measures.team_id != user.team_id
    ):
        raise DomainError("not_your_team", "A supervisor closes their own team's month.")
    previous = latest_close(session, measures.month, measures.team_id)
    text = canonical(freeze(measures))
    row = MonthClose(
        team_id=measures.team_id,
        month=measures.month,
        closed_by_id=user.id,
        closed_at=as_utc(now),
        content=text,
        content_hash=content_hash(text),
        supersedes_id=previous.id if previous else None,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


# --- differences ------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One figure (or table row) that is not what the close counted."""

    where: str  # an engineer's login, "" for the team, or "table:<name>"
    key: str  # the figure, or the table row's key joined by " / "
    before: Any
    after: Any
    added: tuple[str, ...] = ()  # ids counted now and not then
    removed: tuple[str, ...] = ()  # ids counted then and not now
    excluded_added: tuple[tuple[str, str], ...] = ()
    excluded_removed: tuple[tuple[str, str], ...] = ()


def _figure_differences(
    where: str, before: dict[str, Any], after: dict[str, Any]
) -> list[Difference]:
    found: list[Difference] = []
    for key in dict.fromkeys([*before, *after]):
        old = before.get(key) or {"value": None, "ids": [], "excluded": []}
        new = after.get(key) or {"value": None, "ids": [], "excluded": []}
        old_ids, new_ids = set(old["ids"]), set(new["ids"])
        same_hits = set(old.get("hits", [])) == set(new.get("hits", []))
        old_ex = {tuple(e) for e in old["excluded"]}
        new_ex = {tuple(e) for e in new["excluded"]}
        same_value = old["value"] == new["value"] or (
            isinstance(old["value"], float)
            and isinstance(new["value"], float)
            and abs(old["value"] - new["value"]) < 1e-9
        )
        if same_value and same_hits and old_ids == new_ids and old_ex == new_ex:
            continue
        found.append(
            Difference(
                where,
                key,
                old["value"],
                new["value"],
                tuple(sorted(new_ids - old_ids)),
                tuple(sorted(old_ids - new_ids)),
                tuple(sorted(new_ex - old_ex)),  # type: ignore[arg-type]
                tuple(sorted(old_ex - new_ex)),  # type: ignore[arg-type]
            )
        )
    return found


def _table_differences(
    name: str, before: dict[str, Any], after: dict[str, Any]
) -> list[Difference]:
    width = before.get("key_columns", 1)

    def rows(table: dict[str, Any]) -> dict[str, tuple[list[Any], set[str]]]:
        return {
            " / ".join(str(v) for v in row[:width]): (row[width:], set(ids))
            for row, ids in zip(
                table["rows"], table["ids"] or [[]] * len(table["rows"]), strict=True
            )
        }

    old, new = rows(before), rows(after)
    found = []
    for key in dict.fromkeys([*old, *new]):
        was, now = old.get(key), new.get(key)
        if was is not None and now is not None and was[0] == now[0] and was[1] == now[1]:
            continue
        found.append(
            Difference(
                f"table:{name}",
                key,
                was[0] if was else None,
                now[0] if now else None,
                tuple(sorted((now[1] if now else set()) - (was[1] if was else set()))),
                tuple(sorted((was[1] if was else set()) - (now[1] if now else set()))),
            )
        )
    return found


def differences(
    frozen: dict[str, Any], current: MonthMeasures | dict[str, Any]
) -> list[Difference]:
    """What differs between a closed month (:func:`snapshot`) and the month counted now:
    the team's figures, each engineer's, and the rows of the tables."""
    now = current.to_dict() if isinstance(current, MonthMeasures) else current
    found = _figure_differences("", frozen["team"], now["team"])
    old_engineers = {e["login"]: e["figures"] for e in frozen["engineers"]}
    new_engineers = {e["login"]: e["figures"] for e in now["engineers"]}
    for login in dict.fromkeys([*old_engineers, *new_engineers]):
        found += _figure_differences(
            login, old_engineers.get(login, {}), new_engineers.get(login, {})
        )
    for name in dict.fromkeys([*frozen["tables"], *now["tables"]]):
        if name in frozen["tables"] and name in now["tables"]:
            found += _table_differences(name, frozen["tables"][name], now["tables"][name])
    return found
