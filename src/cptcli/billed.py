"""Codes as people write them on bills, claims and spreadsheets.

``CPT 80053``, ``cpt:77067``, ``#83036``, ``what is 80053``, ``80053,85025``,
``99214-25``, ``99214 25``, ``45385-PT``, ``97110 x 3 units``, ``97110x3``, and codes
whose leading zeros a spreadsheet dropped (``811`` for 00811). :func:`parse_codes`
turns such text into :class:`CodeRef` values, or returns None when the text is not made
of codes alone (then it is a search for words). Pure functions; nothing is looked up.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import NamedTuple


class CodeRef(NamedTuple):
    """One code as written: the code (zero-padded where digits were lost), its
    modifiers, the units billed, and the text it was read from."""

    code: str
    modifiers: tuple[str, ...] = ()
    units: int | None = None
    written: str = ""
    padded: bool = False  # read from 3 or 4 digits by restoring leading zeros


_LEAD = (
    r"^\s*(?:(?:what\s+is|what's|whats|define|look\s*up|explain)\s+)?"
    r"(?:(?:cpt|hcpcs|procedure|billing)(?:\s*code)?s?|codes?)?\s*[:#]?\s*"
)
_CODE = r"\d{4}[FTU]|\d{3,5}|[A-V]\d{4}"
_MOD = r"[0-9A-Z]{2}"
_ITEM = (
    rf"#?(?P<code>{_CODE})(?![0-9A-WYZ]|X[A-Z])"
    rf"(?P<mods>(?:\s*-\s*{_MOD}(?![0-9A-WYZ]|X[A-Z])|\s+(?!X\d)(?:MOD(?:IFIER)?\s+)?{_MOD}(?![0-9A-Z]))*)"
    r"(?:\s*[X\u00d7*]\s*(?P<units>\d{1,3})(?:\s*UNITS?)?|\s+(?P<units2>\d{1,3})\s*UNITS?)?"
)
_SEP = r"\s*[,;/]\s*|\s+(?:AND\s+)?|\s*&\s*"
_PATTERNS: list[re.Pattern[str]] = []  # compiled on first use: start-up matters


def _patterns() -> list[re.Pattern[str]]:
    """(lead words, one code as written, separator), compiled once."""
    if not _PATTERNS:
        _PATTERNS.extend([re.compile(_LEAD, re.IGNORECASE), re.compile(_ITEM), re.compile(_SEP)])
    return _PATTERNS


def parse_codes(text: str, modifiers: Container[str] | None = None) -> list[CodeRef] | None:
    """The codes written in ``text``, or None if it holds anything else.

    A two-character group after a code separated by a hyphen is a modifier; one separated
    by a space is a modifier when ``modifiers`` is None or contains it (so that
    ``99214 25`` reads as modifier 25 while other text stays text). Codes of three or four
    digits get their leading zeros back (``811`` -> 00811, ``padded``).
    """
    lead, item, separator = _patterns()
    body = lead.sub("", text.strip(), count=1).rstrip(" ?.!").upper().replace("\u00d7", "X")
    if not body:
        return None
    refs: list[CodeRef] = []
    pos = 0
    while pos < len(body):
        if refs:
            sep = separator.match(body, pos)
            if sep is None or sep.end() == pos:
                return None
            pos = sep.end()
        found = item.match(body, pos)
        if found is None:
            return None
        mods = tuple(m for m in re.split(r"[\s-]+", found.group("mods")) if m and m != "MOD")
        mods = tuple(m for m in mods if m != "MODIFIER")
        if modifiers is not None and any(
            m not in modifiers for m in _spaced_modifiers(found.group("mods"))
        ):
            return None
        units = found.group("units") or found.group("units2")
        code = found.group("code")
        padded = code.isdigit() and len(code) < 5
        refs.append(
            CodeRef(
                code=code.zfill(5) if padded else code,
                modifiers=mods,
                units=int(units) if units else None,
                written=found.group(0).strip(),
                padded=padded,
            )
        )
        pos = found.end()
    return refs


def _spaced_modifiers(mods: str) -> list[str]:
    """Modifiers written after a space rather than a hyphen (checked against the list)."""
    out, hyphen = [], False
    for part in re.findall(r"-|[0-9A-Z]+", mods):
        if part == "-":
            hyphen = True
            continue
        if part not in ("MOD", "MODIFIER") and not hyphen:
            out.append(part)
        hyphen = False
    return out


def is_decorated(refs: list[CodeRef], text: str) -> bool:
    """Whether the text says more than bare codes (prefix words, modifiers, units,
    commas): then it is read as codes even where plain digits would be a prefix."""
    bare = " ".join(r.written for r in refs)
    return any(r.modifiers or r.units for r in refs) or bare.upper() != text.strip().upper()
