"""`cpt compare`: codes side by side, the facts that differ, JSON, and errors."""

from __future__ import annotations

import json
import re

import pytest

from cptcli.compare import compare, decision_making
from cptcli.models import Procedure, time_text
from cptcli.paths import data_folders
from cptcli.store import Library


def records(*codes: str) -> list[Procedure]:
    library = Library(data_folders())
    return [library.get(code) for code in codes]


def section(text: str, title: str) -> list[str]:
    """The lines of one fact of the plain comparison (after its title, to a blank line)."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Office visit with moderate-complexity decision-making", "moderate-complexity"),
        (
            "Initial hospital care, straightforward or low-complexity decision-making",
            "straightforward or low-complexity",
        ),
        ("It requires straightforward medical decision-making, for example", "straightforward"),
        ("The practitioner's decision-making is high: extensive data", "high"),
        ("Levels are chosen by medical decision-making alone", ""),
        ("Shared decision-making about screening", ""),
    ],
)
def test_decision_making_is_read_as_the_record_states_it(text: str, level: str) -> None:
    assert decision_making(Procedure("99999", text)) == level


def test_compare_e_m_levels_from_their_records(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("compare", "99213", "99214", "99215", env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    found = records("99213", "99214", "99215")
    names = section(text, "Name")
    for record in found:
        assert any(line.split()[0] == record.code for line in names)
    levels = section(text, "Decision-making")
    for record, line in zip(found, levels):
        level = line.split()[1]
        assert line.split()[0] == record.code and level in record.name  # stated in the record
    times = " ".join(section(text, "Time rule"))
    for record in found:
        assert " ".join(time_text(record.time).split()[:3]) in times
    # category and system are the same for all: named once, not listed
    assert "Category" not in text.splitlines() and "System" not in text.splitlines()
    assert "The same for all: add-on code, category, system (--all shows them)." in text


def test_all_shows_the_shared_facts_once(invoke) -> None:  # type: ignore[no-untyped-def]
    text = invoke("compare", "99213", "99214", "--all").stdout
    category = records("99213")[0].category
    assert section(text, "Category (the same for all)") == [f"  {category}"]
    assert "The same for all" not in text


def test_codes_without_a_stated_level_have_no_decision_making_row(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("compare", "45378", "45380", "--all")
    assert result.exit_code == 0
    assert "Decision-making" not in result.stdout
    assert section(result.stdout, "Add-on code (the same for all)") == ["  no"]


def test_add_on_status(invoke) -> None:  # type: ignore[no-untyped-def]
    add_on = next(r for r in Library(data_folders()).codes() if records(r)[0].add_on_to)
    record = records(add_on)[0]
    text = invoke("compare", "99213", add_on, "--all").stdout
    line = next(line for line in section(text, "Add-on code") if line.split()[0] == add_on)
    assert f"add-on to {record.add_on_to[0]}" in line


def test_json_is_one_document_with_every_row(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("compare", "99213", "99214", "--json")
    data = json.loads(result.stdout)
    assert data["codes"] == ["99213", "99214"] and data["errors"] == []
    rows = {row["key"]: row for row in data["rows"]}
    assert {"name", "time", "decision_making", "add_on", "category", "system"} <= set(rows)
    assert rows["system"]["same"] is True and rows["name"]["same"] is False
    assert rows["decision_making"]["values"] == {
        "99213": "low-complexity",
        "99214": "moderate-complexity",
    }
    assert data == {"codes": ["99213", "99214"], "rows": data["rows"], "errors": []}
    expected = compare(records("99213", "99214")).to_dict()
    assert data["rows"] == expected["rows"]


def test_unknown_code_is_an_error_and_json_stays_one_document(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("compare", "99213", "99214", "85231", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["codes"] == ["99213", "99214"]
    assert data["errors"][0]["input"] == "85231"
    assert "No procedure 85231" in result.stderr
    text = invoke("compare", "99213", "99214", "85231")
    assert text.exit_code == 1 and text.stdout.startswith("Name\n")


def test_deleted_code_and_too_few_codes(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("compare", "99213", "55700")
    assert result.exit_code == 1 and result.stdout == ""
    assert "55700 was deleted" in result.stderr and "nothing to compare" in result.stderr
    result = invoke("compare", "99213")
    assert result.exit_code == 2 and "two or more codes" in result.stderr
    result = invoke("compare", "99213", "knee")
    assert result.exit_code == 2  # not a code at all: a usage error, as in show


def test_terminal_table(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("compare", "99213", "99214", env={"CPT_FORCE_TERMINAL": "1", "COLUMNS": "100"})
    assert result.exit_code == 0
    header = next(line for line in result.stdout.splitlines() if "99213" in line)
    assert "┃" in header and "99214" in header
    assert "Decision-making" in result.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert max(len(line) for line in plain.splitlines()) <= 100
