"""A record as Markdown for ``cpt show --format markdown``: headings, lists and numbered
steps, ready to paste into notes or documents.

It writes the labelled parts that :func:`cptcli.render.layout` makes (no styling is
decided here); record text is data, so every character Markdown would read as markup is
escaped. Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cptcli.models import Procedure, clean
from cptcli.render import NOT_IN_LIBRARY, NOTICE, Block, facts, footer

if TYPE_CHECKING:
    from cptcli.history import HistoryEntry


def md(text: str) -> str:
    """One line of record text with the characters Markdown reads as markup escaped."""
    cleaned = " ".join(clean(text).split())
    for char in "\\`*_[]<>|#":
        cleaned = cleaned.replace(char, "\\" + char)
    return cleaned


def markdown_procedure(
    record: Procedure, blocks: Sequence[Block], change: HistoryEntry | None = None
) -> str:
    """A record as Markdown: a heading, the coder facts, one section per block (lists
    as lists, steps numbered), and the foot; ready to paste into notes or documents."""
    lines = [f"## {md(record.code)} {md(record.name)}", "", f"*{md(record.category)}*", ""]
    if record.aliases:
        lines += [f"**Also known as:** {md('; '.join(record.aliases))}", ""]
    for label, text in facts(record, change):
        lines += [f"**{md(label)}:** {md(text)}", ""]
    for block in blocks:
        lines += [f"### {md(block.title)}", ""]
        for part in block.parts:
            if part.kind in ("paragraph", "label") and lines[-1]:
                lines.append("")  # a list ends before the next paragraph or label
            if part.kind == "paragraph":
                lines += [md(part.text), ""]
            elif part.kind == "label":
                lines += [f"**{md(part.text)}**", ""]
            elif part.kind == "bullet":
                lines.append(f"- {md(part.text)}")
            elif part.kind == "step":
                lines.append(f"{part.number}. {md(part.text)}")
            else:  # a related code
                lines.append(f"- {md(part.text)}: {md(part.detail or NOT_IN_LIBRARY)}")
        if lines[-1]:
            lines.append("")
    lines += [f"*{md(footer(record))}*", "", f"*{md(NOTICE)}*"]
    return "\n".join(lines)
