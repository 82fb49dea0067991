"""Codes side by side (``cpt compare``): the facts that tell neighbouring codes apart.

:func:`compare` lines up, for two or more records, the facts a coder weighs when choosing
between them: the name, the time rule, the level of medical decision-making, whether the
code is an add-on, where and how long, the category and the code system. Every value is
what the record states; a fact the record does not state is an empty value, never a
guess. The decision-making row is there only when some record states a level (the E/M
records do, in their names or text). It never prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from cptcli.models import Procedure, first_sentence, flatten, time_text

_LEVEL = r"(?:straightforward|low|moderate|high)(?:[- ]complexity)?"
# "moderate-complexity decision-making", "straightforward or low medical decision making",
# "decision-making is high".
_MDM = (
    re.compile(rf"\b({_LEVEL}(?:,? or {_LEVEL})?)(?: medical)? decision[- ]making", re.IGNORECASE),
    re.compile(rf"\bdecision[- ]making (?:is|was) ({_LEVEL}(?: or {_LEVEL})?)\b", re.IGNORECASE),
)
ADD_ON_SHOWN = 6  # primary codes named before "and N more"


class Row(NamedTuple):
    key: str
    label: str
    values: list[str]  # one per record, in order; "" when the record does not say

    @property
    def same(self) -> bool:
        return len(set(self.values)) <= 1


class Comparison(NamedTuple):
    codes: list[str]
    rows: list[Row]

    def to_dict(self) -> dict[str, Any]:
        return {
            "codes": list(self.codes),
            "rows": [
                {
                    "key": row.key,
                    "label": row.label,
                    "values": dict(zip(self.codes, row.values)),
                    "same": row.same,
                }
                for row in self.rows
            ],
        }


def decision_making(record: Procedure) -> str:
    """The level of medical decision-making the record states ("moderate-complexity",
    "straightforward or low"), from its name, else its summary, else its other text;
    "" when it states none."""
    texts = [record.name, *flatten(record.sections.get("summary"))]
    texts += [t for key in record.sections if key != "summary" for t in record.section_text(key)]
    for text in texts:
        flat = " ".join(text.split())
        for pattern in _MDM:
            found = pattern.search(flat)
            if found:
                return found.group(1).lower()
    return ""


def add_on_text(record: Procedure) -> str:
    if not record.add_on_to:
        return "no"
    codes = list(record.add_on_to)
    shown = ", ".join(codes[:ADD_ON_SHOWN])
    more = len(codes) - ADD_ON_SHOWN
    return f"add-on to {shown}" + (f" and {more} more" if more > 0 else "")


def _first(record: Procedure, key: str) -> str:
    text = " ".join(record.section_text(key))
    return first_sentence(text) if text.strip() else ""


def compare(records: Sequence[Procedure]) -> Comparison:
    """The rows of a comparison of ``records`` (in the order given)."""
    rows = [
        Row("name", "Name", [" ".join(r.name.split()) for r in records]),
        Row("time", "Time rule", [time_text(r.time) for r in records]),
        Row("decision_making", "Decision-making", [decision_making(r) for r in records]),
        Row("add_on", "Add-on code", [add_on_text(r) for r in records]),
        Row("setting", "Setting", [_first(r, "setting") for r in records]),
        Row("duration", "Duration", [_first(r, "duration") for r in records]),
        Row("category", "Category", [r.category for r in records]),
        Row("system", "System", [r.system for r in records]),
    ]
    # A row no record has anything for says nothing.
    rows = [row for row in rows if any(row.values)]
    return Comparison([r.code for r in records], rows)
