"""Code families: which section, subsection and family of the code set a code belongs to.

The bundled ``data/families.toml`` covers the whole CPT and HCPCS Level II code space
with ranges at three levels, named in our own words::

    [[range]]
    low = "12001"
    high = "12021"
    level = "family"          # "section", "subsection" or "family"
    name = "Simple repair of superficial wounds"

A valid code the library has no record for is answered with its family and the
library's codes in it. Like the other reference tables the file is precompiled to JSON
in the wheel. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

LEVELS = ("section", "subsection", "family")


class Range(NamedTuple):
    low: str
    high: str
    level: str
    name: str

    def contains(self, code: str) -> bool:
        return same_form(code, self.low) and self.low <= code <= self.high

    def to_dict(self) -> dict[str, str]:
        return {"low": self.low, "high": self.high, "name": self.name}


def same_form(code: str, other: str) -> bool:
    """Whether two codes are of one form (12345, 1234F, 1234T, 1234U, or A1234 with
    the same letter), so that comparing them as text orders them as numbers."""
    if len(code) != len(other):
        return False
    if code[0].isalpha() or other[0].isalpha():
        return code[0] == other[0]
    return code[-1].isdigit() == other[-1].isdigit() and (
        code[-1].isdigit() or code[-1] == other[-1]
    )


class Place(NamedTuple):
    """Where a code sits: its section, subsection and family (each may be None)."""

    section: Range | None
    subsection: Range | None
    family: Range | None

    @property
    def narrowest(self) -> Range | None:
        return self.family or self.subsection or self.section

    def names(self) -> list[str]:
        return [r.name for r in (self.section, self.subsection, self.family) if r]

    def to_dict(self) -> dict[str, Any]:
        return {
            level: (getattr(self, level).to_dict() if getattr(self, level) else None)
            for level in LEVELS
        }


class Families(NamedTuple):
    ranges: tuple[Range, ...]

    def place(self, code: str) -> Place:
        found: dict[str, Range | None] = dict.fromkeys(LEVELS)
        for item in self.ranges:
            if found[item.level] is None and item.contains(code):
                found[item.level] = item
        return Place(found["section"], found["subsection"], found["family"])

    def members(self, scope: Range, codes: Iterable[str]) -> list[str]:
        """The codes (of those given) inside a range, in code order."""
        return sorted(c for c in codes if scope.contains(c))


EMPTY = Families(())


def family_problems(data: dict[str, Any]) -> list[str]:
    """Every problem of a parsed family table (empty when it is valid): the shape of
    each range, and that ranges nest and do not overlap at one level."""
    from cptcli.store import is_code

    problems: list[str] = []
    if set(data) - {"range"}:
        problems.append("unknown top-level key; the file holds [[range]] tables only")
    entries = data.get("range", [])
    if not isinstance(entries, list) or not entries:
        return [*problems, "'range' must be a non-empty array of tables ([[range]])"]
    ranges: list[Range] = []
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"range {i}: must be a table")
            continue
        low, high = entry.get("low"), entry.get("high")
        where = f"range {i} ({low}-{high})"
        if set(entry) - {"low", "high", "level", "name"}:
            problems.append(f"{where}: unknown key")
        if not (isinstance(low, str) and isinstance(high, str) and is_code(low) and is_code(high)):
            problems.append(f"{where}: 'low' and 'high' must be codes")
            continue
        if not same_form(low, high) or low > high:
            problems.append(f"{where}: 'low' must come before 'high', in the same code form")
        if entry.get("level") not in LEVELS:
            problems.append(f"{where}: 'level' must be one of {', '.join(LEVELS)}")
            continue
        name = entry.get("name")
        if not (isinstance(name, str) and name.strip()):
            problems.append(f"{where}: 'name' must be a non-empty string")
            continue
        ranges.append(Range(low, high, entry["level"], name.strip()))
    for level in LEVELS:
        same = sorted((r for r in ranges if r.level == level), key=lambda r: (len(r.low), r.low))
        for a, b in zip(same, same[1:]):
            if same_form(a.low, b.low) and b.low <= a.high:
                problems.append(f"{level} ranges overlap: {a.low}-{a.high} and {b.low}-{b.high}")
    for item in ranges:
        parent_level = {"family": "subsection", "subsection": "section"}.get(item.level)
        if parent_level and not any(
            p.level == parent_level and p.contains(item.low) and p.contains(item.high)
            for p in ranges
        ):
            problems.append(f"{item.level} {item.low}-{item.high} lies in no one {parent_level}")
    return problems


def families_from_data(data: dict[str, Any]) -> Families:
    order = {level: i for i, level in enumerate(LEVELS)}
    ranges = sorted(
        (Range(e["low"], e["high"], e["level"], e["name"].strip()) for e in data.get("range", [])),
        key=lambda r: (order[r.level], len(r.low), r.low),
    )
    return Families(tuple(ranges))


def parse_families(raw: bytes, path: Path) -> dict[str, Any]:
    """The file's bytes decoded, parsed and checked (RecordError on the first problem)."""
    from cptcli.tables import parse_table

    return parse_table(raw, path, family_problems)


def load_families(path: Path, compiled: Path | None = None) -> Families:
    """The table, from its precompiled copy when one matches the file. A missing file
    is an empty table; a broken one raises RecordError."""
    from cptcli.tables import load_table

    data = load_table(path, compiled, family_problems)
    return EMPTY if data is None else families_from_data(data)
