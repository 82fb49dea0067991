"""A comparison of codes (see compare.py) as a table on a terminal and as text elsewhere.

By default only the rows where the codes differ are shown (the names always), with one
line naming the facts they share; ``show_all`` adds those rows, dimmed on a terminal and
written once in text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cptcli.models import clean
from cptcli.render import fill as _fill

if TYPE_CHECKING:
    from rich.console import RenderableType

    from cptcli.compare import Comparison, Row

NOT_STATED = "not stated"


def _shown(comparison: Comparison, show_all: bool) -> tuple[list[Row], list[Row]]:
    """(rows to show, rows left out because every code agrees)."""
    shown, same = [], []
    for row in comparison.rows:
        if row.same and row.key != "name" and len(comparison.codes) > 1 and not show_all:
            same.append(row)
        else:
            shown.append(row)
    return shown, same


def same_line(same: list[Row]) -> str:
    names = ", ".join(row.label.lower() for row in same)
    return f"The same for all: {names} (--all shows them)."


def plain_comparison(comparison: Comparison, width: int = 80, show_all: bool = False) -> str:
    """One paragraph a fact: its name, then each code's value under it."""
    shown, same = _shown(comparison, show_all)
    code_width = max(len(code) for code in comparison.codes)
    lines: list[str] = []
    for row in shown:
        if lines:
            lines.append("")
        if row.same and len(comparison.codes) > 1:
            lines.append(f"{row.label} (the same for all)")
            lines.append(_fill(clean(row.values[0]) or NOT_STATED, width, "  ", "  "))
            continue
        lines.append(row.label)
        indent = " " * (code_width + 4)
        for code, value in zip(comparison.codes, row.values):
            first = f"  {clean(code).ljust(code_width)}  "
            lines.append(_fill(clean(value) or NOT_STATED, width, first, indent))
    if same:
        lines += ["", _fill(same_line(same), width, "", "")]
    return "\n".join(lines)


def rich_comparison(
    comparison: Comparison, width: int = 80, show_all: bool = False
) -> list[RenderableType]:
    """A table with a column per code and a row per fact."""
    from rich.table import Table
    from rich.text import Text

    from cptcli.render import THEME

    shown, same = _shown(comparison, show_all)
    table = Table(
        border_style=THEME["border"],
        show_lines=True,
        width=min(width, 40 + 45 * len(comparison.codes)),
    )
    table.add_column("", style=THEME["label"], no_wrap=True)
    for code in comparison.codes:
        table.add_column(Text(clean(code), style=THEME["code"]), ratio=1)
    for row in shown:
        dim = row.same and len(comparison.codes) > 1
        cells = [
            Text(clean(value), style=THEME["category"] if dim else "")
            if value
            else Text(NOT_STATED, style=THEME["category"])
            for value in row.values
        ]
        label = Text(row.label, style=THEME["category"] if dim else THEME["label"])
        table.add_row(label, *cells)
    out: list[RenderableType] = [table]
    if same:
        out.append(Text(same_line(same), style=THEME["category"]))
    return out
