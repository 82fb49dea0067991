"""Tabular output for scripts and documents: tab-separated, CSV and Markdown.

Rows come in as tuples of plain strings (the renderer's job is only the layout):
- ``tsv``: one row a line, cells separated by tabs, no padding and no wrapping (tabs and
  line breaks inside a cell become spaces), a header line only when asked for;
- ``csv``: RFC 4180, with a header row, for spreadsheets: fields with a comma or a
  quote are quoted (quotes doubled), and every line, the last too, ends in CRLF;
- ``markdown``: a pipe table with a header row, ready to paste into notes; cell text is
  escaped as in a Markdown record (``|``, backslashes and the characters Markdown reads
  as markup), so data never becomes a column, a link or HTML.
Every cell passes through the same cleaning as terminal text, on one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from cptcli.models import clean

TABULAR = ("table", "tsv", "csv", "json", "markdown")


def _cell(text: str) -> str:
    return " ".join(clean(text).split())


def tsv(headers: Sequence[str], rows: Sequence[Sequence[str]], header: bool = False) -> str:
    lines = ["\t".join(headers)] if header else []
    lines += ["\t".join(_cell(c) for c in row) for row in rows]
    return "\n".join(lines)


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[_cell(c) for c in row] for row in rows])
    return buffer.getvalue()


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    from cptcli.output.markdown import md

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(md(c) for c in cells) + " |"

    return "\n".join([line(headers), "|" + "---|" * len(headers), *(line(r) for r in rows)])


def tabular(
    fmt: str, headers: Sequence[str], rows: Sequence[Sequence[str]], header: bool = False
) -> str:
    """Rows in one of the text formats tsv, csv or markdown."""
    if fmt == "csv":
        return csv_text(headers, rows)
    if fmt == "markdown":
        return markdown(headers, rows)
    return tsv(headers, rows, header)
