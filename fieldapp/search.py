"""Search text for the parts catalogue: a fragment of the Chinese name, of the English
name, of the pinyin initials, or of the part number finds the part.

SQLite's FTS5 (unicode61 tokenizer) indexes ``Part.search_text``. Chinese names are
written one character per token, so a phrase query of consecutive characters matches
any fragment of a name, even one or two characters long ("滤芯" in "液压油滤芯").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
