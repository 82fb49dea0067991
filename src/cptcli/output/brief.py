"""The short view of a record (``cpt show CODE --brief``): the tldr of a procedure.

What it is, why it is done, how to prepare, how long it takes and the main risks, in
about ten lines, for a patient reading a bill. :func:`brief` picks the parts from the
record (the first sentence of the summary, purpose and duration, the first preparation
items and common risks), width-free, for JSON as well as text. :func:`brief_lines` fits
them to a screen: each part gets a few lines at most, whole items and sentences first,
and a part that still does not fit is cut at a word with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from cptcli.models import Procedure, clean, first_sentence, flatten

if TYPE_CHECKING:
    from rich.console import RenderableType

PREPARATION_ITEMS = 2
RISK_ITEMS = 3
# Lines each part may take on the screen, and the lines of the whole (title included),
# so that one brief with the notice under it stays within 14 lines at 100 columns.
LIMITS = {"what": 3, "why": 2, "preparation": 2, "duration": 2, "risks": 2}
TOTAL_LINES = 12
TOTAL_LINES_NARROW = 14  # below 100 columns, where the same words take more lines
# The order in which parts give up a line when the whole is too tall.
SHRINK_ORDER = ("why", "duration", "preparation", "risks", "what")
LABELS = {
    "what": "What",
    "why": "Why",
    "preparation": "Prepare",
    "duration": "How long",
    "risks": "Risks",
}
LABEL_WIDTH = max(len(label) for label in LABELS.values()) + 2


class Brief(NamedTuple):
    code: str
    name: str
    what: str
    why: str
    preparation: list[str]
    duration: str
    risks: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "what": self.what,
            "why": self.why,
            "preparation": list(self.preparation),
            "duration": self.duration,
            "risks": list(self.risks),
        }


def _text(record: Procedure, key: str) -> str:
    parts = [" ".join(part.split()) for part in flatten(record.sections.get(key))]
    return first_sentence(" ".join(p for p in parts if p)) if parts else ""


def _items(value: Any, limit: int) -> list[str]:
    return [" ".join(item.split()) for item in flatten(value) if item.strip()][:limit]


def brief(record: Procedure) -> Brief:
    """The parts of the short view, taken from the record as it is written."""
    why = _text(record, "purpose")
    if not why:
        why = " ".join(_items(record.sections.get("indications"), 1))
    risks = record.sections.get("risks")
    if isinstance(risks, dict):
        # Common risks first: they are the ones a patient should expect.
        ordered = [risks["common"]] if "common" in risks else []
        ordered += [v for k, v in risks.items() if k != "common"]
        chosen = [item for value in ordered for item in _items(value, RISK_ITEMS)]
    else:
        chosen = _items(risks, RISK_ITEMS)
    return Brief(
        code=record.code,
        name=" ".join(record.name.split()),
        what=_text(record, "summary"),
        why=why,
        preparation=_items(record.sections.get("preparation"), PREPARATION_ITEMS),
        duration=_text(record, "duration"),
        risks=chosen[:RISK_ITEMS],
    )


# --- fitting to a screen -------------------------------------------------------------


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    import textwrap

    wrapped = textwrap.wrap(
        text, width=max(width, 20), subsequent_indent=indent, break_on_hyphens=False
    )
    return wrapped or [""]


def _join(items: Sequence[str]) -> str:
    """List items as running text: sentences one after another, phrases with "; "."""
    text = ""
    for item in items:
        if text.endswith((".", "!", "?")):
            text += " "
        elif text:
            text += "; "
            # "Nausea" continues a list in lower case; "IV fluids" and "MRI" do not.
            if len(item) > 1 and item[0].isupper() and item[1].islower():
                item = item[0].lower() + item[1:]
        text += item
    return text


def _fit(pieces: Sequence[str], width: int, lines: int) -> list[str]:
    """As many whole pieces as fit ``lines`` lines of ``width``; the first piece cut at
    a word with an ellipsis when even it does not fit."""
    kept: list[str] = []
    for piece in pieces:
        if len(_wrap(_join([*kept, piece]), width)) > lines:
            break
        kept.append(piece)
    if kept:
        return _wrap(_join(kept), width)
    wrapped = _wrap(pieces[0], width)[:lines]
    last = wrapped[-1]
    while len(last) + 1 > width and " " in last:
        last = last.rsplit(" ", 1)[0]
    wrapped[-1] = last.rstrip(" ,;:") + "…"
    return wrapped


def _pieces(item: Brief, key: str) -> list[str]:
    value = getattr(item, key)
    if isinstance(value, list):
        return [clean(v) for v in value if v]
    return [clean(value)] if value else []


def brief_lines(item: Brief, width: int = 80) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The title lines and (label, lines) of each part, fitted to ``width`` columns
    and to :data:`TOTAL_LINES` lines in all (a little more on narrow screens)."""
    code = clean(item.code)
    title = _wrap(f"{code}  {clean(item.name)}", width, " " * (len(code) + 2))
    room = width - LABEL_WIDTH
    limits = dict(LIMITS)
    total = TOTAL_LINES if width >= 100 else TOTAL_LINES_NARROW
    fitted: dict[str, list[str]] = {}
    while True:
        fitted = {
            key: _fit(pieces, room, limits[key]) for key in LIMITS if (pieces := _pieces(item, key))
        }
        excess = len(title) + sum(map(len, fitted.values())) - total
        shrinkable = [k for k in SHRINK_ORDER if k in fitted and len(fitted[k]) > 1]
        if excess <= 0 or not shrinkable:
            break
        limits[shrinkable[0]] = len(fitted[shrinkable[0]]) - 1
    return title, [(LABELS[key], fitted[key]) for key in LIMITS if key in fitted]


def plain_brief(item: Brief, width: int = 80) -> str:
    title, parts = brief_lines(item, width)
    lines = list(title)
    for label, texts in parts:
        lines.append(label.ljust(LABEL_WIDTH) + texts[0])
        lines += [" " * LABEL_WIDTH + text for text in texts[1:]]
    return "\n".join(lines)


def rich_brief(item: Brief, width: int = 80, theme: dict[str, str] | None = None) -> RenderableType:
    """The same lines as :func:`plain_brief`, with the code, title and labels styled."""
    from rich.text import Text

    theme = theme or {}
    title, parts = brief_lines(item, width)
    text = Text(no_wrap=True, overflow="ignore")
    code = clean(item.code)
    first = title[0]
    text.append(code, style=theme.get("code", ""))
    text.append(first[len(code) :], style=theme.get("title", ""))
    for line in title[1:]:
        text.append("\n" + line, style=theme.get("title", ""))
    for label, texts in parts:
        text.append("\n")
        text.append(label.ljust(LABEL_WIDTH), style=theme.get("label", ""))
        text.append(texts[0])
        for line in texts[1:]:
            text.append("\n" + " " * LABEL_WIDTH + line)
    return text
