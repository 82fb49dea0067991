"""Quality gates for the bundled procedure library (data/procedures)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from cptcli.history import load_history
from cptcli.paths import bundled_data_dir, history_file
from cptcli.quality import CPT_SECTIONS, MAX_SIMILARITY, nearest_neighbours, record_problems
from cptcli.store import check_file, load_record, normalize_code

DATA = Path(__file__).resolve().parent / "data"
# The reference list files remote-monitoring device supply (99454) under E/M; CPT
# places it in Medicine, and so does the record.
MOVED = {"99454"}
SECTIONS = tuple(s for s in CPT_SECTIONS if s != "HCPCS")  # the sections of CPT


@pytest.fixture(scope="module")
def files() -> list[Path]:
    return sorted((bundled_data_dir() / "procedures").glob("*.toml"))


@pytest.fixture(scope="module")
def records(files: list[Path]):  # type: ignore[no-untyped-def]
    return [load_record(path) for path in files]


def common_codes() -> list[dict[str, str]]:
    with (DATA / "common_codes.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_common_code_is_a_record_or_a_history_entry(records) -> None:  # type: ignore[no-untyped-def]
    """The common-code list predates CPT 2026: its deleted codes are answered by the code
    history (with their replacements) instead of a record."""
    history = load_history(history_file())
    have = {r.code for r in records}
    wanted = [row["code"] for row in common_codes()]
    assert len(wanted) == 595
    missing = [c for c in wanted if c not in have and c not in history.entries]
    assert missing == []
    deleted = [c for c in wanted if c in history.entries and not history.entries[c].current]
    assert len(deleted) <= 10  # a few codes, not a way around the list


def test_every_record_passes_the_schema(files: list[Path]) -> None:
    problems = [str(p) for path in files for p in check_file(path)]
    assert problems == []


def test_no_duplicate_codes(records) -> None:  # type: ignore[no-untyped-def]
    assert [c for c, n in Counter(r.code for r in records).items() if n > 1] == []


def test_every_record_meets_the_curated_rules(records) -> None:  # type: ignore[no-untyped-def]
    problems = [f"{r.code}: {m}" for r in records for m in record_problems(r)]
    assert problems == []


def test_category_names_a_cpt_section_that_fits_the_code(records) -> None:  # type: ignore[no-untyped-def]
    common = {row["code"]: row["section"] for row in common_codes()}
    wrong = []
    for record in records:
        section, _, subsection = record.category.partition(" / ")
        if record.system == "HCPCS":
            if section != "HCPCS" or not subsection:
                wrong.append(f"{record.code}: {record.category!r}")
        elif section not in SECTIONS or not subsection:
            wrong.append(f"{record.code}: {record.category!r}")
        elif common.get(record.code, section) != section and record.code not in MOVED:
            wrong.append(f"{record.code}: {section} but the list says {common[record.code]}")
    assert wrong == []


def test_similar_codes_are_valid_and_resolve(records) -> None:  # type: ignore[no-untyped-def]
    by_code = {r.code: r for r in records}
    bad = []
    for record in records:
        for code in record.similar_codes:
            if normalize_code(code) != code or code == record.code:
                bad.append(f"{record.code} -> {code!r}")
            elif code in by_code:
                assert by_code[code].name  # resolves to a named record
    assert bad == []
    linked = sum(1 for r in records for c in r.similar_codes if c in by_code)
    assert linked > len(records)  # the library is cross-linked, not a set of islands


def test_summaries_are_unique_and_records_are_not_templates(records) -> None:  # type: ignore[no-untyped-def]
    summaries = Counter(" ".join(str(r.sections["summary"]).split()).lower() for r in records)
    assert [s[:60] for s, n in summaries.items() if n > 1] == []
    too_close = {
        code: (other, round(score, 2))
        for code, (other, score) in nearest_neighbours(records).items()
        if score > MAX_SIMILARITY
    }
    assert too_close == {}


def test_sibling_codes_say_what_separates_them(records) -> None:  # type: ignore[no-untyped-def]
    by_code = {r.code: r for r in records}

    def text(code: str) -> str:
        r = by_code[code]
        return f"{r.name} {r.sections['summary']}".lower()

    assert "without" in text("70450") and "contrast" in text("70450")
    assert "with" in text("71260") and "contrast" in text("71260")
    assert "biops" in text("45380")
    assert "established" in text("99214") and "new" in text("99204")
    assert "additional" in text("93591") or "another" in text("93591")
    assert "assay" in text("85230") or "test" in text("85230")
    assert "replacement therapy" not in text("85230")


def test_every_wanted_code_is_a_record_or_a_history_entry(records) -> None:  # type: ignore[no-untyped-def]
    """codes_wanted.csv (public most-used lists): active codes are records, deleted ones
    history entries. The three COVID-19 antibody infusion codes marked unsure are left
    out: no 2026 source lists them and the products lost their authorization in 2022."""
    with (DATA / "codes_wanted.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    have = {r.code for r in records}
    history = load_history(history_file())
    left_out = {"M0243", "M0244", "M0245"}
    missing = [
        r["code"]
        for r in rows
        if r["status"] == "active" and r["code"] not in have and r["code"] not in left_out
    ]
    assert missing == []
    deleted = [r["code"] for r in rows if r["status"] == "deleted"]
    assert [c for c in deleted if c not in history.entries] == []
    assert {r["code"] for r in rows if r["status"] == "unsure"} == left_out


def test_the_library_is_large_and_cross_linked(records) -> None:  # type: ignore[no-untyped-def]
    have = {r.code for r in records}
    references = [c for r in records for c in r.similar_codes]
    resolved = sum(1 for c in references if c in have)
    assert len(records) >= 1700
    assert resolved / len(references) >= 0.80


def test_hcpcs_records_are_consistent(records) -> None:  # type: ignore[no-untyped-def]
    wrong = [
        r.code
        for r in records
        if (r.code[0].isalpha()) != (r.system == "HCPCS")
        or (r.system == "HCPCS") != r.category.startswith("HCPCS / ")
    ]
    assert wrong == []
