"""Codes as written on bills: the parser, and `show`/`search` reading them."""

from __future__ import annotations

import json

import pytest

from cptcli.billed import CodeRef, is_decorated, parse_codes

MODS = {"25", "26", "59", "PT", "RT", "LT"}


@pytest.mark.parametrize(
    ("text", "codes", "modifiers", "units"),
    [
        ("CPT 80053", ["80053"], [()], [None]),
        ("cpt:77067", ["77067"], [()], [None]),
        ("#83036", ["83036"], [()], [None]),
        ("what is 80053", ["80053"], [()], [None]),
        ("What is 80053?", ["80053"], [()], [None]),
        ("hcpcs G0439", ["G0439"], [()], [None]),
        ("80053,85025", ["80053", "85025"], [(), ()], [None, None]),
        ("80053, 85025; 84443", ["80053", "85025", "84443"], [(), (), ()], [None] * 3),
        ("99213 and 99214", ["99213", "99214"], [(), ()], [None, None]),
        ("99214-25", ["99214"], [("25",)], [None]),
        ("99214 25", ["99214"], [("25",)], [None]),
        ("99214 - 25", ["99214"], [("25",)], [None]),
        ("70553-26", ["70553"], [("26",)], [None]),
        ("45385-pt", ["45385"], [("PT",)], [None]),
        ("20610-RT", ["20610"], [("RT",)], [None]),
        ("99214-25-59", ["99214"], [("25", "59")], [None]),
        ("97110 x 3 units", ["97110"], [()], [3]),
        ("97110x3", ["97110"], [()], [3]),
        ("97110 3 units", ["97110"], [()], [3]),
        ("45378-PT x2", ["45378"], [("PT",)], [2]),
        ("J7189X2", ["J7189"], [()], [2]),
        ("0001F", ["0001F"], [()], [None]),
    ],
)
def test_bill_style_codes(text: str, codes: list[str], modifiers: list, units: list) -> None:  # type: ignore[type-arg]
    refs = parse_codes(text, MODS)
    assert refs is not None
    assert [r.code for r in refs] == codes
    assert [r.modifiers for r in refs] == modifiers
    assert [r.units for r in refs] == units


@pytest.mark.parametrize(
    "text",
    ["knee replacement", "3 units", "12 34", "99214 xx", "factor VII", "", "   ", "99214 knee"],
)
def test_text_that_is_not_codes(text: str) -> None:
    assert parse_codes(text, MODS) is None


def test_a_space_separated_modifier_must_be_known_when_a_list_is_given() -> None:
    assert parse_codes("99214 ZZ", MODS) is None
    assert parse_codes("99214-ZZ", MODS) == [CodeRef("99214", ("ZZ",), None, "99214-ZZ")]
    assert parse_codes("99214 ZZ", None) is not None  # no list: any pair of characters


def test_leading_zeros_restored() -> None:
    assert parse_codes("811") == [CodeRef("00811", (), None, "811", padded=True)]
    assert parse_codes("1402")[0].code == "01402"  # type: ignore[index]


def test_decorated_means_more_than_bare_codes() -> None:
    assert not is_decorated(parse_codes("99214") or [], "99214")
    assert not is_decorated(parse_codes("99213 99214") or [], "99213 99214")
    for text in ("CPT 99214", "99214-25", "97110x3", "what is 99214"):
        assert is_decorated(parse_codes(text, MODS) or [], text), text


def test_show_reads_codes_as_written(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "CPT 80053,85025", "--json")
    assert result.exit_code == 0
    assert [d["code"] for d in json.loads(result.stdout)] == ["80053", "85025"]


def test_show_with_modifier_explains_it(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "99214-25", "-s", "summary")
    assert result.exit_code == 0
    assert result.stdout.startswith("99214  ")
    assert "\nModifier 25: " in result.stdout
    doc = json.loads(invoke("show", "99214-25", "--json").stdout)
    assert doc["code"] == "99214"
    assert doc["billed"]["written"] == "99214-25"
    assert doc["billed"]["modifiers"][0]["code"] == "25"
    assert doc["billed"]["modifiers"][0]["explanation"]


def test_show_units(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "97110 x 3 units", "-s", "summary")
    assert "3 units billed; this code counts one unit per 15 minutes." in result.stdout
    assert json.loads(invoke("show", "97110x3", "--json").stdout)["billed"]["units"] == 3


def test_show_unknown_modifier_is_said(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "99214-Q9", "-s", "summary")
    assert result.exit_code == 0
    assert "Q9 is not in the modifier reference" in result.stdout


def test_show_restores_leading_zeros_and_says_so(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "811", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["code"] == "00811"
    assert "read 811 as 00811" in result.stderr


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("CPT 80053", "80053"),
        ("cpt:77067", "77067"),
        ("#83036", "83036"),
        ("what is 80053", "80053"),
        ("99214-25", "99214"),
        ("99214 25", "99214"),
        ("70553-26", "70553"),
        ("45385-PT", "45385"),
        ("20610-RT", "20610"),
        ("97110 x 3 units", "97110"),
        ("97110x3", "97110"),
        ("1402", "01402"),
        ("811", "00811"),
    ],
)
def test_search_reads_codes_as_written(invoke, query: str, code: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", query, "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["results"][0]["code"] == code
    assert doc["results"][0]["confidence"] == "exact"


def test_search_comma_list(invoke) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(invoke("search", "80053,85025", "--json").stdout)
    assert [r["code"] for r in doc["results"]] == ["80053", "85025"]


def test_search_explains_the_modifier(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "45385-PT", "--format", "table")
    assert "Modifier PT: " in result.stdout
    piped = invoke("search", "45385-PT")  # tab-separated rows: the note goes to stderr
    assert piped.stdout.startswith("1\t45385\t") and "modifier PT: " in piped.stderr
    doc = json.loads(invoke("search", "45385-PT", "--json").stdout)
    assert doc["billed"][0]["modifiers"][0]["code"] == "PT"


def test_search_padded_code_comes_first_and_is_noted(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "811", "--json")
    codes = [r["code"] for r in json.loads(result.stdout)["results"]]
    assert codes[0] == "00811"
    assert "read 811 as 00811" in result.stderr
