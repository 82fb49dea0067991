"""Turning models into output: labelled parts first, styling last.

:func:`layout` turns a record into blocks of labelled parts (paragraph, bullet, step,
label, code) with no styling. Two writers map those parts to output: plain text for
pipes and files (no rich import at all), and rich panels for a terminal, where every
kind of part gets its style from one theme table. Record text is never markup: it goes
into ``rich.text.Text`` objects, and control characters are removed before any output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from cptcli.codeset import CODE_SET, CODE_SET_YEAR
from cptcli.models import Match, Procedure, clean, time_text
from cptcli.sections import BY_KEY, SECTIONS, part_title

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from cptcli.billed import CodeRef
    from cptcli.history import HistoryEntry
    from cptcli.lookup import Origin
    from cptcli.modifiers import Modifier, Modifiers

NOTICE = (
    "Informational only, not medical or coding advice. "
    "CPT is a registered trademark of the American Medical Association."
)

# One theme table: every kind of part and its style on a terminal.
NOT_IN_LIBRARY = "(not in the library)"
THEME = {
    "title": "bold",
    "code": "bold cyan",
    "category": "dim",
    "heading": "bold magenta",
    "label": "bold",
    "bullet": "cyan",
    "step": "cyan",
    "paragraph": "",
    "notice": "dim italic",
    "match": "bold",
    "score": "green",
    "field": "dim",
    "border": "blue",
    "warning": "bold yellow",
    "exact": "bold green",
    "strong": "green",
    "partial": "yellow",
    "weak": "red",
}


def modifier_rows(modifiers: Sequence[Modifier]) -> list[tuple[str, str, str, str]]:
    return [(m.code, m.system, m.name, m.group) for m in modifiers]


def modifier_blocks(modifiers: Sequence[Modifier]) -> list[Block]:
    return [Block("modifier", modifier_title(m), modifier_parts(m)) for m in modifiers]


def family_line(prefix: str, place: Any) -> str:
    """One line naming where the codes of a prefix sit in the code set."""
    scope = place.narrowest
    where = " > ".join(map(clean, place.names()))
    return f"{clean(prefix)}: {where} (codes {scope.low}-{scope.high})"


def absent_block(gap: Any) -> Block:
    """A valid code without a record: where it sits and what the library has there."""
    names = gap.place.names()
    scope = gap.place.narrowest
    parts: list[Part] = []
    if names:
        where = " > ".join(map(clean, names))
        span = f" (codes {scope.low}-{scope.high})" if scope else ""
        parts.append(Part("paragraph", f"{clean(gap.code)} falls in: {where}{span}."))
    else:
        parts.append(Part("paragraph", f"{clean(gap.code)} is in no code family of the table."))
    if gap.nearby:
        parts.append(Part("label", "Codes of this family in the library"))
        parts += [Part("code", clean(c), detail=clean(n)) for c, n in gap.nearby]
    elif names:
        parts.append(Part("paragraph", "The library has no codes of this family yet."))
    return Block("family", f"{clean(gap.code)}  Not in the library", parts)


def shown_of(shown: int, total: int) -> str:
    """The count line under a cut list: "showing 10 of 32 (--all shows them all)"."""
    return f"showing {shown} of {total} (--all shows them all)"


# --- structure -----------------------------------------------------------------------


class Part(NamedTuple):
    kind: str  # "paragraph", "bullet", "step", "label", "code"
    text: str
    number: int = 0  # step number
    detail: str = ""  # name of a similar code


class Block(NamedTuple):
    key: str
    title: str
    parts: list[Part]


def layout(
    record: Procedure, sections: Sequence[str] | None = None, names: dict[str, str] | None = None
) -> list[Block]:
    """The record's sections, in canonical order, as blocks of labelled parts."""
    names = names or {}
    blocks = []
    for spec in SECTIONS:
        if spec.key not in record.sections or (sections is not None and spec.key not in sections):
            continue
        value = record.sections[spec.key]
        if spec.key == "similar_codes":
            parts = [
                Part("code", clean(code), detail=clean(names.get(code, "")))
                for code in record.similar_codes
            ]
        else:
            parts = _parts(value, steps=spec.key == "procedure")
        blocks.append(Block(spec.key, spec.title, parts))
    return blocks


def modifier_parts(modifier: Modifier) -> list[Part]:
    """One modifier as labelled parts: what it tells the payer, when it is used."""
    parts = [Part("paragraph", clean(modifier.explanation)), Part("label", "When it is used")]
    parts += [Part("bullet", clean(u)) for u in modifier.use]
    if modifier.not_for:
        parts.append(Part("label", "Not for"))
        parts += [Part("bullet", clean(u)) for u in modifier.not_for]
    if modifier.related:
        parts.append(Part("label", "Often confused with"))
        parts.append(Part("paragraph", ", ".join(map(clean, modifier.related))))
    return parts


def modifier_title(modifier: Modifier) -> str:
    return f"Modifier {clean(modifier.code)}: {clean(modifier.name)} ({modifier.system})"


def billed_blocks(record: Procedure, ref: CodeRef, reference: Modifiers | None) -> list[Block]:
    """What the code as written adds: its modifiers explained and the units billed."""
    blocks = []
    for code in ref.modifiers:
        modifier = reference.get(code) if reference is not None else None
        if modifier is None:
            text = f"{code} is not in the modifier reference; see `cpt modifier` for the list."
            blocks.append(Block("modifier", f"Modifier {clean(code)}", [Part("paragraph", text)]))
        else:
            blocks.append(Block("modifier", modifier_title(modifier), modifier_parts(modifier)))
    if ref.units:
        unit = (record.time or {}).get("unit")
        text = f"{ref.units} unit{'s' if ref.units != 1 else ''} billed"
        text += f"; this code counts one unit per {unit} minutes." if unit else "."
        blocks.append(Block("units", "Units", [Part("paragraph", text)]))
    return blocks


def _parts(value: Any, steps: bool) -> list[Part]:
    if isinstance(value, str):
        return [Part("paragraph", clean(value))]
    if isinstance(value, list):
        if steps:
            return [Part("step", clean(v), number=i) for i, v in enumerate(value, 1)]
        return [Part("bullet", clean(v)) for v in value]
    parts: list[Part] = []
    for label, part in value.items():
        parts.append(Part("label", clean(part_title(label))))
        parts.extend(_parts(part, steps))
    return parts


def facts(record: Procedure, change: HistoryEntry | None = None) -> list[tuple[str, str]]:
    """The coder facts shown under a record's title, as (label, text) pairs."""
    out = []
    if record.add_on_to:
        out.append(("Add-on code", "reported with " + ", ".join(map(clean, record.add_on_to))))
    if record.time:
        out.append(("Time", clean(time_text(record.time))))
    if change is not None:
        out.append((f"CPT {change.year}", clean(change_text(change))))
    return out


def change_text(entry: HistoryEntry) -> str:
    verb = "deleted" if entry.deleted else "revised"
    when = f"{verb} from" if entry.year <= CODE_SET_YEAR else f"to be {verb} on"
    text = f"{when} 1 January {entry.year}. {entry.note}"
    if entry.replaced_by:
        text += " Replaced by " + ", ".join(entry.replaced_by) + "."
    return text


def footer(record: Procedure) -> str:
    reviewed = f"Reviewed {record.reviewed}" if record.reviewed else "Not yet reviewed"
    return f"{reviewed}. Describes {CODE_SET}."


def origin_line(origin: Origin | None) -> str:
    """Where a record that is not bundled came from ("" for a bundled record)."""
    if origin is None:
        return ""
    # The path comes last, so that only the screen's edge can break it.
    lead = "Replaces the bundled record; from" if origin.replaces_bundled else "From"
    return f"{lead} {clean(origin.path)}"


def unwrapped(text: str, style: str = "") -> RenderableType:
    """A line rich neither wraps nor cuts (printed with ``crop=False``): for paths."""
    from rich.console import Group
    from rich.text import Text

    # In a Group, because print() joins bare Text objects into one that wraps.
    return Group(Text(text, style=style, no_wrap=True, overflow="ignore"))


# --- plain text ----------------------------------------------------------------------


def fill(text: str, width: int, first: str, rest: str) -> str:
    """Text filled to the width (never narrower than 30), hyphenated words kept whole."""
    import textwrap

    return textwrap.fill(
        text,
        width=max(width, 30),
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
    )


def wrap_text(text: str, width: int = 80) -> str:
    """A paragraph wrapped to the width, for plain text."""
    return fill(text, width, "", "")


def plain_procedure(
    record: Procedure,
    blocks: Sequence[Block],
    width: int = 80,
    header: bool = True,
    notice: bool = True,
    change: HistoryEntry | None = None,
    origin: Origin | None = None,
) -> str:
    lines: list[str] = []
    if header:
        code = clean(record.code)
        lines.append(fill(f"{code}  {clean(record.name)}", width, "", " " * (len(code) + 2)))
        details = [clean(record.category), record.system]
        lines.append(fill("  ".join(d for d in details if d), width, "", ""))
        if record.aliases:
            lines.append(
                fill("Also known as: " + "; ".join(map(clean, record.aliases)), width, "", "  ")
            )
        for label, text in facts(record, change):
            lines.append(fill(f"{label}: {text}", width, "", "  "))
        lines.append("")
    if blocks:
        lines.append(plain_blocks(blocks, width))
    lines.append(footer(record))
    if origin is not None:
        lines.append(origin_line(origin))  # unwrapped: a path is never broken
    if notice:
        lines.append(NOTICE)
    return "\n".join(lines)


def rule(width: int = 80) -> str:
    """The line between two records in plain text."""
    return "=" * max(width, 30)


def plain_blocks(blocks: Sequence[Block], width: int = 80) -> str:
    """Blocks as titled plain-text sections, each followed by a blank line."""
    lines = []
    for block in blocks:
        lines.append(block.title)
        lines.append("-" * len(block.title))
        labelled = False
        for part in block.parts:
            labelled = labelled or part.kind == "label"
            lines.append(_plain_part(part, width, indent="  " if labelled else ""))
        lines.append("")
    return "\n".join(lines)


def _plain_part(part: Part, width: int, indent: str = "") -> str:
    if part.kind == "paragraph":
        return fill(part.text, width, indent, indent)
    if part.kind == "bullet":
        return fill(part.text, width, "  - ", "    ")
    if part.kind == "step":
        marker = f"  {part.number}. "
        return fill(part.text, width, marker, " " * len(marker))
    if part.kind == "label":
        return f"{part.text}:"
    # a similar code, its name wrapped under itself
    return fill(
        f"{part.text}  {part.detail or NOT_IN_LIBRARY}", width, "  ", " " * (len(part.text) + 4)
    )


MATCH_COLUMNS = ("rank", "code", "score", "confidence", "name", "category", "matched")


def match_rows(matches: Sequence[Match]) -> list[tuple[str, ...]]:
    """Search results as rows of MATCH_COLUMNS (for tsv, csv and markdown)."""
    return [
        (
            str(rank),
            m.code,
            f"{m.score:.0f}",
            m.confidence,
            m.name,
            m.category,
            f"{m.matched_field}: {m.matched_text}",
        )
        for rank, m in enumerate(matches, 1)
    ]


# Below these widths the results table first drops the category, then folds the
# matched text under the name, so that names keep room to be read.
WIDE = 100
MEDIUM = 80


def match_columns(width: int) -> tuple[bool, bool]:
    """Which optional result columns fit ``width``: (category, matched as a column)."""
    return width >= WIDE, width >= MEDIUM


def plain_matches(matches: Sequence[Match], width: int = 80) -> str:
    """Results as aligned text. One line a result when every line fits the width;
    otherwise rank, code, score and confidence on the left and, beside them, the name
    wrapped to the width, with the category (on wide screens) and the matched text on
    lines of their own below it."""
    rows = [
        (
            str(rank),
            clean(m.code),
            f"{m.score:.0f}",
            m.confidence,
            clean(m.name),
            clean(m.category),
            f"{m.matched_field}: {clean(_snippet(m)[0])}",
        )
        for rank, m in enumerate(matches, 1)
    ]
    table = _columns(rows)
    if not rows or max(len(line) for line in table.splitlines()) <= width:
        return table
    left = _columns([(*row[:4], "") for row in rows]).splitlines()
    indent = max(len(line) for line in left) + 2
    show_category, _ = match_columns(width)
    out = []
    for lead, row in zip(left, rows):
        lines = [row[4]] + ([row[5]] if show_category else []) + [row[6]]
        wrapped = [fill(line, width, " " * indent, " " * indent).lstrip("\n") for line in lines]
        text = "\n".join(wrapped)
        out.append(lead.ljust(indent) + text[indent:])
    return "\n".join(out)


def plain_paths(rows: Sequence[tuple[str, str, str]], width: int = 80) -> str:
    """Folders as (where from, path, what is there): aligned columns when every line
    fits the width, else each folder's description on one line and its path, whole,
    on the next, so that a path is never broken inside a word."""
    cleaned = [tuple(clean(cell) for cell in row) for row in rows]
    table = _columns(cleaned)
    if not rows or max(len(line) for line in table.splitlines()) <= width:
        return table
    lines = []
    for origin, path, detail in cleaned:
        lines.append(f"{origin} ({detail})" if detail else origin)
        lines.append(f"  {path}")
    return "\n".join(lines)


def plain_table(rows: Sequence[Sequence[str]]) -> str:
    return _columns([[clean(c) for c in row] for row in rows])


def _columns(rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        out.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(out)


def _snippet(match: Match) -> tuple[str, tuple[tuple[int, int], ...]]:
    from cptcli.search import snippet

    return snippet(match.matched_text, match.highlights, width=70)


# --- rich ----------------------------------------------------------------------------


def warm_up() -> None:
    """Import the rich modules a results table needs (e.g. while other work runs)."""
    import rich.console
    import rich.table
    import rich.text  # noqa: F401


def make_console(stderr: bool = False, width: int | None = None, **kwargs: Any) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, width=width, highlight=False, emoji=False, **kwargs)


def rich_procedure(
    record: Procedure,
    blocks: Sequence[Block],
    header: bool = True,
    notice: bool = True,
    width: int = 80,
    change: HistoryEntry | None = None,
    origin: Origin | None = None,
) -> list[RenderableType]:
    """Panels for a terminal ``width`` columns wide."""
    from rich.panel import Panel
    from rich.text import Text

    out: list[RenderableType] = []
    if header:
        title = Text.assemble(
            (clean(record.code), THEME["code"]), "  ", (clean(record.name), THEME["title"])
        )
        meta = Text.assemble(
            (clean(record.category), THEME["category"]), "  ", (record.system, THEME["category"])
        )
        lines = [title, meta]
        if record.aliases:
            lines.append(
                Text.assemble(
                    ("Also known as: ", THEME["label"]),
                    ("; ".join(map(clean, record.aliases)), THEME["category"]),
                )
            )
        for label, text in facts(record, change):
            style = THEME["warning"] if label.startswith("CPT") else THEME["label"]
            lines.append(Text.assemble((f"{label}: ", style), text))
        out.append(Panel(Text("\n").join(lines), border_style=THEME["border"]))
    out.extend(rich_blocks(blocks, width))
    out.append(Text(footer(record), style=THEME["category"]))
    if origin is not None:
        out.append(unwrapped(origin_line(origin), THEME["category"]))
    if notice:
        out.append(Text(NOTICE, style=THEME["notice"]))
    return out


def rich_blocks(blocks: Sequence[Block], width: int = 80) -> list[RenderableType]:
    """Blocks as titled panels."""
    from rich.panel import Panel
    from rich.text import Text

    return [
        Panel(
            _rich_parts(block.parts, width - 4),
            title=Text(block.title, style=THEME["heading"]),
            title_align="left",
            border_style=THEME["border"],
        )
        for block in blocks
    ]


def _rich_parts(parts: Sequence[Part], width: int) -> RenderableType:
    """One section's body. Text is wrapped here (textwrap, with hanging indents for
    bullets and steps) into a single Text that rich need not wrap again: that halves
    the time rich takes to print a whole summary."""
    from rich.cells import cell_len
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    body = Text(no_wrap=True, overflow="ignore")
    codes: list[Part] = []
    for part in parts:
        if part.kind == "code":
            codes.append(part)
            continue
        if body:
            body.append("\n")
        if part.kind == "label":
            body.append(part.text, style=THEME["label"])
            continue
        if width < 30 or (not part.text.isascii() and cell_len(part.text) != len(part.text)):
            body.no_wrap, body.overflow = False, None  # let rich wrap by cell width
        if part.kind == "paragraph":
            body.append(fill(part.text, width, "", ""), style=THEME["paragraph"])
        else:
            marker = "•" if part.kind == "bullet" else f"{part.number}."
            indent = " " * (len(marker) + 1)
            wrapped = fill(part.text, width, indent, indent) or indent
            body.append(marker + wrapped[len(marker) :], style=THEME[part.kind])
    if not codes:
        return body
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=THEME["code"], no_wrap=True)
    grid.add_column()
    for part in codes:
        grid.add_row(
            Text(part.text),
            Text(part.detail) if part.detail else Text(NOT_IN_LIBRARY, style=THEME["category"]),
        )
    return Group(body, grid) if body else grid


def _break_lines(text: str, width: int) -> str:
    """Greedy word wrap that only turns spaces into newlines, so character positions
    (and the highlight spans that use them) stay valid."""
    chars = list(text)
    line_start, last_space = 0, -1
    for i, char in enumerate(chars):
        if char == " ":
            last_space = i
        if i - line_start >= width and last_space > line_start:
            chars[last_space] = "\n"
            line_start = last_space + 1
    return "".join(chars)


def rich_matches(matches: Sequence[Match], query: str, width: int = 100) -> RenderableType:
    """The results table, fitted to ``width``: below :data:`WIDE` columns the category
    is left out, below :data:`MEDIUM` the matched text is folded under the name. Column
    widths are worked out and text is wrapped here, which is several times faster than
    letting the table measure and wrap every cell."""
    from rich.table import Table
    from rich.text import Text

    show_category, matched_column = match_columns(width)
    rows = []
    for rank, match in enumerate(matches, 1):
        text, spans = _snippet(match)
        field = f"{match.matched_field}: "
        matched = Text(field + clean(text))
        matched.stylize(THEME["field"], 0, len(field))
        for start, end in spans:
            matched.stylize(THEME["match"], len(field) + start, len(field) + end)
        rows.append(
            (
                str(rank),
                clean(match.code),
                clean(match.name),
                clean(match.category),
                matched,
                f"{match.score:.0f} {match.confidence}",
            )
        )
    fixed = [
        max([len(r[i]) for r in rows] + [len(h)]) for i, h in ((0, "#"), (1, "Code"), (5, "Match"))
    ]
    columns = 4 + show_category + matched_column
    # Each column takes 3 cells of borders and padding, and the table one more.
    free = max(width - sum(fixed) - 3 * columns - 1, 20)
    # The category and the matched text get what they need up to a share of the room,
    # and the name the rest: short aliases leave the name more room than long snippets.
    category_w = min(max(len(r[3]) for r in rows), free * 2 // 8) if show_category else 0
    share = free * 3 // 8 if show_category else free // 2
    matched_w = min(max(len(r[4].plain) for r in rows), share) if matched_column else 0
    name_w = min(max(len(r[2]) for r in rows), free - category_w - matched_w)
    if not matched_column:
        matched_w = name_w = max(name_w, min(max(len(r[4].plain) for r in rows), free))
    table = Table(
        title=Text(f"Results for “{clean(query)}”"),
        title_justify="left",
        border_style=THEME["border"],
        expand=False,
    )
    table.add_column("#", justify="right", style="dim", no_wrap=True, width=fixed[0])
    table.add_column("Code", style=THEME["code"], no_wrap=True, width=fixed[1])
    table.add_column("Name", no_wrap=True, width=name_w)
    if show_category:
        table.add_column("Category", style=THEME["category"], no_wrap=True, width=category_w)
    if matched_column:
        table.add_column("Matched", no_wrap=True, width=matched_w)
    table.add_column("Match", justify="right", no_wrap=True, width=fixed[2])
    for (rank, code, name, category, matched, score), match in zip(rows, matches):
        matched.plain = _break_lines(matched.plain, matched_w)
        cells: list[Any] = [rank, Text(code), Text(_break_lines(name, name_w))]
        if not matched_column:
            cells[2] = Text("\n").join([cells[2], matched])
        if show_category:
            cells.append(Text(_break_lines(category, category_w)))
        if matched_column:
            cells.append(matched)
        cells.append(
            Text.assemble(
                (score.split()[0], THEME["score"]), " ", (match.confidence, THEME[match.confidence])
            )
        )
        table.add_row(*cells)
    return table


def rich_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title), title_justify="left", border_style=THEME["border"])
    for i, header in enumerate(headers):
        table.add_column(header, style=THEME["code"] if i == 0 else None)
    for row in rows:
        table.add_row(*(Text(clean(cell)) for cell in row))
    return table


def section_rows() -> list[tuple[str, str, str]]:
    return [(s.key, s.title, ", ".join(s.aliases)) for s in SECTIONS]


def section_title(key: str) -> str:
    return BY_KEY[key].title


# --- code history ----------------------------------------------------------------------


def history_lines(entry: HistoryEntry, names: dict[str, str | None]) -> list[Part]:
    """A deleted or changed code as labelled parts: what happened, then its replacements."""
    system = "HCPCS Level II" if entry.code[0].isalpha() else "CPT"
    verb = "deleted" if entry.deleted else "revised"
    when = f"in {system} {entry.year}" if entry.year else ""
    parts = [Part("paragraph", clean(f"{entry.code} was {verb} {when}. {entry.note}"))]
    if entry.replaced_by:
        parts.append(Part("label", "Replaced by"))
        parts.extend(
            Part("code", clean(code), detail=clean(names.get(code) or ""))
            for code in entry.replaced_by
        )
    parts.append(Part("paragraph", clean(f"Source: {entry.source}")))
    return parts


def plain_history(
    entry: HistoryEntry, names: dict[str, str | None], width: int = 80, notice: bool = True
) -> str:
    title = "Deleted code" if entry.deleted else "Revised code"
    lines = [f"{clean(entry.code)}  {title}", ""]
    for part in history_lines(entry, names):
        lines.append(_plain_part(part, width))
    lines.append("")
    lines.append(f"The library describes {CODE_SET}.")
    if notice:
        lines.append(NOTICE)
    return "\n".join(lines)


def rich_history(
    entry: HistoryEntry, names: dict[str, str | None], width: int = 80, notice: bool = True
) -> list[RenderableType]:
    from rich.panel import Panel
    from rich.text import Text

    title = "Deleted code" if entry.deleted else "Revised code"
    out: list[RenderableType] = [
        Panel(
            _rich_parts(history_lines(entry, names), width - 4),
            title=Text.assemble(
                (clean(entry.code), THEME["code"]), "  ", (title, THEME["warning"])
            ),
            title_align="left",
            border_style=THEME["border"],
        ),
        Text(f"The library describes {CODE_SET}.", style=THEME["category"]),
    ]
    if notice:
        out.append(Text(NOTICE, style=THEME["notice"]))
    return out
