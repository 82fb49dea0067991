"""Search quality, measured: realistic queries must find their code in the top 3.

`data/queries.csv` is the public query set (lay words, clinical terms, abbreviations,
typos, numerals, partial codes, indications); `data/queries_extra.csv` holds harder
queries added as weaknesses were found. A query passes when its first expected code
(any expected code for the `indication` kind) is among the first three results.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
PASS_RATE = 0.95


def load(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def top3(invoke, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    result = invoke("search", query, "--json", "--limit", "3")
    assert result.exit_code in (0, 1), result.stderr
    return [r["code"] for r in json.loads(result.stdout)["results"]]


def passes(row: dict[str, str], found: list[str]) -> bool:
    expected = row["expected_codes"].split("|")
    if row["kind"] == "indication":
        return any(code in found for code in expected)
    return expected[0] in found


@pytest.mark.parametrize("name", ["queries.csv", "queries_extra.csv", "queries_billed.csv"])
def test_queries_find_their_code_in_the_top_3(invoke, name: str) -> None:  # type: ignore[no-untyped-def]
    rows = load(name)
    assert len(rows) >= 20
    misses = []
    for row in rows:
        found = top3(invoke, row["query"])
        if not passes(row, found):
            misses.append(
                f"{row['query']!r} ({row['kind']}): expected {row['expected_codes']}, got {found}"
            )
    rate = 1 - len(misses) / len(rows)
    report = "\n".join(misses)
    print(f"{name}: {rate:.0%} of {len(rows)} queries pass\n{report}")
    assert rate >= PASS_RATE, f"{rate:.0%} < {PASS_RATE:.0%}; misses:\n{report}"
