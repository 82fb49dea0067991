"""The data model: a procedure record and a search match.

``to_dict()`` builds the public JSON shape field by field; its keys are the record
format's keys, so a record read from TOML and written as JSON look alike.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Union

from cptcli.codeset import CODE_SET
from cptcli.sections import SECTION_KEYS

# A section's value: a paragraph, a list of bullets or steps, or labelled parts.
Part = Union[str, list[str]]
SectionValue = Union[str, list[str], dict[str, Part]]


class Procedure:
    """One procedure record. Treat as immutable.

    Besides its sections a record carries coder facts: ``search_terms`` (spellings that
    help search but are not shown), ``add_on_to`` (for an add-on code, its primary
    codes), ``time`` (the time rule that selects the code: ``min``, ``max``, ``unit``
    minutes and a ``note``), ``usage`` (1 for the most billed codes to 3, breaking ties
    in search) and ``reviewed`` (ISO date of its last second reading).
    """

    __slots__ = (
        "add_on_to",
        "aliases",
        "category",
        "code",
        "name",
        "reviewed",
        "search_terms",
        "sections",
        "source",
        "system",
        "time",
        "usage",
    )

    def __init__(
        self,
        code: str,
        name: str,
        system: str = "CPT",
        category: str = "",
        aliases: tuple[str, ...] = (),
        sections: dict[str, SectionValue] | None = None,
        source: str = "",
        search_terms: tuple[str, ...] = (),
        add_on_to: tuple[str, ...] = (),
        time: dict[str, Any] | None = None,
        reviewed: str | None = None,
        usage: int | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.system = system
        self.category = category
        self.aliases = tuple(aliases)
        self.sections: dict[str, SectionValue] = sections if sections is not None else {}
        self.source = source
        self.search_terms = tuple(search_terms)
        self.add_on_to = tuple(add_on_to)
        self.time: dict[str, Any] | None = dict(time) if time else None
        self.reviewed = reviewed
        self.usage = usage

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Procedure) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Procedure(code={self.code!r}, name={self.name!r}, source={self.source!r})"

    @property
    def similar_codes(self) -> list[str]:
        value = self.sections.get("similar_codes", [])
        return list(value) if isinstance(value, list) else []

    def section_text(self, key: str) -> list[str]:
        """Every string of one section, flattened in order (for search and checks)."""
        return flatten(self.sections.get(key))

    @property
    def is_add_on(self) -> bool:
        return bool(self.add_on_to)

    def to_dict(self, sections: list[str] | None = None) -> dict[str, Any]:
        """The public JSON shape. ``sections`` limits which sections are included; the
        identifying keys and coder facts are always there (null or empty when unknown)."""
        out: dict[str, Any] = {
            "code": self.code,
            "system": self.system,
            "status": "active",
            "code_set": CODE_SET,
            "name": self.name,
            "category": self.category,
            "aliases": list(self.aliases),
            "search_terms": list(self.search_terms),
            "add_on_to": list(self.add_on_to),
            "time": dict(self.time) if self.time else None,
            "usage": self.usage,
            "reviewed": self.reviewed,
        }
        for key in SECTION_KEYS:
            if key in self.sections and (sections is None or key in sections):
                out[key] = _copy(self.sections[key])
        out["source"] = self.source
        return out


class Match(NamedTuple):
    """One search result: which record, how well, and why."""

    code: str
    name: str
    category: str
    score: float
    matched_field: str
    matched_text: str
    # Character spans of ``matched_text`` that matched query words, for highlighting.
    highlights: tuple[tuple[int, int], ...] = ()
    system: str = "CPT"
    # How sure the match is: "exact", "strong", "partial" or "weak" (see search.py).
    confidence: str = "weak"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "score": round(self.score, 1),
            "confidence": self.confidence,
            "matched_field": self.matched_field,
            "matched_text": self.matched_text,
        }


_CONTROL: list[re.Pattern[str]] = []  # compiled on first use: start-up matters


def clean(text: str, layout: bool = False) -> str:
    """Text safe for a terminal: control characters (ESC, BEL, C1 and DEL included), bidi
    controls and invisible characters (zero-width, word joiner, soft hyphen, byte-order
    mark, line and paragraph separators) removed, tabs as spaces. With ``layout`` (for
    whole tsv and csv outputs) tabs and CRLF line ends are kept.

    This is the one cleaning function: every string from a file or a query passes
    through it before it reaches a terminal, stdout or stderr (the CLI's output helpers
    apply it to all they print; :func:`json_text` is its form for JSON documents).
    Newlines are kept; callers that need one line collapse white space themselves.
    """
    if layout:
        return _pattern(1).sub("", text)
    return _pattern().sub("", text.replace("\t", " "))


def _pattern(layout: int = 0) -> re.Pattern[str]:
    if not _CONTROL:
        hidden = r"\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
        _CONTROL.append(re.compile(rf"[\x00-\x08\x0b-\x1f{hidden}]"))
        _CONTROL.append(re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f{hidden}]|\r(?!\n)"))
    return _CONTROL[layout]


def json_text(value: Any, indent: int | None = None) -> str:
    """A JSON document whose strings (keys and values) are cleaned as :func:`clean`
    cleans text (line breaks kept, tabs as spaces): a script that prints a value from
    ``--json`` must not be able to send an escape sequence, a bidi control or an
    invisible character to a terminal either.

    The document is cleaned as a whole, which is many times faster than cleaning each
    string: JSON writes every C0 control as an escape (removed here, but for ``\\n``;
    ``\\t`` becomes a space), and the characters it writes as they are (C1 controls,
    DEL, bidi and invisible characters) never belong to its syntax.
    """
    import json

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if "\\" in text:
        text = _json_escapes().sub(_json_escape, text)
    return _pattern().sub("", text)


_JSON_ESCAPES: list[re.Pattern[str]] = []


def _json_escapes() -> re.Pattern[str]:
    if not _JSON_ESCAPES:
        # An escaped backslash first, so that a backslash written in the text is never
        # read as the start of an escape.
        _JSON_ESCAPES.append(re.compile(r"\\(?:(\\)|(t)|[bfr]|u00(?:0[0-8bcef]|1[0-9a-f]))"))
    return _JSON_ESCAPES[0]


def _json_escape(found: re.Match[str]) -> str:
    if found.group(1):
        return found.group(0)
    return " " if found.group(2) else ""


def time_text(time: dict[str, Any] | None) -> str:
    """A time rule in words: "at least 30 minutes", "16 to 37 minutes", "per 15 minutes"."""
    if not time:
        return ""
    low, high, unit = time.get("min"), time.get("max"), time.get("unit")
    phrases = []
    if low and high:
        phrases.append(f"{low} to {high} minutes")
    elif low:
        phrases.append(f"at least {low} minutes")
    elif high:
        phrases.append(f"up to {high} minutes")
    if unit:
        phrases.append(f"one unit per {unit} minutes")
    text = "; ".join(phrases)
    note = time.get("note")
    if note:
        text = f"{text} ({note})" if text else str(note)
    return text


# Words whose full stop does not end a sentence.
_ABBREVIATIONS = {"e.g", "i.e", "vs", "etc", "approx", "dr", "no", "st", "mr", "mrs", "ms", "fig"}
_SENTENCE_END: list[re.Pattern[str]] = []  # compiled on first use


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph (all of it when it is one sentence), with its
    white space collapsed."""
    if not _SENTENCE_END:
        _SENTENCE_END.append(re.compile(r"[.!?](?=\s+[A-Z0-9(\"“'])"))
    text = " ".join(text.split())
    for found in _SENTENCE_END[0].finditer(text):
        word = text[: found.start()].rsplit(" ", 1)[-1].lower()
        if word.rstrip(".") not in _ABBREVIATIONS:
            return text[: found.end()]
    return text


def flatten(value: SectionValue | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return list(value)
    out: list[str] = []
    for part in value.values():
        out.extend([part] if isinstance(part, str) else part)
    return out


def _copy(value: SectionValue) -> SectionValue:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return list(value)
    return {k: (v if isinstance(v, str) else list(v)) for k, v in value.items()}
