"""Search answers that say how sure they are: minutes, confidence, counts, ties."""

from __future__ import annotations

import json

import pytest

from cptcli.search import minutes_in, time_fit


def codes(invoke, *query: str, n: int = 3) -> list[str]:  # type: ignore[no-untyped-def]
    result = invoke("search", *query, "--json", "-n", str(n))
    return [r["code"] for r in json.loads(result.stdout)["results"]]


@pytest.mark.parametrize(
    ("query", "rest", "minutes"),
    [
        ("psychotherapy 53 min", "psychotherapy", 53),
        ("established patient visit 35 minutes", "established patient visit", 35),
        ("critical care 1.5 hours", "critical care", 90),
        ("new patient 62-minute visit", "new patient visit", 62),
        ("factor VII", "factor VII", None),
        ("stage 4 cancer", "stage 4 cancer", None),
        ("45 minutes", "45 minutes", None),  # nothing left to search for
    ],
)
def test_minutes_in(query: str, rest: str, minutes: int | None) -> None:
    assert minutes_in(query) == (rest, minutes)


@pytest.mark.parametrize(
    ("facts", "minutes", "fits"),
    [
        ("30|||0", 35, True),
        ("30|||0", 25, False),
        ("16|37||0", 37, True),
        ("16|37||0", 38, False),
        ("||15|0", 50, True),
    ],
)
def test_time_fit(facts: str, minutes: int, fits: bool) -> None:
    assert bool(time_fit(facts, minutes)) is fits


def test_no_rule_is_not_a_fit() -> None:
    assert time_fit("", 30) is None and time_fit("|||1|2", 30) is None


def test_a_tighter_rule_fits_better() -> None:
    assert time_fit("30|||0", 35) > time_fit("20|||0", 35)  # type: ignore[operator]
    assert time_fit("16|37||0", 30) > time_fit("26|||0", 30)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("psychotherapy 53 min", "90837"),
        ("psychotherapy 30 minutes", "90832"),
        ("psychotherapy 45 minutes", "90834"),
        ("established patient visit 35 minutes", "99214"),
        ("established patient visit 45 minutes", "99215"),
        ("new patient 62 minutes", "99205"),
        ("new patient visit 30 minutes", "99203"),
        ("critical care 45 minutes", "99291"),
        ("hospital discharge 40 minutes", "99239"),
        ("psychotherapy 40 min with E/M", "90836"),
    ],
)
def test_a_stated_duration_picks_the_code(invoke, query: str, code: str) -> None:  # type: ignore[no-untyped-def]
    assert codes(invoke, query, n=1) == [code]


def test_numbers_that_are_not_durations_keep_their_meaning(invoke) -> None:  # type: ignore[no-untyped-def]
    assert codes(invoke, "factor VII", n=1) == ["85230"]
    assert codes(invoke, "knee x-ray 3 views", n=1) == ["73562"]


def test_confidence_labels(invoke) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(invoke("search", "85230", "--json").stdout)
    assert doc["results"][0]["confidence"] == "exact"
    doc = json.loads(invoke("search", "colonoscopy", "--json").stdout)
    assert doc["results"][0]["confidence"] == "exact"
    doc = json.loads(invoke("search", "paravalvlar leek", "--json").stdout)
    assert doc["results"][0]["confidence"] in ("strong", "partial")


@pytest.mark.parametrize("query", ["dental cleaning", "teeth whitening", "tattoo removal"])
def test_a_service_the_library_lacks_says_so(invoke, query: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", *query.split(), "--json")
    labels = [r["confidence"] for r in json.loads(result.stdout)["results"]]
    assert "strong" not in labels and "exact" not in labels
    assert "no strong match" in result.stderr and "codes and the one you need" in result.stderr


def test_strong_answers_carry_no_note(invoke) -> None:  # type: ignore[no-untyped-def]
    assert "no strong match" not in invoke("search", "knee", "replacement").stderr


def test_terminal_table_shows_the_label(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "knee", "replacement", env={"CPT_FORCE_TERMINAL": "1"})
    assert "Match" in result.stdout and "exact" in result.stdout


def test_counts_and_all(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "992", "-n", "5")
    total = json.loads(invoke("search", "992", "--json", "-n", "5").stdout)["total"]
    assert total > 5
    assert len(result.stdout.splitlines()) == 5
    assert f"showing 5 of {total}" in result.stderr
    every = invoke("search", "992", "--all")
    assert len(every.stdout.splitlines()) == total and "showing" not in every.stderr


def test_factor_vii_does_not_reach_chem_7(invoke) -> None:  # type: ignore[no-untyped-def]
    found = codes(invoke, "factor", "VII", n=10)
    assert "80048" not in found and "80047" not in found
    assert found[0] == "85230"


def test_a_repeated_word_counts_once(invoke) -> None:  # type: ignore[no-untyped-def]
    once = json.loads(invoke("search", "knee", "--json", "-n", "3").stdout)["results"]
    many = json.loads(invoke("search", *["knee"] * 9, "--json", "-n", "3").stdout)["results"]
    assert [(r["code"], r["score"]) for r in many] == [(r["code"], r["score"]) for r in once]


@pytest.mark.parametrize(
    ("query", "first", "second"),
    [("cataract surgery", "66984", "66982"), ("colonoscopy with polyp removal", "45385", "45384")],
)
def test_ties_go_to_the_more_common_code(invoke, query: str, first: str, second: str) -> None:  # type: ignore[no-untyped-def]
    found = codes(invoke, *query.split(), n=5)
    assert found.index(first) < found.index(second)


def test_colonoscopy_prep_prints_the_colonoscopy_preparation(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "colonoscopy", "prep", "-s", "prep", "-n", "3")
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0].split()
    assert first[1] in ("45378", "45380", "45385")
    assert "\nPreparation\n" in result.stdout


def test_category_filter_that_removes_everything_says_so(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "colonoscopy", "-c", "Radiology")
    assert result.exit_code == 1
    assert "none in a category containing 'Radiology'" in result.stderr


def test_a_record_that_failed_to_load_is_named(invoke, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "99999.toml").write_text('code = "99999"\nname = \n', encoding="utf-8")
    result = invoke("--data-dir", str(tmp_path), "show", "99999")
    assert result.exit_code == 1
    assert "Did you mean 99999" not in result.stderr
    assert "The record for 99999 could not be loaded" in result.stderr
