"""The catalogue import as an operator meets it: files from Excel on Chinese Windows,
broken lines, long values, and the catalogue's one format for export and import.
Through ``fieldapp-hq`` in a subprocess, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlmodel import select

from fieldapp.models import Part, PartCompatibility, ProductModel
from sync.hq.db import session_scope
from sync.hq.imports import CATALOGUE_FORMAT
from tests.test_hq_cli import Cli, cli, count, parts, read, reported, seed_models

__all__ = ["cli"]  # the fixture, from the HQ command line's tests

REPO = Path(__file__).resolve().parent.parent
DEMO_PARTS = REPO / "resources" / "demo" / "parts.csv"

HEADER = "part_no,name_zh,name_en,unit,price,labour_minutes,category,models\n"
GOOD = [
    "ZY16-6011-03,液压油滤芯,Hydraulic oil filter element,个,280.50,20,filter,ZY16\n",
    "ZY28-3101-01,主泵,Main pump,台,45800,240,pump,ZY28\n",
    "ZY16-2001-02,先导滤芯（改进型）,Pilot filter,个,35.5,10,filter,ZY16\n",
]


def nothing_imported(cli: Cli) -> None:
    assert parts(cli.engine) == {}
    assert count(cli.engine, PartCompatibility) == 0


def test_a_file_saved_as_gbk_by_excel_imports_with_its_chinese_intact(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16", "ZY28")
    path = cli.tmp / "excel.csv"
    path.write_bytes((HEADER + "".join(GOOD)).replace("\n", "\r\n").encode("gbk"))

    out = cli.ok("import", "catalogue", path)

    assert "3 created" in out
    assert "gb18030" in out  # says how it read the file
    found = parts(cli.engine)
    assert found["ZY16-6011-03"].name_zh == "液压油滤芯"
    assert found["ZY16-2001-02"].name_zh == "先导滤芯（改进型）"
    assert (found["ZY28-3101-01"].unit, found["ZY28-3101-01"].price_cents) == ("台", 4_580_000)


def test_one_line_of_other_bytes_in_a_utf8_file_is_named_with_its_byte(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16", "ZY28")
    path = cli.tmp / "mixed.csv"
    broken = GOOD[1].encode("utf-8").replace("主泵".encode(), "主泵".encode("gbk"))
    path.write_bytes(HEADER.encode() + GOOD[0].encode() + broken + GOOD[2].encode())

    done = cli.refused("import", "catalogue", path)

    lines = reported(done.stderr, path)
    assert set(lines) == {3}, done.stderr
    assert "0xD6" in lines[3] and "byte 14" in lines[3] and "UTF-8" in lines[3]
    nothing_imported(cli)


def test_too_short_and_too_long_lines_are_refused_with_their_numbers(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16", "ZY28")
    path = cli.tmp / "ragged.csv"
    path.write_text(
        HEADER
        + GOOD[0]
        + "ZY28-3101-01,主泵,Main pump,台,45800\n"  # a column short
        + GOOD[2]
        + "ZY35-1,滤芯,Filter,个,1,2,filter,ZY16,extra\n",  # one too many
        encoding="utf-8",
    )

    done = cli.refused("import", "catalogue", path)

    lines = reported(done.stderr, path)
    assert set(lines) == {3, 5}, done.stderr
    assert "5 fields" in lines[3] and "8" in lines[3]
    assert "9 fields" in lines[5]
    nothing_imported(cli)


def test_every_bad_line_is_reported_not_the_first_ten(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16")
    bad = [f"B-{n},,No Chinese name,个,1,1,filter,ZY16\n" for n in range(13)]
    path = cli.tmp / "thirteen.csv"
    path.write_text(HEADER + GOOD[0] + "".join(bad), encoding="utf-8")

    done = cli.refused("import", "catalogue", path)

    assert set(reported(done.stderr, path)) == set(range(3, 16)), done.stderr
    assert "13 bad lines" in done.stderr
    nothing_imported(cli)


def test_every_field_is_checked_for_length_before_anything_is_written(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, "ZY16", "ZY28")
    path = cli.tmp / "long.csv"
    path.write_text(
        HEADER
        + GOOD[0]
        + "ZY28-3101-01,主泵,Main pump,台套组件总成九个字,45800,240,pump,ZY28\n"
        + "P" * 41 + ",滤芯,Filter,个,1,1,filter,ZY16\n"
        + "ZY35-2,"
        + "滤" * 129
        + ",Filter,个,1,1,filter,ZY16\n",
        encoding="utf-8",
    )

    done = cli.refused("import", "catalogue", path)  # no traceback on PostgreSQL either

    lines = reported(done.stderr, path)
    assert set(lines) == {3, 4, 5}, done.stderr
    assert "unit" in lines[3] and "at most 8" in lines[3]
    assert "part_no" in lines[4] and "at most 40" in lines[4]
    assert "name_zh" in lines[5] and "at most 128" in lines[5]
    nothing_imported(cli)


def demo_model_codes() -> set[str]:
    with DEMO_PARTS.open(encoding="utf-8", newline="") as handle:
        return {code for row in csv.DictReader(handle) for code in row["models"].split()}


def rows_of(text: str) -> dict[str, dict[str, str]]:
    found = {}
    for row in csv.DictReader(io.StringIO(text)):
        row["models"] = " ".join(sorted(row["models"].split()))
        found[row["part_no"]] = row
    return found


def test_the_demo_catalogue_imports_and_exports_in_the_same_format(cli: Cli) -> None:
    cli.migrate()
    seed_models(cli.engine, *sorted(demo_model_codes()))
    demo = DEMO_PARTS.read_text(encoding="utf-8")
    assert tuple(demo.splitlines()[0].split(",")) == CATALOGUE_FORMAT

    out = cli.ok("import", "catalogue", DEMO_PARTS)

    expected = rows_of(demo)
    assert f"{len(expected)} created, 0 updated" in out
    found = parts(cli.engine)
    assert set(found) == set(expected)
    sample = expected["GEN-0101-01"]
    assert found["GEN-0101-01"].price_cents == int(sample["price_cents"]) == 220
    assert found["GEN-0101-01"].warranty_eligible is False

    exported = cli.tmp / "exported.csv"
    cli.ok("export", "catalogue", "--out", exported)
    text = exported.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CATALOGUE_FORMAT)
    assert rows_of(text) == expected  # every field of every part, as the demo file has it

    before = {p.part_no: (p.version, p.price_cents) for p in found.values()}
    out = cli.ok("import", "catalogue", exported)  # the export reads back as it was
    assert f"0 created, {len(expected)} updated" in out
    after = parts(cli.engine)
    assert {no: p.price_cents for no, p in after.items()} == {
        no: price for no, (_version, price) in before.items()
    }
    with session_scope(cli.engine) as session:
        links = len(session.exec(select(PartCompatibility)).all())
        models = len(session.exec(select(ProductModel)).all())
    assert links == sum(len(r["models"].split()) for r in expected.values())
    assert models == len(demo_model_codes())
    assert read(cli.engine, select(Part).where(Part.part_no == "NOPE")) == []
