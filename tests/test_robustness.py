"""Hostile or odd input that must give a clear answer, never a traceback or a hang."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from cptcli.models import clean

from .conftest import minimal, write_record

HIDDEN = "\u202e \u2066 \u200b \ufeff \u2060 \u061c \u2028 \u2029 \u00ad \x1b \x9b \x7f"


@pytest.mark.parametrize("char", HIDDEN.split(" "))
def test_clean_removes_controls_bidi_and_invisible_characters(char: str) -> None:
    assert clean(f"a{char}b") == "ab"


def test_clean_keeps_ordinary_text() -> None:
    text = "H\u00e4moglobin A1c, 5\u201310 mL \u00b7 ok\n"
    assert clean(text) == text


def test_record_file_named_in_lower_case_is_found(invoke, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write_record(tmp_path, "j9999", minimal("J9999", "A drug of our own"))
    result = invoke("--data-dir", str(tmp_path), "show", "J9999", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["name"] == "A drug of our own"


def test_nan_min_score_is_a_usage_error(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("search", "knee", "--min-score", "nan")
    flat = " ".join(result.stderr.replace("\u2502", " ").split())
    assert result.exit_code == 2 and "give a number from 0 to 100" in flat


def test_a_very_long_query_is_refused_quickly(invoke) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = invoke("search", "knee " * 20_000)
    flat = " ".join(result.stderr.replace("\u2502", " ").split())  # the error box, unwrapped
    assert result.exit_code == 2 and "give at most 500" in flat
    assert time.monotonic() - started < 10  # refused, not searched


def test_a_huge_terminal_width_is_capped(invoke) -> None:  # type: ignore[no-untyped-def]
    result = invoke("show", "85230", "-s", "summary", env={"COLUMNS": "100000000"})
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 1000
