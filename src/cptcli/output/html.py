"""One self-contained HTML page for ``cpt show --format html``: a handout a clinic can
print or send.

It writes the labelled parts that :func:`cptcli.render.layout` makes (paragraph, bullet,
step, label, code) as HTML elements; how they look is decided by one inline stylesheet,
with a print stylesheet for paper. The page loads nothing: no scripts, no fonts, no
images, no links, and a Content-Security-Policy that forbids them. Record text is data:
every string passes through the cleaning function and ``html.escape`` before it is
written. Standard library only (no rich).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from cptcli.codeset import CODE_SET, CODE_SET_YEAR
from cptcli.models import Procedure, clean
from cptcli.render import NOT_IN_LIBRARY, NOTICE, Block, Part, facts, footer, history_lines

if TYPE_CHECKING:
    from cptcli.history import HistoryEntry

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """\
:root { color-scheme: light; }
body {
  margin: 2rem auto; max-width: 46rem; padding: 0 1.25rem;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
  color: #1a1a1a; background: #fff;
}
article, aside.miss { margin-bottom: 2.5rem; }
article > header { border-bottom: 2px solid #2b4c7e; padding-bottom: 0.5rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 0.25rem; }
h1 .code { color: #2b4c7e; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.4rem; color: #2b4c7e; }
h3 { font-size: 1rem; margin: 0.9rem 0 0.2rem; }
p, ul, ol, dl { margin: 0.3rem 0 0.6rem; }
ul, ol { padding-left: 1.6rem; }
.category { color: #555; margin: 0; }
.aliases { margin: 0.3rem 0 0; color: #333; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
ul.codes { list-style: none; padding-left: 0; }
ul.codes .code { font-weight: 600; }
.muted { color: #666; }
aside.miss { border-left: 4px solid #b26b00; padding: 0.2rem 0 0.2rem 1rem; }
aside.miss h2 { color: #1a1a1a; margin-top: 0.3rem; }
footer { border-top: 1px solid #ccc; margin-top: 1.5rem; padding-top: 0.5rem;
  font-size: 0.85rem; color: #444; }
footer p { margin: 0.2rem 0; }
.notice { font-style: italic; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
li, dt, dd, footer, article > header { break-inside: avoid; page-break-inside: avoid; }
p { orphans: 3; widows: 3; }
@page { margin: 18mm 16mm 20mm; }
@media print {
  html, body { background: #fff; color: #000; }
  body { margin: 0; max-width: none; padding: 0; font-size: 11pt; }
  * { color: #000 !important; background: transparent !important; }
  article > header { border-bottom-color: #000; }
  aside.miss { border-left-color: #000; }
  footer { border-top-color: #000; }
  article + article, article + aside.miss, aside.miss + article {
    break-before: page; page-break-before: always;
  }
}
"""


def _text(value: Any) -> str:
    """Record text as HTML: cleaned, then escaped (quotes too, so it is safe anywhere)."""
    return escape(clean(str(value)), quote=True)


def _line(value: Any) -> str:
    """Like :func:`_text`, on one line (white space collapsed)."""
    return escape(" ".join(clean(str(value)).split()), quote=True)


def parts_html(parts: Sequence[Part]) -> str:
    """Labelled parts as elements: a paragraph, a list of bullets, a numbered list of
    steps, a label as a small heading, related codes as a list of code and name."""
    lines: list[str] = []
    open_list = ""
    for part in parts:
        wanted = {"bullet": "ul", "step": "ol", "code": 'ul class="codes"'}.get(part.kind, "")
        if open_list and wanted != open_list:
            lines.append(f"</{open_list.split()[0]}>")
            open_list = ""
        if wanted and not open_list:
            lines.append(f"<{wanted}>")
            open_list = wanted
        if part.kind == "paragraph":
            lines.append(f"<p>{_text(part.text)}</p>")
        elif part.kind == "label":
            lines.append(f"<h3>{_line(part.text)}</h3>")
        elif part.kind == "bullet":
            lines.append(f"<li>{_text(part.text)}</li>")
        elif part.kind == "step":
            lines.append(f'<li value="{part.number}">{_text(part.text)}</li>')
        else:  # a related code and its name
            name = (
                _line(part.detail)
                if part.detail
                else f'<span class="muted">{_line(NOT_IN_LIBRARY)}</span>'
            )
            lines.append(f'<li><span class="code">{_line(part.text)}</span> {name}</li>')
    if open_list:
        lines.append(f"</{open_list.split()[0]}>")
    return "\n".join(lines)


def _section(block: Block) -> str:
    opening = f'<section class="{_line(block.key)}">\n<h2>{_line(block.title)}</h2>'
    return f"{opening}\n{parts_html(block.parts)}\n</section>"


def record_html(
    record: Procedure, blocks: Sequence[Block], change: HistoryEntry | None = None
) -> str:
    """One record as an article: code and name at the top, the coder facts, one section
    per block, and a footer with the reviewed date, the code set and the notice."""
    lines = [
        f'<article id="code-{_line(record.code)}">',
        "<header>",
        f'<h1><span class="code">{_line(record.code)}</span> {_line(record.name)}</h1>',
        f'<p class="category">{_line(record.category)}</p>',
    ]
    if record.aliases:
        aliases = _line("; ".join(record.aliases))
        lines.append(f'<p class="aliases"><strong>Also known as:</strong> {aliases}</p>')
    shown = facts(record, change)
    if shown:
        lines.append('<dl class="facts">')
        lines += [f"<dt>{_line(label)}</dt><dd>{_line(text)}</dd>" for label, text in shown]
        lines.append("</dl>")
    lines.append("</header>")
    lines += [_section(block) for block in blocks]
    lines += [
        "<footer>",
        f"<p>{_line(footer(record))}</p>",
        f'<p class="notice">{_line(NOTICE)}</p>',
        "</footer>",
        "</article>",
    ]
    return "\n".join(lines)


def note_html(title: str, parts: Sequence[Part]) -> str:
    """A short note for a code the page cannot describe (deleted, not in the library,
    not a code)."""
    heading = f"<h2>{_line(title)}</h2>"
    return "\n".join(['<aside class="miss" role="note">', heading, parts_html(parts), "</aside>"])


def history_note(entry: HistoryEntry, names: dict[str, str | None]) -> str:
    """A deleted or revised code: what happened and the codes that replaced it."""
    title = "deleted code" if entry.deleted else "revised code"
    return note_html(f"{entry.code}: {title}", history_lines(entry, names))


def change_line(entry: HistoryEntry) -> str:
    """One line on what happened to a code, for stderr next to the page."""
    verb = "deleted" if entry.deleted else "revised"
    when = "was" if entry.year <= CODE_SET_YEAR else "is to be"
    replaced = f"; replaced by {', '.join(entry.replaced_by)}" if entry.replaced_by else ""
    return clean(f"{entry.code} {when} {verb} in {entry.year}{replaced}")


def absent_note(code: str, block: Block) -> str:
    """A valid code without a record: where it sits in the code set (the paragraphs of
    :func:`cptcli.render.absent_block`; the family's other codes are left to search)."""
    paragraphs = [p for p in block.parts if p.kind == "paragraph"]
    return note_html(f"{code}: not in the library", paragraphs)


def message_note(code: str, message: str) -> str:
    """An input that could not be answered, with the reason."""
    return note_html(code, [Part("paragraph", message)])


def page(fragments: Iterable[str], title: str) -> str:
    """The whole document around articles and notes. Every record ends with the notice;
    a page that ends with notes (printed on a sheet of their own) gets a footer with the
    code set and the notice after them."""
    body = list(fragments)
    if not body or not body[-1].startswith("<article"):
        body += [
            "<footer>",
            f"<p>{_line(f'The library describes {CODE_SET}.')}</p>",
            f'<p class="notice">{_line(NOTICE)}</p>',
            "</footer>",
        ]
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_line(title)}</title>",
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    return "\n".join([*head, *body, "</main>", "</body>", "</html>"]) + "\n"


def page_title(records: Sequence[Procedure], asked: Sequence[str]) -> str:
    """The title: code and name for one record, else the codes asked for."""
    if len(records) == 1 and len(asked) == 1:
        return f"{clean(records[0].code)} {clean(records[0].name)}"
    return "Procedure information: " + ", ".join(clean(code) for code in asked)
