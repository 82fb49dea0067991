"""Section names: keys, titles, aliases and prefixes resolve; others are usage errors."""

from __future__ import annotations

import pytest

from cptcli.errors import ExitCode, UsageError
from cptcli.sections import SECTION_KEYS, resolve_section, resolve_sections


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("risks", "risks"),
        ("Risks and Complications", "risks"),
        ("RISKS-AND-COMPLICATIONS", "risks"),
        ("prep", "preparation"),
        ("steps", "procedure"),
        ("experience", "patient_experience"),
        ("patient experience", "patient_experience"),
        ("patient-experience", "patient_experience"),
        ("similar", "similar_codes"),
        ("ris", "risks"),
        ("anaesthesia", "anesthesia"),
        ("Tools, Equipment, or Technology", "tools"),
        ("bene", "benefits"),
    ],
)
def test_resolves(name: str, key: str) -> None:
    assert resolve_section(name) == key


def test_every_key_resolves_to_itself() -> None:
    for key in SECTION_KEYS:
        assert resolve_section(key) == key


def test_ambiguous_prefix_names_the_candidates() -> None:
    with pytest.raises(UsageError) as info:
        resolve_section("p")
    message = str(info.value)
    assert "ambiguous" in message
    assert "preparation" in message and "purpose" in message
    assert info.value.exit_code == ExitCode.USAGE


def test_unknown_lists_valid_names() -> None:
    with pytest.raises(UsageError) as info:
        resolve_section("prognosis")
    assert "Unknown section 'prognosis'" in str(info.value)
    for key in SECTION_KEYS:
        assert key in str(info.value)


def test_several_come_back_in_canonical_order_without_repeats() -> None:
    assert resolve_sections(["risks", "summary", "Risks", "prep"]) == [
        "summary",
        "preparation",
        "risks",
    ]
