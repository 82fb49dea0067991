"""The accuracy review's examples stay fixed, and the coder facts are where they apply."""

from __future__ import annotations

import pytest

from cptcli.paths import bundled_procedures_dir
from cptcli.store import load_record


def record(code: str):  # type: ignore[no-untyped-def]
    return load_record(bundled_procedures_dir() / f"{code}.toml")


def text(code: str) -> str:
    r = record(code)
    parts = [r.name, *r.aliases]
    for key in r.sections:
        parts.extend(r.section_text(key))
    return " ".join(parts).lower()


@pytest.mark.parametrize(
    ("code", "alias"),
    [
        ("85014", "spun hematocrit"),
        ("85246", "factor viii related antigen"),
        ("85730", "heparin level test"),
        ("85730", "clotting time test"),
        ("00851", "salpingectomy"),
    ],
)
def test_no_alias_names_a_siblings_service(code: str, alias: str) -> None:
    assert all(alias not in a.lower() for a in record(code).aliases)


def test_billing_asides_of_the_review_are_fixed() -> None:
    assert "58558" in text("58120") and "coded separately" not in text("58120")
    assert "extensive undermining" in text("12032") or "extensive" in text("12032")
    assert "13101" in text("12032")
    assert "63052" in text("63047")
    pap = text("99385")
    assert "part of this visit" in pap or "part of the visit" in pap


def test_dated_guidance_names_source_and_year() -> None:
    assert "acip, 2025" in text("90744")
    assert "cdc, 2021" in text("90480")
    chlamydia = text("87491")
    assert "test of cure" in chlamydia and "three months" in chlamydia


def test_free_t4_in_pregnancy_is_not_overstated() -> None:
    assert "pregnan" in text("84439") and "little affected by pregnancy" not in text("84439")


@pytest.mark.parametrize(
    ("code", "primaries"),
    [("93592", {"93590", "93591"}), ("11103", {"11102", "11104", "11106"}), ("99292", {"99291"})],
)
def test_add_on_codes_name_their_primaries(code: str, primaries: set[str]) -> None:
    assert primaries <= set(record(code).add_on_to)


def test_every_record_that_calls_itself_an_add_on_has_primaries() -> None:
    missing = []
    for path in bundled_procedures_dir().glob("*.toml"):
        r = load_record(path)
        if "(add-on)" in r.name.lower() and not r.add_on_to:
            missing.append(r.code)
    assert missing == []


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("99214", {"min": 30}),
        ("99215", {"min": 40}),
        ("99213", {"min": 20}),
        ("99205", {"min": 60}),
        ("90837", {"min": 53}),
        ("90834", {"min": 38, "max": 52}),
        ("90832", {"min": 16, "max": 37}),
        ("97110", {"unit": 15}),
        ("99291", {"min": 30, "max": 74}),
    ],
)
def test_time_rules(code: str, rule: dict[str, int]) -> None:
    time = record(code).time or {}
    assert {k: time.get(k) for k in rule} == rule


def test_every_em_psychotherapy_and_timed_therapy_code_has_time() -> None:
    lacking = []
    for path in bundled_procedures_dir().glob("*.toml"):
        r = load_record(path)
        em = r.category.startswith("Evaluation and Management")
        psychotherapy = "90832" <= r.code <= "90840" or r.code in ("90846", "90847")
        therapy = r.code in ("97110", "97112", "97116", "97140", "97530", "97535", "97750")
        if (em or psychotherapy or therapy) and not r.time:
            lacking.append(r.code)
    assert lacking == []


def test_every_record_is_reviewed() -> None:
    unreviewed = [
        p.stem for p in bundled_procedures_dir().glob("*.toml") if not load_record(p).reviewed
    ]
    assert unreviewed == []
