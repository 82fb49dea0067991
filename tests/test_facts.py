"""Coder facts on records (search_terms, add_on_to, time, reviewed) and section shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cptcli.codeset import CODE_SET
from cptcli.models import time_text
from cptcli.quality import record_problems
from cptcli.store import check_file, load_record

from .conftest import minimal, write_record


def problems_of(tmp_path: Path, extra: str) -> list[str]:
    path = write_record(tmp_path, "99999", minimal("99999", "Example") + extra)
    return [p.message for p in check_file(path)]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("search_terms = 'colonscopy'\n", "'search_terms'"),
        ("search_terms = ['']\n", "'search_terms'"),
        ("add_on_to = []\n", "'add_on_to'"),
        ("add_on_to = ['9929']\n", "'add_on_to' lists"),
        ("add_on_to = ['99999']\n", "not the record's own"),
        ("time = 30\n", "'time' must be a table"),
        ("time = {}\n", "'time' must be a table"),
        ("time = { minutes = 30 }\n", "unknown key 'time.minutes'"),
        ("time = { min = 0 }\n", "whole number of minutes"),
        ("time = { min = 30.5 }\n", "whole number of minutes"),
        ("time = { min = true }\n", "whole number of minutes"),
        ("time = { min = 40, max = 30 }\n", "above 'time.max'"),
        ("time = { note = '' }\n", "'time.note'"),
        ("reviewed = '2026-12-05'\n", "'reviewed' must be a date"),
        ("reviewed = 2026-12-05T10:00:00\n", "'reviewed' must be a date"),
        ("reviewed = 2026\n", "'reviewed' must be a date"),
        ("revieved = 2026-12-05\n", "did you mean 'reviewed'"),
    ],
)
def test_bad_fact_values_are_reported(tmp_path: Path, extra: str, fragment: str) -> None:
    problems = problems_of(tmp_path, extra)
    assert any(fragment in p for p in problems), problems


def test_good_facts_load(tmp_path: Path) -> None:
    extra = (
        "search_terms = ['exampel']\nadd_on_to = ['99291']\n"
        "time = { min = 30, max = 74, unit = 30, note = 'critical care' }\nreviewed = 2026-12-05\n"
    )
    assert problems_of(tmp_path, extra) == []
    record = load_record(tmp_path / "99999.toml")
    assert record.search_terms == ("exampel",) and record.add_on_to == ("99291",)
    assert record.reviewed == "2026-12-05" and record.is_add_on
    doc = record.to_dict()
    assert doc["time"] == {"min": 30, "max": 74, "unit": 30, "note": "critical care"}
    assert doc["code_set"] == CODE_SET and doc["status"] == "active"


@pytest.mark.parametrize(
    ("time", "text"),
    [
        ({"min": 30}, "at least 30 minutes"),
        ({"min": 16, "max": 37}, "16 to 37 minutes"),
        ({"max": 30}, "up to 30 minutes"),
        ({"unit": 15}, "one unit per 15 minutes"),
        (
            {"min": 30, "note": "total time on the date"},
            "at least 30 minutes (total time on the date)",
        ),
        ({"note": "chosen by decision-making only"}, "chosen by decision-making only"),
        (None, ""),
    ],
)
def test_time_in_words(time: dict[str, object] | None, text: str) -> None:
    assert time_text(time) == text


def test_show_prints_facts_and_review_date(invoke, records: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--data-dir", str(records), "show", "99999")
    out = result.stdout
    assert "\nAdd-on code: reported with 85230\n" in out
    assert "\nTime: 16 to 37 minutes (face to face)\n" in out
    assert f"\nReviewed 2026-12-01. Describes {CODE_SET}.\n" in out
    assert "exampel" not in out  # search terms are never shown as names


def test_show_json_carries_facts_with_a_section_filter(invoke, records: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--data-dir", str(records), "show", "99999", "-s", "risks", "--json")
    doc = json.loads(result.stdout)
    assert doc["add_on_to"] == ["85230"] and doc["reviewed"] == "2026-12-01"
    assert doc["time"]["min"] == 16 and doc["search_terms"] == ["exampel"]
    assert "risks" in doc and "summary" not in doc


def test_search_finds_search_terms(invoke, records: Path) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(invoke("--data-dir", str(records), "search", "exampel", "--json").stdout)
    top = doc["results"][0]
    assert top["code"] == "99999" and top["matched_field"] == "search term"


def test_aliases_field_choice_covers_search_terms(invoke, records: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("--data-dir", str(records), "search", "exampel", "-f", "aliases", "--json")
    assert json.loads(result.stdout)["results"][0]["code"] == "99999"


FULL = """code = "99999"
name = "Example"
category = "Medicine / Examples"
aliases = ["one", "two", "three"]
reviewed = 2026-12-05
summary = "{summary}"
purpose = "Why."
indications = ["a", "b"]
preparation = {preparation}
procedure = ["one", "two"]
duration = "Short."
setting = "Clinic."
personnel = ["Nurse"]
benefits = ["Good"]
recovery = {recovery}
similar_codes = ["85230"]

[risks]
common = ["x"]
rare = {rare}

[alternatives]
options = ["y"]

[patient_experience]
during = "Quiet."
after = "Fine."
"""


def full(**kw: str) -> str:
    values = {
        "summary": " ".join(["word"] * 40),
        "preparation": '["None."]',
        "recovery": '"Quick."',
        "rare": '["z"]',
    }
    values.update(kw)
    return FULL.format(**values)


def strict(tmp_path: Path, body: str) -> list[str]:
    return record_problems(load_record(write_record(tmp_path, "99999", body)))


def test_a_complete_record_passes_strict(tmp_path: Path) -> None:
    assert strict(tmp_path, full()) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"preparation": '"None."'}, "section 'preparation' must be a list of strings"),
        ({"recovery": '["Quick."]'}, "section 'recovery' must be a paragraph"),
        ({"rare": '"z"'}, "'risks.rare' must be a list of strings"),
    ],
)
def test_strict_enforces_one_shape_per_section(
    tmp_path: Path, change: dict[str, str], fragment: str
) -> None:
    assert any(fragment in p for p in strict(tmp_path, full(**change)))


def test_strict_wants_reviewed_and_known_parts(tmp_path: Path) -> None:
    body = full().replace("reviewed = 2026-12-05\n", "").replace('after = "Fine."', 'later = "x"')
    problems = strict(tmp_path, body)
    assert any("'reviewed'" in p for p in problems)
    assert any("'patient_experience.later' is not a part" in p for p in problems)
    assert any("lacks its part 'after'" in p for p in problems)


def test_strict_wants_time_on_em_codes(tmp_path: Path) -> None:
    body = full().replace("Medicine / Examples", "Evaluation and Management / Office")
    assert any("E/M codes need 'time'" in p for p in strict(tmp_path, body))
    timed = body.replace("reviewed =", "time = { min = 30 }\nreviewed =")
    assert strict(tmp_path, timed) == []


def test_strict_rejects_an_alias_naming_another_code(tmp_path: Path) -> None:
    body = full().replace('["one", "two", "three"]', '["one", "two", "same as 85013"]')
    assert any("names code 85013" in p for p in strict(tmp_path, body))


def test_validate_strict_cli_reports_shape_with_file(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_record(tmp_path, "99999", full(preparation='"None."'))
    result = invoke("validate", "--strict", str(path))
    assert result.exit_code == 1
    assert f"{path}" in result.stdout and "must be a list of strings" in result.stdout
