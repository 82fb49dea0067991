"""The modifier reference: the bundled data, `cpt modifier`, and modifier searches."""

from __future__ import annotations

import json
import sys

import pytest

from cptcli.modifiers import (
    asks_for_modifiers,
    find_modifiers,
    load_modifiers,
    modifier_problems,
)
from cptcli.paths import modifiers_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REQUIRED = [
    "22",
    "24",
    "25",
    "26",
    "27",
    "50",
    "51",
    "52",
    "53",
    "57",
    "58",
    "59",
    "76",
    "77",
    "78",
    "79",
    "91",
    "95",
    "96",
    "97",
    "LT",
    "RT",
    "TC",
    "XE",
    "XP",
    "XS",
    "XU",
    "GA",
    "GY",
    "GZ",
    "GT",
    "KX",
    "PT",
    "QW",
    "JW",
    "JZ",
    "FS",
    "CR",
    "CS",
    "FA",
    "F1",
    "F2",
    "F3",
    "F4",
    "F5",
    "F6",
    "F7",
    "F8",
    "F9",
    "TA",
    "T1",
    "T2",
    "T3",
    "T4",
    "T5",
    "T6",
    "T7",
    "T8",
    "T9",
    "E1",
    "E2",
    "E3",
    "E4",
]


@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    return load_modifiers(modifiers_file())


def test_bundled_reference_is_valid_and_complete(reference) -> None:  # type: ignore[no-untyped-def]
    data = tomllib.loads(modifiers_file().read_text(encoding="utf-8"))
    assert modifier_problems(data) == []
    assert [c for c in REQUIRED if reference.get(c) is None] == []
    for modifier in reference.all():
        assert len(modifier.explanation.split()) >= 15, modifier.code
        assert modifier.use


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"code": "2", "system": "CPT"}, "'code'"),
        ({"code": "25", "system": "AMA"}, "'system'"),
        (
            {
                "code": "25",
                "system": "CPT",
                "name": "",
                "group": "g",
                "explanation": "e",
                "use": ["u"],
            },
            "'name'",
        ),
        (
            {
                "code": "25",
                "system": "CPT",
                "name": "n",
                "group": "g",
                "explanation": "e",
                "use": [],
            },
            "'use'",
        ),
        (
            {
                "code": "25",
                "system": "CPT",
                "name": "n",
                "group": "g",
                "explanation": "e",
                "use": ["u"],
                "related": ["99"],
            },
            "related modifier",
        ),
        (
            {
                "code": "25",
                "system": "CPT",
                "name": "n",
                "group": "g",
                "explanation": "e",
                "use": ["u"],
                "extra": 1,
            },
            "unknown key",
        ),
    ],
)
def test_modifier_problems(entry: dict, fragment: str) -> None:  # type: ignore[type-arg]
    problems = modifier_problems({"modifier": [entry]})
    assert any(fragment in p for p in problems), problems


def test_duplicate_modifier_is_a_problem() -> None:
    entry = {
        "code": "25",
        "system": "CPT",
        "name": "n",
        "group": "g",
        "explanation": "e",
        "use": ["u"],
    }
    assert any("twice" in p for p in modifier_problems({"modifier": [entry, entry]}))


def test_cpt_modifier_one(invoke, reference) -> None:  # type: ignore[no-untyped-def]
    result = invoke("modifier", "25")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Modifier 25: {reference.get('25').name} (CPT)\n")
    assert "When it is used:" in result.stdout
    assert "CPT is a registered trademark" in result.stdout
    doc = json.loads(invoke("modifier", "25", "--json").stdout)
    assert doc["code"] == "25" and doc["explanation"] == reference.get("25").explanation


def test_cpt_modifier_accepts_lower_case_and_a_hyphen(invoke) -> None:  # type: ignore[no-untyped-def]
    assert invoke("modifier", "rt").stdout.startswith("Modifier RT: ")
    assert invoke("modifier", "--", "-RT").stdout.startswith("Modifier RT: ")


def test_cpt_modifier_list(invoke, reference) -> None:  # type: ignore[no-untyped-def]
    result = invoke("modifier")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == len(reference)
    assert len(json.loads(invoke("modifier", "--json").stdout)) == len(reference)


def test_cpt_modifier_unknown(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("modifier", "Q9")
    assert result.exit_code == 1 and "No modifier 'Q9'" in result.stderr


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("modifier 59", "59"),
        ("59 modifier", "59"),
        ("bilateral modifier", "50"),
        ("modifier for the right side", "RT"),
        ("modifier decision for surgery", "57"),
        ("telehealth modifier audio only", "93"),
        ("drug wastage modifier", "JW"),
    ],
)
def test_search_finds_modifiers(invoke, reference, query: str, first: str) -> None:  # type: ignore[no-untyped-def]
    assert asks_for_modifiers(query)
    assert find_modifiers(reference, query)[0].code == first
    result = invoke("search", *query.split(), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["modifiers"][0]["code"] == first


def test_search_modifier_text_output(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "modifier", "59")
    assert result.stdout.startswith("Modifier 59: ")


def test_words_without_modifier_are_not_a_modifier_search() -> None:
    assert not asks_for_modifiers("knee replacement")
    assert not asks_for_modifiers("model of care")
