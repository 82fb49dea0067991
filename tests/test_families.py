"""Code families: a valid code without a record is answered with its place."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cptcli.families import family_problems, load_families, same_form
from cptcli.lookup import prefix_place
from cptcli.paths import bundled_procedures_dir, families_file

from .conftest import FIXTURES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> Path:
    path = FIXTURES / "families.toml"
    monkeypatch.setattr("cptcli.paths.families_file", lambda: path)
    return path


def test_bundled_table_is_valid_and_places_every_record() -> None:
    data = tomllib.loads(families_file().read_text(encoding="utf-8"))
    assert family_problems(data) == []
    families = load_families(families_file())
    unplaced = []
    for path in bundled_procedures_dir().glob("*.toml"):
        place = families.place(path.stem)
        if place.section is None or place.subsection is None:
            unplaced.append(path.stem)
    assert unplaced == []


def test_bundled_table_covers_the_code_space() -> None:
    families = load_families(families_file())
    codes = "00100 10004 27130 70450 80047 90281 99202 0001F 0042T 0001U A0425 E0100 G0439"
    for code in [*codes.split(), "J1100", "L3000", "Q0138"]:
        assert families.place(code).section is not None, code


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("12001", "27130", True), ("0001F", "0042T", False), ("A0021", "A9999", True),
     ("A0021", "J0120", False), ("0001U", "0999U", True), ("12001", "0001F", False)],
)  # fmt: skip
def test_same_form(a: str, b: str, same: bool) -> None:
    assert same_form(a, b) is same


@pytest.mark.parametrize(
    ("ranges", "fragment"),
    [
        ([{"low": "1", "high": "2", "level": "section", "name": "x"}], "must be codes"),
        ([{"low": "20000", "high": "10000", "level": "section", "name": "x"}], "must come before"),
        ([{"low": "A0000", "high": "B9999", "level": "section", "name": "x"}], "same code form"),
        ([{"low": "10000", "high": "20000", "level": "part", "name": "x"}], "'level'"),
        ([{"low": "10000", "high": "20000", "level": "section", "name": ""}], "'name'"),
        (
            [
                {"low": "10000", "high": "20000", "level": "section", "name": "a"},
                {"low": "15000", "high": "25000", "level": "section", "name": "b"},
            ],
            "overlap",
        ),
        ([{"low": "10000", "high": "20000", "level": "family", "name": "a"}], "lies in no one"),
    ],
)
def test_family_problems(ranges: list, fragment: str) -> None:  # type: ignore[type-arg]
    problems = family_problems({"range": ranges})
    assert any(fragment in p for p in problems), problems


def test_show_absent_code_names_its_family(invoke, small: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "27132")
    assert result.exit_code == 1
    out = result.stdout
    assert out.startswith("27132  Not in the library\n")
    assert "27132 falls in: Surgery > " in " ".join(out.split())
    assert "Pelvis and hip joint (codes 27000-27299)" in " ".join(out.split())
    assert "\n  27130  Total hip arthroplasty" in out
    assert "No procedure 27132 in the library" in result.stderr


def test_show_absent_code_json(invoke, small: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "27132", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["code"] == "27132" and doc["found"] is False
    assert doc["family"]["family"]["name"] == "Pelvis and hip joint"
    assert doc["family"]["section"]["name"] == "Surgery"
    nearby = [n["code"] for n in doc["nearby"]]
    assert "27130" in nearby and all("27000" <= c <= "27299" for c in nearby)


def test_show_mixed_found_and_absent_json(invoke, small: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "27130", "27132", "--json")
    assert result.exit_code == 1
    first, second = json.loads(result.stdout)
    assert first["code"] == "27130" and second["found"] is False


def test_search_prefix_names_its_family(invoke, small: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "270", "--format", "table")
    assert result.stdout.splitlines()[0].startswith("270: Surgery > ")
    piped = invoke("search", "270")  # rows on stdout, the family on stderr
    assert piped.stdout.startswith("1\t27") and "270: Surgery > " in piped.stderr
    doc = json.loads(invoke("search", "270", "--json").stdout)
    assert doc["family"][0]["prefix"] == "270"
    assert doc["family"][0]["family"]["name"] == "Pelvis and hip joint"


def test_prefix_with_no_codes_still_names_its_place(invoke, small: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "121", "--format", "table")
    assert result.exit_code == 1
    assert result.stdout.startswith("121: Surgery > Skin, nails and breast")
    assert "no code starting with 121" in result.stderr


def test_prefix_place_is_the_narrowest_common_range(small: Path) -> None:
    families = load_families(small)
    assert prefix_place(families, "270").family.name == "Pelvis and hip joint"  # type: ignore[union-attr]
    place = prefix_place(families, "2")
    assert place is not None and place.family is None and place.subsection is None
    assert prefix_place(families, "") is None
