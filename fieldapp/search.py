"""Search text for the parts catalogue: a fragment of the Chinese name, of the English
name, of the pinyin initials, or of the part number finds the part.

SQLite's FTS5 (unicode61 tokenizer) indexes ``Part.search_text``. Chinese names are
written one character per token, so a phrase query of consecutive characters matches
any fragment of a name, even one or two characters long ("滤芯" in "液压油滤芯").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import text as sql_text

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[0-9a-z]+")


@lru_cache(maxsize=65536)  # catalogue names repeat across models: 液压油滤芯 for each
def pinyin_initials(text: str) -> str:
    """ "液压油滤芯" -> "yyylx" (non-Chinese characters are dropped)."""
    chinese = "".join(CJK.findall(text))
    if not chinese:
        return ""
    # Imported here: its dictionaries cost 0.2 s, which the app's start need not pay.
    from pypinyin import Style, lazy_pinyin

    return "".join(syllable[:1] for syllable in lazy_pinyin(chinese, style=Style.FIRST_LETTER))


def spaced_cjk(text: str) -> str:
    return " ".join(CJK.findall(text))


def part_search_text(part_no: str, name_zh: str, name_en: str) -> str:
    name_zh = unicodedata.normalize("NFKC", name_zh)
    parts = [
        spaced_cjk(name_zh),
        " ".join(WORD.findall(name_zh.lower())),
        " ".join(WORD.findall(name_en.lower())),
        pinyin_initials(name_zh),
        " ".join(WORD.findall(part_no.lower())),
    ]
    return " ".join(part for part in parts if part)


def fts_query(user_text: str) -> str | None:
    """An FTS5 MATCH expression for what the user typed, or None if nothing to search.

    Chinese runs become phrases of single characters; Latin words and digits become
    prefix terms. All terms must match (AND).
    """
    text = unicodedata.normalize("NFKC", user_text).lower()
    terms: list[str] = []
    for token in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+", text):
        if CJK.match(token):
            terms.append('"' + " ".join(token) + '"')
        else:
            terms.append(f'"{token}"*')
    return " AND ".join(terms) if terms else None


def part_no_prefix_bounds(prefix: str) -> tuple[str, str] | None:
    """Bounds for an index range scan on ``part_no``: ``lower <= part_no < upper``."""
    prefix = unicodedata.normalize("NFKC", prefix).strip().upper()
    if not prefix:
        return None
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


# --- the search that knows the job's machine --------------------------------------------

PART_NO_LIKE = re.compile(r"^[A-Za-z0-9-]*[0-9-][A-Za-z0-9-]*$")


@dataclass(frozen=True)
class PartCursor:
    """Where the next page starts: the parts that fit the model are listed first, then
    the others; ``mode`` is fixed by the first page (a part-number prefix that found
    something stays a prefix search)."""

    mode: str  # "all" | "prefix" | "fts"
    fits: bool  # listing the parts that fit the model (True) or the others
    after: str | int | None = None  # the key of the last part listed in this phase


@dataclass(frozen=True)
class PartMatch:
    part: Any  # fieldapp.models.Part (the successor when the match was superseded)
    fits: bool | None  # listed for the job's model; None: no model, or none on file
    replaces: Any = None  # the superseded Part that the search found, if any


@dataclass(frozen=True)
class PartPage:
    matches: list[PartMatch]
    next: PartCursor | None  # None: nothing more


def _mode(session: Any, query: str) -> str:
    if not query:
        return "all"
    if PART_NO_LIKE.match(query) and not CJK.search(query):
        bounds = part_no_prefix_bounds(query)
        assert bounds is not None
        found = session.execute(
            sql_text(
                "SELECT 1 FROM part WHERE part_no >= :low AND part_no < :high "
                "AND deleted_at IS NULL LIMIT 1"
            ),
            {"low": bounds[0], "high": bounds[1]},
        ).first()
        if found:
            return "prefix"
    return "fts"


def _has_compatibility(session: Any, model_id: str) -> bool:
    found = session.execute(
        sql_text(
            "SELECT 1 FROM partcompatibility WHERE model_id = :model AND deleted_at IS NULL LIMIT 1"
        ),
        {"model": model_id},
    ).first()
    return found is not None


def _phase_sql(mode: str, fits: bool | None, after: bool) -> str:
    """One phase's query: the ids of part rows in catalogue order with the key the next
    page starts after (keyset paging: page 20 costs what page 1 does), filtered by the
    model's fit."""
    fit = (
        ""
        if fits is None
        else (" AND " if fits else " AND NOT ")
        + "EXISTS (SELECT 1 FROM partcompatibility pc WHERE pc.part_id = part.id "
        "AND pc.model_id = :model AND pc.deleted_at IS NULL)"
    )
    if mode == "fts":
        key = "part_fts.rowid"
        source = (
            "FROM part_fts JOIN part ON part.rowid = part_fts.rowid "
            "WHERE part_fts MATCH :match AND part.deleted_at IS NULL" + fit
        )
    elif mode == "all" and fits:
        # The model's own parts, walked from its compatibility rows (in the order the
        # catalogue listed them): no walk through the other models' numbers.
        key = "pc.rowid"
        source = (
            "FROM partcompatibility pc JOIN part ON part.id = pc.part_id "
            "WHERE pc.model_id = :model AND pc.deleted_at IS NULL "
            "AND part.deleted_at IS NULL AND part.superseded_by IS NULL"
        )
    else:
        # The whole catalogue lists current parts only; a search still finds an old
        # number.
        key = "part.part_no"
        source = (
            "FROM part WHERE part.deleted_at IS NULL"
            + (
                " AND part.part_no >= :low AND part.part_no < :high"
                if mode == "prefix"
                else " AND part.superseded_by IS NULL"
            )
            + fit
        )
    return (
        f"SELECT part.id, {key} AS k {source}"
        + (f" AND {key} > :after" if after else "")
        + f" ORDER BY {key} LIMIT :limit"
    )


def search_parts_for_model(
    session: Any,
    query: str,
    model_id: str | None,
    *,
    cursor: PartCursor | None = None,
    limit: int = 50,
) -> PartPage:
    """Parts matching what the engineer typed or scanned (a part-number prefix, a
    fragment of the Chinese or English name, pinyin initials), those listed for the
    job's model first, then the others; a superseded part is given as its successor.
    Each page costs one index walk per phase, whatever the catalogue's size."""
    # Imported here: the models import this module for the search text.
    from sqlmodel import col, select

    from fieldapp.models import Part

    query = query.strip()
    if model_id is not None and not _has_compatibility(session, model_id):
        model_id = None  # a model the catalogue says nothing about: nothing to prefer
    if cursor is None:
        cursor = PartCursor(_mode(session, query), fits=model_id is not None)
    params: dict[str, Any] = {"model": model_id}
    if cursor.mode == "fts":
        match = fts_query(query)
        if match is None:
            return PartPage([], None)
        params["match"] = match
    elif cursor.mode == "prefix":
        bounds = part_no_prefix_bounds(query)
        assert bounds is not None
        params["low"], params["high"] = bounds
    found: list[tuple[Any, bool | None]] = []
    next_cursor: PartCursor | None = cursor
    while next_cursor is not None and len(found) < limit:
        phase = next_cursor
        wanted = limit - len(found)
        fits = phase.fits if model_id is not None else None
        keys = session.execute(
            sql_text(_phase_sql(phase.mode, fits, phase.after is not None)),
            {**params, "limit": wanted, "after": phase.after},
        ).all()
        loaded = {
            p.id: p
            for p in session.exec(select(Part).where(col(Part.id).in_([k[0] for k in keys])))
        }
        found.extend((loaded[k[0]], fits) for k in keys if k[0] in loaded)
        if len(keys) == wanted:
            next_cursor = PartCursor(phase.mode, phase.fits, keys[-1][1])
        elif phase.fits and model_id is not None:
            next_cursor = PartCursor(phase.mode, fits=False)  # now the others
        else:
            next_cursor = None
    successors_wanted = {p.superseded_by for p, _ in found if p.superseded_by}
    successors: dict[str, Any] = {}
    if successors_wanted:
        successors = {
            p.part_no: p
            for p in session.exec(
                select(Part).where(
                    col(Part.part_no).in_(successors_wanted), col(Part.deleted_at).is_(None)
                )
            ).all()
        }
    matches: list[PartMatch] = []
    shown: set[str] = set()
    for part, fits in found:
        successor = successors.get(part.superseded_by or "")
        match_ = PartMatch(successor, fits, part) if successor else PartMatch(part, fits)
        if match_.part.id in shown:
            continue
        shown.add(match_.part.id)
        matches.append(match_)
    return PartPage(matches, next_cursor)


def best_match(page: PartPage) -> PartMatch | None:
    """What a scanner's Enter picks: the first match listed for the job's model (any
    first match when the job has no model); None when nothing fits."""
    for match_ in page.matches:
        if match_.fits is not False:
            return match_
    return None
